// Runs a kernel exactly as `mx.fast.cuda_kernel` would be given it, on the CUDA emulator: the body is
// wrapped in the signature MLX's CUDA backend generates for it (mlx/backend/cuda/custom_kernel.cpp,
// build_kernel: `const T* <input>` for every input, 0-d ones included, `T* <output>`, then the template
// arguments as `using`/`constexpr` lines), and launched with MLX's grid arithmetic (the grid counts
// threads; blocks = ceil(grid / threadgroup)). This checks the CUDA half of c2m's dual-target modules.
import { arrayFromBytes, dtypeInfo, normalizeDtype, type Dtype, type TypedArray } from "./dtypes.js";
import { cudaProgram } from "./cuda.js";
import { outputBuffers, resolveInput, type KernelInput, type MetalKernelSpec, type RunOptions } from "./metal.js";
import { compileProgram, runProgram, type RequestBuffer } from "./native.js";
import { nameTable } from "../../ir/tables.js";

/** Mirrors `mx.fast.cuda_kernel(...)` plus the arguments of its call: metal_kernel's, less atomic_outputs, plus shared_memory. */
export type MlxCudaKernelSpec = Omit<MetalKernelSpec, "atomicOutputs"> & {
  /** `shared_memory=`: dynamic shared memory in bytes */
  sharedMemory?: number;
};

/** MLX's dtype_to_cuda_type. */
const CUDA_TYPES: Record<Dtype, string> = nameTable({
  float32: "float",
  float16: "__half",
  bfloat16: "__nv_bfloat16",
  float64: "double",
  int8: "int8_t",
  int16: "int16_t",
  int32: "int32_t",
  int64: "int64_t",
  uint8: "uint8_t",
  uint16: "uint16_t",
  uint32: "uint32_t",
  uint64: "uint64_t",
  bool: "bool",
} as Record<Dtype, string>);

function cudaType(d: string): string {
  const t = CUDA_TYPES[normalizeDtype(d)];
  if (!t) throw new Error(`c2m verify: no CUDA type for dtype ${d}`);
  return t;
}

/** The kernel text MLX's CUDA backend compiles (its default header's `inf` included; its includes are the emulator's). */
export function mlxCudaSource(spec: MlxCudaKernelSpec, inputDtypes: string[]): { source: string; kernel: string } {
  const kernelName = `custom_kernel_${spec.name}`;
  const params = [
    ...spec.inputNames.map((n, i) => `    const ${cudaType(inputDtypes[i]!)}* ${n}`),
    ...spec.outputNames.map((n, i) => `    ${cudaType(spec.outputDtypes[i]!)}* ${n}`),
  ];
  const consts = (spec.template ?? []).map(([n, v]) =>
    typeof v === "boolean" ? `  constexpr bool ${n} = ${v};` : typeof v === "number" ? `  constexpr int ${n} = ${Math.trunc(v)};` : `  using ${n} = ${cudaType(v)};`,
  );
  // MLX's device headers bring in libcu++ (cuda::std), which a kernel's type tests may name
  const source = `#define inf (std::numeric_limits<float>::infinity())
#include <cuda/std/type_traits>
${spec.header ?? ""}
namespace mlx::core::cu {

__global__ void ${kernelName}(
${params.join(",\n")}) {
${consts.length ? consts.join("\n") + "\n\n" : ""}${spec.source}
}

} // namespace mlx::core::cu
`;
  return { source, kernel: `mlx::core::cu::${kernelName}` };
}

/** Runs the kernel on the CUDA emulator; returns its outputs by name (float16/bfloat16 as Uint16Array bits). */
export async function runMlxCuda(spec: MlxCudaKernelSpec, inputs: Record<string, KernelInput>, options: RunOptions = {}): Promise<Record<string, TypedArray>> {
  const resolved = spec.inputNames.map((n) => resolveInput(n, inputs[n]));
  const { source, kernel } = mlxCudaSource(
    spec,
    resolved.map((r) => r.dtype),
  );
  const exe = await compileProgram(cudaProgram(source, [{ kernel }]), { checkAlignment: true });
  const buffers: RequestBuffer[] = [...resolved.map((r) => ({ name: r.name, elemBytes: dtypeInfo(r.dtype).bytes, data: r.bytes })), ...outputBuffers(spec)];
  const tg = spec.threadgroup;
  if (tg.some((t) => t < 1) || tg[0] * tg[1] * tg[2] > 1024) throw new Error(`c2m verify: threadgroup ${JSON.stringify(tg)} (CUDA allows 1..1024 threads)`);
  const blocks = spec.grid.map((g, d) => Math.ceil(g / tg[d]!)) as [number, number, number];
  const args = buffers.map((_, i) => ({ buffer: i }));
  const result = await runProgram(exe, buffers, [{ entry: 0, grid: blocks, block: tg, sharedBytes: spec.sharedMemory ?? 0, args }], options);
  const out: Record<string, TypedArray> = nameTable({});
  spec.outputNames.forEach((name, i) => {
    out[name] = arrayFromBytes(result[resolved.length + i]!, normalizeDtype(spec.outputDtypes[i]!));
  });
  return out;
}
