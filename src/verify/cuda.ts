// Runs CUDA kernels on the emulator: the .cu text is compiled as C++ against cuda_emu.hpp (after the
// __shared__ and <<<>>> rewrites) and each launch runs its grid of blocks on fibers.
import { arrayFromBytes, bytesOf, dtypeOfArray, type TypedArray } from "./dtypes.js";
import { compileProgram, runProgram, type RequestArg, type RequestBuffer } from "./native.js";
import { extractDeviceCode, rewriteCudaLaunches, rewriteCudaShared } from "./rewrite.js";
import type { RunOptions } from "./metal.js";

/**
 * A kernel argument: a buffer by name, a scalar (converted to the parameter's type), or the bytes of a
 * struct passed by value (laid out as x86-64 C++ lays it out, which matches nvcc's for plain structs).
 */
export type CudaArg = { buffer: string } | { scalar: number; type?: string } | { bytes: Uint8Array };

export interface CudaLaunchSpec {
  /** The whole .cu text. */
  source: string;
  kernel: string;
  /** `["float", "256"]` for `kernel<float, 256>`. */
  templateArgs?: string[];
  /** In blocks. */
  grid: [number, number, number];
  block: [number, number, number];
  /** Dynamic shared memory (`extern __shared__`) in bytes. */
  sharedBytes?: number;
  args: CudaArg[];
  /** Keep only the device code (for PyTorch extension files, whose torch headers are not available). */
  deviceCodeOnly?: boolean;
}

export interface CudaLaunch {
  kernel: string;
  templateArgs?: string[];
  grid: [number, number, number];
  block: [number, number, number];
  sharedBytes?: number;
  args: CudaArg[];
}

/** The source as the emulator compiles it. Device-code-only is implied when the file includes torch headers. */
export function prepareCudaSource(source: string, deviceCodeOnly?: boolean): string {
  const needsExtract = deviceCodeOnly ?? /#\s*include\s*[<"](torch|ATen|pybind11)\//.test(source);
  const src = needsExtract ? extractDeviceCode(source) : source;
  return rewriteCudaLaunches(rewriteCudaShared(src));
}

function entryName(k: CudaEntry): string {
  return k.templateArgs && k.templateArgs.length ? `${k.kernel}<${k.templateArgs.join(", ")}>` : k.kernel;
}

