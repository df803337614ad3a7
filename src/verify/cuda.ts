// Runs CUDA kernels on the emulator: the .cu text is compiled as C++ against cuda_emu.hpp (after the
// __shared__ and <<<>>> rewrites) and each launch runs its grid of blocks on fibers.
import { arrayFromBytes, bytesOf, dtypeOfArray, type TypedArray } from "./dtypes.js";
import { compileProgram, runProgram, type RequestArg, type RequestBuffer, type RequestLaunch } from "./native.js";
import { deviceOnlySource, type DeviceCodeOptions } from "./device-code.js";
import { parseCuda, type CudaNode } from "../../grammar/cuda.js";
import { field, walk } from "../../passes/kernel/cst.js";
import { rewriteCudaLaunches, rewriteCudaShared } from "./rewrite.js";
import { insertReconvergence } from "./reconverge.js";
import { segmentBranchBarriers } from "../../passes/kernel/barrier-segments.js";
import { keepReturnedThreads } from "../../passes/kernel/returned-threads.js";
import type { RunOptions } from "./metal.js";
import { nameTable } from "../../ir/tables.js";

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
  /**
   * Keep only the device code (device-code.ts): what `--verify` does with a user's file, so that its
   * host code never runs; also how PyTorch extension files compile without the torch headers.
   */
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

/**
 * The source as the emulator compiles it. Device-code-only is implied when the file includes torch
 * headers; local includes are followed (their device code only) when `includes.resolveInclude` is given.
 */
export function prepareCudaSource(source: string, deviceCodeOnly?: boolean, includes: DeviceCodeOptions = {}): string {
  const needsExtract = deviceCodeOnly ?? /#\s*include\s*[<"](torch|ATen|pybind11)\//.test(source);
  const src = needsExtract ? deviceOnlySource(source, includes).source : source;
  // CUDA counts a thread's arrival at any barrier of the block; the emulator pairs barriers by site, so a branch
  // whose arms wait at as many barriers runs cut into segments, as the translation does; a thread that returns
  // before a barrier stays, idle, to the barriers (CUDA counts an exited thread as arrived; the emulator would not)
  const segmented = segmentBranchBarriers(src);
  const rewritten = rewriteCudaLaunches(rewriteCudaShared(insertReconvergence(keepReturnedThreads(segmented.text))));
  return originalLines(rewritten, segmented.lineOf);
}

/**
 * A `#line` before each line of the segmented text that does not follow the one before it in the original (the
 * rewrites after the cut keep lines), so that compiler messages and faults name the original's lines.
 */
function originalLines(text: string, lineOf: number[]): string {
  if (lineOf.every((l, i) => l === i)) return text;
  return text
    .split("\n")
    .map((line, i) => (i > 0 && lineOf[i] !== lineOf[i - 1]! + 1 ? `#line ${lineOf[i]! + 1}\n${line}` : line))
    .join("\n");
}

/** A name or a template argument as it may appear in the harness's C++: a (qualified) name, a type, an integer, a bool. */
const ENTRY_NAME = /^[A-Za-z_]\w*(?:::[A-Za-z_]\w*)*$/;
const TEMPLATE_ARG = /^(?:[A-Za-z_]\w*(?:::[A-Za-z_]\w*)*(?: [A-Za-z_]\w*)*|-?\d+[uUlL]{0,3})$/;

/** The entry as C++ names it. Anything that is not a name or a plain template argument is refused: no text from a spec is pasted into source. */
function entryName(k: CudaEntry): string {
  if (!ENTRY_NAME.test(k.kernel)) throw new Error(`c2m verify: ${JSON.stringify(k.kernel)} is not a function name`);
  const bad = k.templateArgs?.find((t) => !TEMPLATE_ARG.test(t));
  if (bad !== undefined) throw new Error(`c2m verify: ${JSON.stringify(bad)} is not a template argument c2m passes to the harness (a type, an integer or a bool)`);
  return k.templateArgs && k.templateArgs.length ? `${k.kernel}<${k.templateArgs.join(", ")}>` : k.kernel;
}

/**
 * `using namespace X;` for each named namespace the source defines (a nested one by its path, `a::b`): a
 * kernel inside `namespace gsplat { ... }` is launched by its plain name, as specs and launches name it.
 * Two namespaces with a kernel of the same name make the harness's call ambiguous: a compile error, never
 * the wrong kernel.
 */
export function namespaceDirectives(source: string): string {
  if (!/\bnamespace\b/.test(source)) return "";
  const paths = new Set<string>();
  walk(parseCuda(source).rootNode, (n) => {
    if (n.type === "function_definition" || n.type === "struct_specifier" || n.type === "class_specifier") return false;
    if (n.type !== "namespace_definition") return;
    const name = field(n, "name")?.text;
    if (!name) return;
    const outer: string[] = [];
    for (let p: CudaNode | null = n.parent; p; p = p.parent) if (p.type === "namespace_definition") outer.unshift(field(p, "name")?.text ?? "");
    // inside an anonymous namespace the names are visible already; its named children are not
    if (!outer.includes("")) paths.add([...outer, name].join("::"));
  });
  return [...paths].map((p) => `using namespace ${p};`).join("\n");
}

