/**
 * Runs a golden kernel spec through the translation: each launch of the spec becomes the MLX call the
 * emitted Python would make (planKernelCall), executed on the Metal emulator (runMetal); the CUDA
 * original runs on the CUDA emulator. Shared by the kernel verification tests.
 */
import { compileKernels, planKernelCall, type CompiledKernel } from "../src/kernel/index.js";
import { runMetal, type KernelInput } from "../src/verify/metal.js";
import { arrayFromBytes, bytesOf, fromNumbers, normalizeDtype, type TypedArray } from "../src/verify/dtypes.js";
import { evalExpr, goldenBuffers, goldenLaunches, loadGoldenSource, type GoldenSpec } from "../src/verify/golden.js";
import { runCudaLaunches } from "../src/verify/cuda.js";
import type { MlxDtype } from "../ir/kernel.js";

const CTYPE_DTYPE: Record<string, MlxDtype> = {
  float: "float32", int: "int32", "unsigned int": "uint32", int64_t: "int64", "long long": "int64", __half: "float16", half: "float16",
  __nv_bfloat16: "bfloat16", double: "float32", uint32_t: "uint32",
};

function toNumbers(a: TypedArray): number[] {
  return Array.from(a as ArrayLike<number | bigint>, (v) => Number(v));
}

/** Applies an atomic-accumulate combine (`{old} + {new}`, `mx.maximum({old}, {new})`, ...) elementwise. */
function combine(expr: string, old: TypedArray, fresh: TypedArray, dtype: string): TypedArray {
  const o = toNumbers(old);
  const f = toNumbers(fresh);
  const op = (a: number, b: number): number => {
    if (/^\{old\} \+ \{new\}$/.test(expr)) return a + b;
    if (/maximum/.test(expr)) return Math.max(a, b);
    if (/\|/.test(expr)) return a | b;
    if (/\^/.test(expr)) return a ^ b;
    if (/&/.test(expr)) return a & b;
    throw new Error(`unknown combine ${expr}`);
  };
  return fromNumbers(o.map((v, i) => op(v, f[i]!)), normalizeDtype(dtype));
}

export async function runTranslated(
  spec: GoldenSpec,
  sizeIndex: number,
  mutate?: (k: CompiledKernel) => void,
  source: string = loadGoldenSource(spec),
): Promise<{ metal: Record<string, TypedArray>; cuda: Record<string, TypedArray> }> {
  const compiled = compileKernels(source, { filename: spec.file });
  const errors = compiled.diagnostics.filter((d) => d.severity === "error");
  if (errors.length) throw new Error(`translation failed: ${errors.map((d) => `${d.line}:${d.col} ${d.code} ${d.message}`).join("; ")}`);
  const sizes = spec.sizes[sizeIndex]!;
  const buffers = goldenBuffers(spec, sizeIndex);
  const cuda = await runCudaLaunches(source, goldenLaunches(spec, sizeIndex), goldenBuffers(spec, sizeIndex), { deviceCodeOnly: spec.needsTorch });
  const dtypeOf = (name: string) => normalizeDtype(spec.buffers.find((b) => b.name === name)!.dtype);
  for (const l of spec.launches) {
    const k: CompiledKernel | undefined = compiled.kernels.find((x) => x.name === l.kernel);
    if (!k) throw new Error(`kernel ${l.kernel} not translated`);
    mutate?.(k);
    const args: Record<string, { shape: number[]; dtype: MlxDtype } | number> = {};
    const argBuffer: Record<string, string> = {};
    const scalarDtype: Record<string, MlxDtype> = {};
    l.args.forEach((a, i) => {
      const p = k.params[i]!;
      if ("buffer" in a) {
        args[p.name] = { shape: [buffers[a.buffer]!.length], dtype: dtypeOf(a.buffer) as MlxDtype };
        argBuffer[p.name] = a.buffer;
      } else {
        args[p.name] = evalExpr(a.scalar, sizes);
        scalarDtype[p.name] = CTYPE_DTYPE[a.type] ?? "float32";
      }
    });
    const template: Record<string, MlxDtype | number | boolean> = {};
    k.templateParams.forEach((t, i) => {
      const v = l.templateArgs?.[i];
      if (v === undefined) throw new Error(`no template argument ${t.name}`);
      template[t.name] = t.kind === "type" ? CTYPE_DTYPE[v]! : t.kind === "bool" ? v === "true" : Number(v);
    });
    const grid = l.grid.map((g) => evalExpr(g, sizes));
    const plan = planKernelCall(k, args, { grid, block: l.block, sharedMem: l.sharedBytes === undefined ? 0 : evalExpr(l.sharedBytes, sizes), template });
    const inputs: Record<string, KernelInput> = {};
    for (const inp of plan.inputs) {
      if (inp.scalar) inputs[inp.name] = { data: inp.scalar.value, dtype: inp.scalar.dtype, shape: [] };
      else inputs[inp.name] = { data: buffers[argBuffer[inp.arg]!]!, dtype: dtypeOf(argBuffer[inp.arg]!), shape: [buffers[argBuffer[inp.arg]!]!.length] };
    }
    const out = await runMetal(
      {
        name: k.spec.name,
        inputNames: k.spec.input_names,
        outputNames: k.spec.output_names,
        source: k.spec.source,
        header: k.spec.header,
        atomicOutputs: k.spec.atomic_outputs,
        ensureRowContiguous: k.spec.ensure_row_contiguous,
        template: plan.template.map(([n, v]) => [n, v]) as never,
        grid: plan.grid,
        threadgroup: plan.threadgroup,
        outputShapes: plan.output_shapes,
        outputDtypes: plan.output_dtypes,
        ...(plan.init_value !== undefined ? { initValue: plan.init_value } : {}),
      },
      inputs,
    );
    for (const p of k.params) {
      if (!p.outputName) continue;
      const buf = argBuffer[p.name]!;
      let v = out[p.outputName]!;
      if (p.combine) v = combine(p.combine, buffers[buf]!, v, dtypeOf(buf));
      buffers[buf] = v;
    }
  }
  void arrayFromBytes;
  void bytesOf;
  return { metal: buffers, cuda };
}

/** Largest mismatch between two buffers: relative for floats (1e-5 scale), exact for ints. */
export function compareBuffers(a: TypedArray, b: TypedArray, dtype: string): { worst: number; index: number } {
  const x = toNumbers(a);
  const y = toNumbers(b);
  if (x.length !== y.length) return { worst: Infinity, index: -1 };
  let worst = 0;
  let index = -1;
  const half = dtype === "float16" || dtype === "bfloat16";
  for (let i = 0; i < x.length; i++) {
    const xi = half ? halfBitsToFloat(x[i]!, dtype) : x[i]!;
    const yi = half ? halfBitsToFloat(y[i]!, dtype) : y[i]!;
    const err = Number.isNaN(xi) || Number.isNaN(yi) ? (Number.isNaN(xi) && Number.isNaN(yi) ? 0 : Infinity) : Math.abs(xi - yi) / Math.max(1, Math.abs(yi));
    if (err > worst) {
      worst = err;
      index = i;
    }
  }
  return { worst, index };
}

function halfBitsToFloat(bits: number, dtype: string): number {
  if (dtype === "bfloat16") return new Float32Array(new Uint32Array([bits << 16]).buffer)[0]!;
  const s = bits & 0x8000 ? -1 : 1;
  const e = (bits >> 10) & 0x1f;
  const m = bits & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}
