// Runs a Metal kernel exactly as `mx.fast.metal_kernel` would be given it: the body is wrapped in the
// signature MLX writes (mlx-source.ts), compiled as C++ against metal_emu.hpp and run on the emulator.
import { arrayFromBytes, bytesOf, dtypeInfo, dtypeOfArray, fromNumbers, normalizeDtype, type Dtype, type TypedArray } from "./dtypes.js";
import { mlxKernelSource, type KernelInputInfo, type TemplateValue } from "./mlx-source.js";
import { compileProgram, runProgram, type RequestBuffer, type RunPerturbation } from "./native.js";
import { rewriteMetalThreadgroup } from "./rewrite.js";
import { nameTable } from "../../ir/tables.js";

/** Mirrors `mx.fast.metal_kernel(...)` plus the arguments of its call. */
export interface MetalKernelSpec {
  name: string;
  inputNames: string[];
  outputNames: string[];
  /** The kernel body, as MLX takes it. */
  source: string;
  /** Helper functions and structs placed before the kernel. */
  header?: string;
  atomicOutputs?: boolean;
  ensureRowContiguous?: boolean;
  /** `("T", "float32")`: dtype names as strings, ints, bools. */
  template?: [string, TemplateValue][];
  /** In threads (MLX's dispatchThreads). */
  grid: [number, number, number];
  threadgroup: [number, number, number];
  outputShapes: number[][];
  outputDtypes: string[];
  initValue?: number;
}

/**
 * An input: a typed array (1-D, dtype from its type: Uint16Array means uint16 — give float16/bfloat16
 * explicitly), a number (a 0-d float32 scalar), or an object with data, dtype and shape.
 */
export type KernelInput = TypedArray | number | { data: TypedArray | number | ArrayLike<number>; dtype?: string; shape?: number[] };

/** A run's schedule and memory perturbations (native.ts RunPerturbation) and its time limit. */
export interface RunOptions extends RunPerturbation {
  timeoutMs?: number;
}

export interface ResolvedInput extends KernelInputInfo {
  bytes: Uint8Array;
}

export function resolveInput(name: string, v: KernelInput | undefined): ResolvedInput {
  if (v === undefined) throw new Error(`c2m verify: no value for kernel input "${name}"`);
  if (typeof v === "number") return { name, dtype: "float32", shape: [], bytes: bytesOf(new Float32Array([v])) };
  if (ArrayBuffer.isView(v)) {
    const a = v as TypedArray;
    return { name, dtype: dtypeOfArray(a), shape: [a.length], bytes: bytesOf(a) };
  }
  const dtype = v.dtype ? normalizeDtype(v.dtype) : ArrayBuffer.isView(v.data) ? dtypeOfArray(v.data as TypedArray) : "float32";
  let arr: TypedArray;
  if (typeof v.data === "number") arr = fromNumbers([v.data], dtype);
  else if (ArrayBuffer.isView(v.data) && dtypeInfo(dtype).array === (v.data as TypedArray).constructor) arr = v.data as TypedArray;
  else arr = fromNumbers(Array.from(v.data as ArrayLike<number>), dtype);
  const shape = v.shape ?? (typeof v.data === "number" ? [] : [arr.length]);
  const n = shape.reduce((a, b) => a * b, 1);
  if (n !== arr.length) throw new Error(`c2m verify: input "${name}" has ${arr.length} elements but shape [${shape.join(", ")}]`);
  return { name, dtype, shape, bytes: bytesOf(arr) };
}

/** The C++ type for an MLX type string, as seen from outside the kernel namespace. */
function cppType(mlx: string): string {
  return mlx === "float16_t" || mlx === "bfloat16_t" ? `metal::${mlx}` : mlx;
}

function templateValueCpp(v: TemplateValue): string {
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "number") return String(Math.trunc(v));
  return cppType(dtypeInfo(v).mlx);
}

/**
 * The kernel's definition for the emulator (inside the kernel namespace) and the C++ call that runs it
 * for the current fiber, with its arguments taken from the request's buffers `B` and the thread
 * attributes `A` (buffer indices follow the request layout built by metalRequestBuffers).
 */