export function cudaProgram(source: string, kernels: CudaEntry[], deviceCodeOnly?: boolean, includes: DeviceCodeOptions = {}): string {
  const cases = kernels.map((k, i) => `    case ${i}: emu::cuda::${k.host ? "call_host" : "invoke"}(&${entryName(k)}, l, q.buffers); break;`).join("\n");
  const prepared = prepareCudaSource(source, deviceCodeOnly, includes);
  return `#include "cuda_emu.hpp"
#line 1 "kernel.cu"
${prepared}
${namespaceDirectives(prepared)}

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
 * Macros a source defines: a batch program undefines them after each case's namespace, so that one
 * case's `#define B 64` does not rewrite the next case's identifiers.
 */
function definedMacros(source: string): string[] {
  return [...new Set([...source.matchAll(/^[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)/gm)].map((m) => m[1]!))];
}

/**
 * One emulator program for many .cu files (one compile instead of one per file): file `i` is compiled
 * inside namespace `emu_case_<i>` (its `#include`s hoisted in front, its macros undefined after it),
 * and its entries are numbered from `entryBase[i]` on. Each case still runs in its own process (see
 * runCudaCompiled), so cases share no emulator state.
 */
export function cudaBatchProgram(cases: { source: string; entries: CudaEntry[]; deviceCodeOnly?: boolean }[]): { cpp: string; entryBase: number[] } {
  const includes = new Set<string>();
  const defs: string[] = [];
  const cases_: string[] = [];
  const entryBase: number[] = [];
  let next = 0;
  cases.forEach((c, i) => {
    const body = prepareCudaSource(c.source, c.deviceCodeOnly)
      .split("\n")
      .map((line) => {
        if (!/^\s*#\s*include\b/.test(line)) return line;
        includes.add(line.trim());
        return "";
      })
      .join("\n");
    const undefs = definedMacros(body)
      .map((m) => `#undef ${m}`)
      .join("\n");
    defs.push(`namespace emu_case_${i} {\n#line 1 "case${i}.cu"\n${body}\n${namespaceDirectives(body)}\n}  // namespace emu_case_${i}\n${undefs}`);
    entryBase.push(next);
    for (const k of c.entries) cases_.push(`    case ${next++}: emu::cuda::${k.host ? "call_host" : "invoke"}(&emu_case_${i}::${entryName(k)}, l, q.buffers); break;`);
  });
  const cpp = `#include "cuda_emu.hpp"
${[...includes].join("\n")}
${defs.join("\n\n")}

int main(int argc, char** argv) {
  if (argc < 3) return 2;
  emu::Request q = emu::read_request(argv[1]);
  for (auto& l : q.launches) {
    switch (l.entry) {
${cases_.join("\n")}
    default: return 3;
    }
  }
  emu::write_response(argv[2], q);
  return 0;
}
`;
  return { cpp, entryBase };
}

/** A function the emulator program can call: a kernel (launched) or a host function (called). */
export interface CudaEntry {
  kernel: string;
  templateArgs?: string[];
  host?: boolean;
}

export interface CudaRunOptions extends RunOptions {
  deviceCodeOnly?: boolean;
  /** with deviceCodeOnly: how local includes are found */
  resolveInclude?: DeviceCodeOptions["resolveInclude"];
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

function launchRequest(entries: CudaEntry[], entryBase: number, launches: CudaLaunch[], names: string[]): RequestLaunch[] {
  const entryOf = (l: CudaLaunch) => entries.findIndex((e) => !e.host && entryName(e) === entryName(l));
  for (const l of launches) {
    const threads = l.block[0] * l.block[1] * l.block[2];
    if (!(threads >= 1 && threads <= 1024)) throw new Error(`c2m verify: block of ${threads} threads for ${l.kernel} (CUDA allows 1..1024)`);
    if (entryOf(l) < 0) throw new Error(`c2m verify: kernel ${entryName(l)} is not an entry of the program`);
  }
  return launches.map((l) => ({
    entry: entryBase + entryOf(l),
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
}

async function runRequest(exe: string, buffers: Record<string, TypedArray>, launches: RequestLaunch[], options: RunOptions): Promise<Record<string, TypedArray>> {
  const names = Object.keys(buffers);
  const req: RequestBuffer[] = names.map((n) => ({ name: n, elemBytes: buffers[n]!.BYTES_PER_ELEMENT, data: bytesOf(buffers[n]!) }));
  const out = await runProgram(exe, req, launches, options);
  const result: Record<string, TypedArray> = nameTable({});
  names.forEach((n, i) => {
    result[n] = arrayFromBytes(out[i]!, dtypeOfArray(buffers[n]!));
  });
  return result;
}

/**
 * Runs several launches of kernels from one .cu file, in order, on the same buffers (one compile).
 * Returns every buffer after the last launch.
 */
export async function runCudaLaunches(
  source: string,
  launches: CudaLaunch[],
  buffers: Record<string, TypedArray>,
  options: CudaRunOptions = {},
): Promise<Record<string, TypedArray>> {
  const entries = entryList(launches, options.extraEntries);
  const reqLaunches = launchRequest(entries, 0, launches, Object.keys(buffers));
  const exe = await compileProgram(cudaProgram(source, entries, options.deviceCodeOnly, { resolveInclude: options.resolveInclude }), { checkAlignment: true });
  return runRequest(exe, buffers, reqLaunches, options);
}

/**
 * Runs the launches of one case of a cudaBatchProgram (compiled): `entries` are the case's entries as
 * given to cudaBatchProgram and `entryBase` the number it returned for the case.
 */
export async function runCudaCompiled(
  exe: string,
  entries: CudaEntry[],
  entryBase: number,
  launches: CudaLaunch[],
  buffers: Record<string, TypedArray>,
  options: RunOptions = {},
): Promise<Record<string, TypedArray>> {
  return runRequest(exe, buffers, launchRequest(entries, entryBase, launches, Object.keys(buffers)), options);
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
  const exe = await compileProgram(cudaProgram(source, entries, options.deviceCodeOnly), { checkAlignment: true });
  return runRequest(exe, buffers, [{ entry, grid: [1, 1, 1], block: [1, 1, 1], args: reqArgs }], options);
}