export function cudaProgram(source: string, kernels: CudaEntry[], deviceCodeOnly?: boolean): string {
  const cases = kernels
    .map((k, i) => `    case ${i}: emu::cuda::${k.host ? "call_host" : "invoke"}(&${entryName(k)}, l, q.buffers); break;`)
    .join("\n");
  return `#include "cuda_emu.hpp"
#line 1 "kernel.cu"
${prepareCudaSource(source, deviceCodeOnly)}

int main(int argc, char** argv) {
  if (argc < 3) return 2;
  emu::Request q = emu::read_request(argv[1]);
  for (auto& l : q.launches) {
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

/**
 * Runs several launches of kernels from one .cu file, in order, on the same buffers (one compile).
 * Returns every buffer after the last launch.
 */
/** A function the emulator program can call: a kernel (launched) or a host function (called). */
export interface CudaEntry {
  kernel: string;
  templateArgs?: string[];
  host?: boolean;
}

export interface CudaRunOptions extends RunOptions {
  deviceCodeOnly?: boolean;
  /**
   * More functions to compile into the same program. Programs are cached by their text, so runs that
   * name the same entries share one compile (the golden runs pass every kernel and the host launcher).
   */
  extraEntries?: CudaEntry[];
}

function entryList(first: CudaEntry[], extra: CudaEntry[] = []): CudaEntry[] {
  const out: CudaEntry[] = [];
  for (const e of [...first, ...extra]) {
    if (!out.some((o) => entryName(o) === entryName(e) && !!o.host === !!e.host)) out.push({ kernel: e.kernel, templateArgs: e.templateArgs, host: e.host });
  }
  return out;
}

export async function runCudaLaunches(
  source: string,
  launches: CudaLaunch[],
  buffers: Record<string, TypedArray>,
  options: CudaRunOptions = {},
): Promise<Record<string, TypedArray>> {
  const entries = entryList(launches, options.extraEntries);
  const entryOf = (l: CudaLaunch) => entries.findIndex((e) => !e.host && entryName(e) === entryName(l));
  const names = Object.keys(buffers);
  const reqLaunches = launches.map((l) => ({
    entry: entryOf(l),
    grid: l.grid,
    block: l.block,
    sharedBytes: l.sharedBytes ?? 0,
    args: l.args.map((a): RequestArg => {
      if ("buffer" in a) {
        const i = names.indexOf(a.buffer);
        if (i < 0) throw new Error(`c2m verify: launch of ${l.kernel} names buffer "${a.buffer}", which was not given`);
        return { buffer: i };
      }
      return "bytes" in a ? { bytes: a.bytes } : { scalar: a.scalar };
    }),
  }));
  for (const l of launches) {
    const threads = l.block[0] * l.block[1] * l.block[2];
    if (threads > 1024 || threads < 1) throw new Error(`c2m verify: block of ${threads} threads for ${l.kernel} (CUDA allows 1..1024)`);
  }
  const exe = await compileProgram(cudaProgram(source, entries, options.deviceCodeOnly));
  const req: RequestBuffer[] = names.map((n) => ({ name: n, elemBytes: buffers[n]!.BYTES_PER_ELEMENT, data: bytesOf(buffers[n]!) }));
  const out = await runProgram(exe, req, reqLaunches, options);
  const result: Record<string, TypedArray> = {};
  names.forEach((n, i) => {
    result[n] = arrayFromBytes(out[i]!, dtypeOfArray(buffers[n]!));
  });
  return result;
}

/** One launch of one kernel; returns every buffer after the launch. */
export async function runCuda(spec: CudaLaunchSpec, buffers: Record<string, TypedArray>, options: RunOptions = {}): Promise<Record<string, TypedArray>> {
  return runCudaLaunches(spec.source, [spec], buffers, { ...options, deviceCodeOnly: spec.deviceCodeOnly });
}

/**
 * Calls a host function of the .cu file (a launcher such as `launch_vector_add(a, b, out, n)`) on the
 * emulator: its `<<<grid, block>>>` launches run as written. Returns every buffer afterwards.
 */
export async function runCudaHost(
  source: string,
  fn: string,
  args: CudaArg[],
  buffers: Record<string, TypedArray>,
  options: CudaRunOptions = {},
): Promise<Record<string, TypedArray>> {
  const names = Object.keys(buffers);
  const entries = entryList(options.extraEntries ?? [], [{ kernel: fn, host: true }]);
  const entry = entries.findIndex((e) => e.host && e.kernel === fn);
  const reqArgs = args.map((a): RequestArg => {
    if ("buffer" in a) {
      const i = names.indexOf(a.buffer);
      if (i < 0) throw new Error(`c2m verify: call of ${fn} names buffer "${a.buffer}", which was not given`);
      return { buffer: i };
    }
    return "bytes" in a ? { bytes: a.bytes } : { scalar: a.scalar };
  });
  const exe = await compileProgram(cudaProgram(source, entries, options.deviceCodeOnly));
  const req: RequestBuffer[] = names.map((n) => ({ name: n, elemBytes: buffers[n]!.BYTES_PER_ELEMENT, data: bytesOf(buffers[n]!) }));
  const out = await runProgram(exe, req, [{ entry, grid: [1, 1, 1], block: [1, 1, 1], args: reqArgs }], options);
  return Object.fromEntries(names.map((n, i) => [n, arrayFromBytes(out[i]!, dtypeOfArray(buffers[n]!))]));
}