function metalKernelParts(spec: MetalKernelSpec, inputs: KernelInputInfo[]): { definition: string; call: string; mlxSource: string; kernelName: string } {
  const outputDtypes = spec.outputDtypes.map(normalizeDtype);
  const parts = mlxKernelSource({
    name: spec.name,
    inputs,
    outputNames: spec.outputNames,
    outputDtypes,
    source: spec.source,
    header: spec.header,
    template: spec.template,
    atomicOutputs: spec.atomicOutputs,
  });
  // Arguments in signature order.
  const args: string[] = [];
  let b = 0;
  inputs.forEach((inp, i) => {
    const t = cppType(dtypeInfo(inp.dtype).mlx);
    if (inp.shape.length === 0) args.push(`*(const ${t}*)B[${b++}]`);
    else {
      args.push(`(const ${t}*)B[${b++}]`);
      const [sh, st, nd] = parts.shapeInfos[i]!;
      if (sh) args.push(`(const int*)B[${b++}]`);
      if (st) args.push(`(const int64_t*)B[${b++}]`);
      if (nd) args.push(`*(const int*)B[${b++}]`);
    }
  });
  outputDtypes.forEach((d) => {
    const t = cppType(dtypeInfo(d).mlx);
    args.push(spec.atomicOutputs ? `(metal::atomic<${t}>*)B[${b++}]` : `(${t}*)B[${b++}]`);
  });
  for (const a of parts.attributes) args.push(`A.${a}`);
  const targs = spec.template && spec.template.length ? `<${spec.template.map(([, v]) => templateValueCpp(v)).join(", ")}>` : "";
  // MSL has no double: the word is made an unknown type inside the kernel (the headers are already read).
  const definition = `EMU_METAL_KERNEL_NAMESPACE_BEGIN
#define double c2m_error_double_is_not_supported_in_metal
#line 1 "${spec.name.replace(/[^\w.-]/g, "_")}.metal"
${rewriteMetalThreadgroup(parts.source)}
#undef double
EMU_METAL_KERNEL_NAMESPACE_END`;
  return { definition, call: `emu_kernel::${parts.kernelName}${targs}(${args.join(", ")})`, mlxSource: parts.source, kernelName: parts.kernelName };
}

/** The emulator program for a kernel with these input kinds; also returns MLX's exact source. */
export function metalProgram(spec: MetalKernelSpec, inputs: KernelInputInfo[]): { cpp: string; mlxSource: string; kernelName: string } {
  const { definition, call, mlxSource, kernelName } = metalKernelParts(spec, inputs);
  const cpp = `#include "metal_emu.hpp"
${definition}

int main(int argc, char** argv) {
  if (argc < 3) return 2;
  emu::Request q = emu::read_request(argv[1]);
  auto& B = q.buffers;
  for (auto& l : q.launches) {
    emu::metal_launch::configure(l);
    emu::run_grid([&]() {
      auto A = emu::metal_launch::attrs();
      (void)A;
      ${call};
    });
  }
  emu::write_response(argv[2], q);
  return 0;
}
`;
  return { cpp, mlxSource, kernelName };
}

/**
 * One emulator program for many Metal kernels (one compile instead of one per kernel): kernel `i`
 * lives in namespace `emu_case_<i>` and runs when the request's launch names entry `i`. Each kernel
 * still runs in its own process (see runMetalCompiled), so kernels share no emulator state.
 */
export function metalBatchProgram(kernels: { spec: MetalKernelSpec; inputs: KernelInputInfo[] }[]): string {
  const parts = kernels.map((k) => metalKernelParts(k.spec, k.inputs));
  const defs = parts.map((p, i) => `namespace emu_case_${i} {\n${p.definition}\n}  // namespace emu_case_${i}`).join("\n\n");
  const cases = parts.map((p, i) => `    case ${i}: emu::run_grid([&]() { auto A = emu::metal_launch::attrs(); (void)A; emu_case_${i}::${p.call}; }); break;`).join("\n");
  return `#include "metal_emu.hpp"
${defs}

int main(int argc, char** argv) {
  if (argc < 3) return 2;
  emu::Request q = emu::read_request(argv[1]);
  auto& B = q.buffers;
  for (auto& l : q.launches) {
    emu::metal_launch::configure(l);
    switch (l.entry) {
${cases}
    default: return 3;
    }
  }
  emu::write_response(argv[2], q);
  return 0;
}
`;
}

function rowStrides(shape: number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1]! * shape[i + 1]!;
  return s;
}

/** The inputs as MLX would pass them: dtype, shape and bytes, in the spec's input order. */
export function resolveMetalInputs(spec: MetalKernelSpec, inputs: Record<string, KernelInput>): ResolvedInput[] {
  return spec.inputNames.map((n) => resolveInput(n, inputs[n]));
}

