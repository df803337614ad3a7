// Many kernels, few compiles: a compile of an emulator program costs a second or two, most of it the
// emulation headers, so checking hundreds of small kernels one program each would take minutes. These
// functions compile chunks of cases into one program per side (cudaBatchProgram / metalBatchProgram:
// each case in its own namespace, picked by the request's entry number) and run each case in its own
// process of that program, so that cases share no emulator state and a fault stays with its case.
import { cpus } from "node:os";
import { cudaBatchProgram, runCudaCompiled, type CudaEntry, type CudaLaunch } from "./cuda.js";
import type { TypedArray } from "./dtypes.js";
import { metalBatchProgram, resolveMetalInputs, runMetalCompiled, type KernelInput, type MetalKernelSpec, type RunOptions } from "./metal.js";
import { compileProgram, KernelCompileError, KernelFault, type CompileOptions } from "./native.js";

/** A case's buffers after its launches, or what stopped it (a fault, a compile error, a bad launch). */
export type BatchOutcome = { ok: true; buffers: Record<string, TypedArray> } | { ok: false; error: KernelFault | KernelCompileError | Error };

export interface CudaBatchCase {
  /** The whole .cu text. */
  source: string;
  /** Run in order on `buffers`. */
  launches: CudaLaunch[];
  buffers: Record<string, TypedArray>;
  deviceCodeOnly?: boolean;
  options?: RunOptions;
}

export interface MetalBatchCase {
  spec: MetalKernelSpec;
  inputs: Record<string, KernelInput>;
  options?: RunOptions;
}

export interface BatchOptions {
  /** Cases per compiled program (default 64): larger chunks mean fewer compiles but longer ones. */
  chunkSize?: number;
  /** Compiler and kernel processes running at once (default: the number of CPUs). */
  concurrency?: number;
}

/** At most `n` tasks at a time. */
function limiter(n: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const queue: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (active < n) active++;
    else await new Promise<void>((resolve) => queue.push(resolve)); // a finishing task hands its slot over
    try {
      return await task();
    } finally {
      const next = queue.shift();
      if (next) next();
      else active--;
    }
  };
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Compiles the cases' program; when one case does not compile, halves the chunk until the culprit is
 * alone, so that the others still run and the culprit gets its own compiler messages.
 */
async function compileSplitting<C, P>(
  cases: C[],
  program: (cases: C[]) => { cpp: string; extra: P },
  limit: ReturnType<typeof limiter>,
  compileOptions: CompileOptions = {},
): Promise<({ exe: string; index: number; extra: P } | { error: KernelCompileError })[]> {
  const { cpp, extra } = program(cases);
  try {
    const exe = await limit(() => compileProgram(cpp, compileOptions));
    return cases.map((_, index) => ({ exe, index, extra }));
  } catch (e) {
    if (!(e instanceof KernelCompileError)) throw e;
    if (cases.length === 1) return [{ error: e }];
    const half = Math.ceil(cases.length / 2);
    const [a, b] = await Promise.all([compileSplitting(cases.slice(0, half), program, limit, compileOptions), compileSplitting(cases.slice(half), program, limit, compileOptions)]);
    return [...a, ...b];
  }
}

async function outcome(run: () => Promise<Record<string, TypedArray>>): Promise<BatchOutcome> {
  try {
    return { ok: true, buffers: await run() };
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e : new Error(String(e)) };
  }
}

function cudaEntries(c: CudaBatchCase): CudaEntry[] {
  const out: CudaEntry[] = [];
  for (const l of c.launches)
    if (!out.some((e) => e.kernel === l.kernel && (e.templateArgs ?? []).join() === (l.templateArgs ?? []).join())) out.push({ kernel: l.kernel, templateArgs: l.templateArgs });
  return out;
}

/** Runs every case's launches on the CUDA emulator, `chunkSize` cases per compiled program. */
export async function runCudaBatch(cases: CudaBatchCase[], options: BatchOptions = {}): Promise<BatchOutcome[]> {
  const limit = limiter(options.concurrency ?? cpus().length);
  const perChunk = await Promise.all(
    chunks(cases, options.chunkSize ?? 64).map(async (chunk) => {
      const compiled = await compileSplitting(
        chunk,
        (cs) => {
          const { cpp, entryBase } = cudaBatchProgram(cs.map((c) => ({ source: c.source, entries: cudaEntries(c), deviceCodeOnly: c.deviceCodeOnly })));
          return { cpp, extra: entryBase };
        },
        limit,
        { checkAlignment: true },
      );
      return Promise.all(
        chunk.map((c, i) => {
          const p = compiled[i]!;
          if ("error" in p) return { ok: false, error: p.error } as BatchOutcome;
          return limit(() => outcome(() => runCudaCompiled(p.exe, cudaEntries(c), p.extra[p.index]!, c.launches, c.buffers, c.options)));
        }),
      );
    }),
  );
  return perChunk.flat();
}

/** Runs every case's kernel call on the Metal emulator, `chunkSize` kernels per compiled program. */
export async function runMetalBatch(cases: MetalBatchCase[], options: BatchOptions = {}): Promise<BatchOutcome[]> {
  const limit = limiter(options.concurrency ?? cpus().length);
  const perChunk = await Promise.all(
    chunks(cases, options.chunkSize ?? 64).map(async (chunk) => {
      const compiled = await compileSplitting(
        chunk,
        (cs) => ({ cpp: metalBatchProgram(cs.map((c) => ({ spec: c.spec, inputs: resolveMetalInputs(c.spec, c.inputs) }))), extra: null }),
        limit,
      );
      return Promise.all(
        chunk.map((c, i) => {
          const p = compiled[i]!;
          if ("error" in p) return { ok: false, error: p.error } as BatchOutcome;
          return limit(() => outcome(() => runMetalCompiled(p.exe, p.index, c.spec, c.inputs, c.options)));
        }),
      );
    }),
  );
  return perChunk.flat();
}