/**
 * A custom kernel's outputs as MLX hands them over: filled with init_value when one is given, else
 * uninitialised, which the emulator makes a poison pattern (NaN / all ones) so that elements the kernel
 * never writes show up in a comparison.
 */
export function outputBuffers(spec: { outputNames: string[]; outputShapes: number[][]; outputDtypes: string[]; initValue?: number }): RequestBuffer[] {
  return spec.outputNames.map((name, i) => {
    const dtype = normalizeDtype(spec.outputDtypes[i]!);
    const n = (spec.outputShapes[i] ?? []).reduce((a, b) => a * b, 1);
    const info = dtypeInfo(dtype);
    const data = spec.initValue !== undefined ? bytesOf(fromNumbers(new Array<number>(n).fill(spec.initValue), dtype)) : new Uint8Array(n * info.bytes).fill(0xff);
    return { name, elemBytes: info.bytes, data };
  });
}

/** The request's buffers for one kernel call (inputs, their shape infos, poisoned or init_value outputs); outputs start at `outStart`. */
function metalRequestBuffers(spec: MetalKernelSpec, resolved: ResolvedInput[]): { buffers: RequestBuffer[]; outStart: number } {
  const parts = mlxKernelSource({ name: spec.name, inputs: resolved, outputNames: spec.outputNames, outputDtypes: spec.outputDtypes.map(normalizeDtype), source: spec.source });
  const buffers: RequestBuffer[] = [];
  resolved.forEach((inp, i) => {
    const elem = dtypeInfo(inp.dtype).bytes;
    buffers.push({ name: inp.name, elemBytes: elem, data: inp.bytes });
    if (inp.shape.length > 0) {
      const [sh, st, nd] = parts.shapeInfos[i]!;
      if (sh) buffers.push({ name: inp.name + "_shape", elemBytes: 4, data: bytesOf(new Int32Array(inp.shape)) });
      if (st) buffers.push({ name: inp.name + "_strides", elemBytes: 8, data: bytesOf(new BigInt64Array(rowStrides(inp.shape).map(BigInt))) });
      if (nd) buffers.push({ name: inp.name + "_ndim", elemBytes: 4, data: bytesOf(new Int32Array([inp.shape.length])) });
    }
  });
  const outStart = buffers.length;
  buffers.push(...outputBuffers(spec));
  const tg = spec.threadgroup;
  const grid = spec.grid;
  if (tg.some((t) => t < 1) || grid.some((g) => g < 0)) throw new Error(`c2m verify: bad grid ${JSON.stringify(grid)} / threadgroup ${JSON.stringify(tg)}`);
  if (tg[0] * tg[1] * tg[2] > 1024) throw new Error(`c2m verify: threadgroup of ${tg[0] * tg[1] * tg[2]} threads exceeds Metal's limit of 1024`);
  return { buffers, outStart };
}

/**
 * Runs one kernel call on an already compiled program: `entry` 0 for metalProgram's, the kernel's
 * index for metalBatchProgram's. Returns its outputs by name.
 */
export async function runMetalCompiled(
  exe: string,
  entry: number,
  spec: MetalKernelSpec,
  inputs: Record<string, KernelInput>,
  options: RunOptions = {},
): Promise<Record<string, TypedArray>> {
  return runResolved(exe, entry, spec, resolveMetalInputs(spec, inputs), options);
}

async function runResolved(exe: string, entry: number, spec: MetalKernelSpec, resolved: ResolvedInput[], options: RunOptions): Promise<Record<string, TypedArray>> {
  const { buffers, outStart } = metalRequestBuffers(spec, resolved);
  const result = await runProgram(exe, buffers, [{ entry, grid: spec.grid, block: spec.threadgroup }], options);
  const out: Record<string, TypedArray> = nameTable({});
  spec.outputNames.forEach((name, i) => {
    out[name] = arrayFromBytes(result[outStart + i]!, normalizeDtype(spec.outputDtypes[i]!));
  });
  return out;
}

/** Runs the kernel on the emulator; returns its outputs by name (float16/bfloat16 as Uint16Array bits). */
export async function runMetal(spec: MetalKernelSpec, inputs: Record<string, KernelInput>, options: RunOptions = {}): Promise<Record<string, TypedArray>> {
  // inputs are resolved (copied and converted) once, for both the program and the request
  const resolved = resolveMetalInputs(spec, inputs);
  const exe = await compileProgram(metalProgram(spec, resolved).cpp);
  return runResolved(exe, 0, spec, resolved, options);
}

export type { Dtype };
