/**
 * `--verify` with no launcher to read: a launch spec synthesised from the kernel's own signature.
 *
 * Where a file holds kernels only (a `.cu` of kernels, a PyTorch extension whose launcher passes
 * accessors), or its host code cannot be followed, the kernel is still verified: a small grid, every
 * int parameter given one small positive value S (int buffers drawn from [0, S), so an index read from
 * one stays in step with the sizes), float parameters 0.5, type template parameters `float`, int
 * template parameters the block's x extent (the `blockSize` of a reduction), and buffers of a generous
 * element count. The CUDA original is run first, alone, under each candidate launch (block shapes, the
 * 2-D ones when the kernel reads `threadIdx.y`) until one runs cleanly:
 *  - an out-of-bounds access of a buffer is the emulator proving the buffer too small: that buffer
 *    grows to the faulting index (and then some) and the launch runs again;
 *  - any other fault (a shared array overrun by a block shape the kernel does not expect, a barrier
 *    some threads skip, a deadlock) rejects the candidate;
 *  - NaN or Inf in the original's output retries with float inputs in [0.5, 2] (log, sqrt, 1/x), then
 *    in (0, 1) (`pow(1 - p, gamma)` of a probability); a NaN that stays rejects the candidate, an
 *    infinity that stays is compared exactly (a mask's -INFINITY);
 *  - a launch that writes nothing (every guard false for these sizes) retries with its float scalars
 *    told apart, then (at S = 16) its grid-stride work counts S^3, then its modes at S too, then float inputs in (0, 1),
 *    then float parameters raised above the inputs' norm (a threshold `dist < r`); one that still writes nothing rejects
 *    the candidate: a comparison of untouched buffers proves nothing;
 *  - a launch whose result is not determined by its inputs (determinacy.ts: it changes with the threadgroups or
 *    threads run last to first, or with threadgroup memory starting at zeros: blocks writing the same elements at
 *    these sizes, a shared array read before the block shape given fills it) rejects the candidate: the GPU gives
 *    whatever its schedule makes of it, so no comparison with it proves anything.
 * What the kernel's code says of its inputs comes first (synth-domain.ts): index buffers of floats, mode
 * parameters, a block extent a switch on a thread coordinate implies.
 * The accepted spec is then verified as any spec is: the Metal translation and the CUDA original on
 * the same random inputs, every written buffer compared. A second spec with a ragged S is tried too.
 */
import type { GoldenBuffer, GoldenLaunch, GoldenSpec } from "../verify/golden.js";
import { goldenBuffers, goldenLaunches, isFloatDtype } from "../verify/golden.js";
import { runCudaLaunches, type CudaRunOptions } from "../verify/cuda.js";
import { KernelCompileError, KernelFault } from "../verify/native.js";
import { DTYPES, normalizeDtype, toNumbers, type TypedArray } from "../verify/dtypes.js";
import type { CompileKernelsResult, CompiledKernel } from "./index.js";
import { INDEX_FLOAT_DOMAIN, synthDomain, type SynthDomain } from "./synth-domain.js";
import { originalIndeterminacy } from "./determinacy.js";
import { assertedBlock, stridedWidths } from "./synth-blocks.js";

export { assertedBlock } from "./synth-blocks.js";
import type { PieceSynth } from "../../passes/kernel/struct-params.js";
import { nameTable } from "../../ir/tables.js";

/** The value every int parameter gets: a power of two first (kernels assume C % 4 == 0, warps of 32), then a ragged one. */
export const SYNTH_SIZES = [64, 37];
/** The last int value tried, for kernels whose buffers grow as a power of their int parameters. */
const SMALL_SIZE = 16;
const FIRST_COUNT = 1 << 16;
const MAX_COUNT = 1 << 22;
const GROWTHS = 6;
const PROBE_TIMEOUT_MS = 30_000;
/** Candidates that may time out before synthesis gives up: each costs PROBE_TIMEOUT_MS. */
const MAX_TIMEOUTS = 3;
const DYNAMIC_SHARED_BYTES = [8192, 24576];
const BLOCKS_1D: [number, number, number][] = [
  [128, 1, 1],
  [32, 1, 1],
  [256, 1, 1],
  [1024, 1, 1],
];
const BLOCKS_2D: [number, number, number][] = [
  [16, 16, 1],
  [32, 8, 1],
  [32, 16, 1],
  [32, 32, 1],
  [8, 8, 1],
];

export interface SynthCandidate {
  block: [number, number, number];
  grid: [number, number, number];
  sharedBytes?: number;
  /** the value of every int parameter */
  size: number;
  /** int parameters named like a convolution's geometry take its usual values instead (CONV_GEOMETRY) */
  geometry?: boolean;
}

/**
 * A convolution's geometry by parameter name (im2col/col2im kernels: detectron2's and mmcv's deformable
 * convolutions): with every int S, a padding and stride of S put every sample outside the image and the
 * launch writes nothing, or (flownet2's correlation: `pad_size`, `stride1`) maps blocks past the image onto one
 * another's elements, a result that depends on which block writes last. Tried only after every plain candidate failed.
 */
const CONV_GEOMETRY: [RegExp, number][] = [
  [/^pad(?:ding)?(?:_[hwd]|_size)?$/i, 1],
  [/^stride\d?(?:_[hwd])?$/i, 1],
  [/^dilation(?:_[hwd])?$/i, 1],
  [/^(?:kernel|ksize|kernel_size)(?:_[hwd])?$/i, 3],
  [/^(?:deformable_)?groups?$/i, 1],
];

function geometryValue(name: string): number | undefined {
  return CONV_GEOMETRY.find(([re]) => re.test(name))?.[1];
}

/** Why no candidate launch ran cleanly (the zoo groups kernels by `kind`). */
export class SynthFailure extends Error {
  constructor(
    readonly kind: "cuda-compile" | "fault" | "timeout" | "nan" | "writes-nothing" | "indeterminate" | "no-outputs" | "asserts-only" | "unsupported",
    message: string,
  ) {
    super(message);
  }
}

export interface SynthesizedSpec {
  spec: GoldenSpec;
  /** the candidate accepted and how the buffers were sized, for the report */
  note: string;
}

/**
 * The candidate launches, in the order tried: the block shapes (2-D first when the kernel reads
 * `threadIdx.y`), a grid of 3 blocks (2 along y and z when it reads `blockIdx.y/z`), dynamic shared
 * memory when the file declares `extern __shared__` (in the kernel or a helper such as the samples'
 * `SharedMemory<T>`), and S = 64, then S = the grid's thread count (kernels that return early before
 * a barrier assume every thread of a block is in range), then with dynamic shared memory S = the block's width,
 * then S = 16.
 */
export function candidateLaunches(k: CompiledKernel, source = ""): SynthCandidate[] {
  const text = `${k.cuda.header}\n${k.cuda.source}`;
  const threadsY = /\b(threadIdx|blockDim)\s*\.\s*y\b/.test(text);
  const blocksY = /\b(blockIdx|gridDim)\s*\.\s*y\b/.test(text);
  const blocksZ = /\b(blockIdx|gridDim)\s*\.\s*z\b/.test(text);
  // a kernel whose in-place buffer every threadgroup shares runs as one threadgroup (its wrapper insists on it); a grid
  // extent the kernel asserts (llm.c's global_sum_single_block_kernel: assert(gridDim.x == 1)) is taken as asserted
  const assertedGrid = assertedBlock(k.cuda.source, "gridDim");
  // likewise one threadgroup along a dimension whose threadgroups share an in-place buffer's elements (singleBlockAlong)
  const one = (d: "x" | "y" | "z") => !!k.oneThreadgroup || !!k.singleBlockAlong?.includes(d);
  const grid: [number, number, number] = [
    one("x") ? 1 : (assertedGrid.x ?? 3),
    one("y") ? 1 : (assertedGrid.y ?? (blocksY ? 2 : 1)),
    one("z") ? 1 : (assertedGrid.z ?? (blocksZ ? 2 : 1)),
  ];
  // a block shape the kernel asserts (llm.c's matmul_backward_bias_kernel9: assert(blockDim.x == bdx)) comes first
  // then one a switch on a thread coordinate implies (its N cases and no default: N threads along that axis)
  const asserted = { ...domainOf(k).switchedBlock, ...assertedBlock(k.cuda.source) };
  const threadsZ = /\b(threadIdx|blockDim)\s*\.\s*z\b/.test(text);
  const required: [number, number, number] = [asserted.x ?? 32, asserted.y ?? (threadsY ? 8 : 1), asserted.z ?? (threadsZ ? 4 : 1)];
  const tried = [...(Object.keys(asserted).length && required[0] * required[1] * required[2] <= 1024 ? [required] : []), ...(threadsY ? [...BLOCKS_2D, ...BLOCKS_1D] : BLOCKS_1D)];
  // last, the width a 1-D kernel strides threadIdx.x by over an array it fills a block at a time (synth-blocks.ts):
  // where the usual widths leave part of a shared array unwritten (cuda-samples' histogram256 expects 192 threads)
  const strided = threadsY ? [] : stridedWidths(text).filter((w) => !tried.some((b) => b[0] === w && b[1] === 1 && b[2] === 1));
  const blocks = [...tried, ...strided.map((w): [number, number, number] => [w, 1, 1])];
  const shared = k.sharedBytesTemplate || /\bextern\s+__shared__\b/.test(source) ? DYNAMIC_SHARED_BYTES : [undefined];
  // S = the block's width last: a kernel that tiles dynamic shared memory by its int parameters (llm.c's
  // flash attention: 4 tiles of Bc * d floats) fits Metal's 32 KB only with small ones
  // flash attention: 4 tiles of Bc * d floats) fits Metal's 32 KB only with small ones; then S = 16 (a kernel
  // whose buffers hold S^4 elements, (B, NH, T, T) attention, needs 16.7M of them at S = 64)
  const sizes = (block: [number, number, number]) => [SYNTH_SIZES[0]!, grid[0] * block[0] * block[1], ...(shared[0] !== undefined ? [block[0]] : []), SMALL_SIZE];
  return blocks.flatMap((block) => sizes(block).flatMap((size, i, all) => (all.indexOf(size) < i ? [] : shared.map((sharedBytes) => ({ block, grid, sharedBytes, size })))));
}

/** The extent of every dimension of a lowered tensor accessor: 8^4 elements fit the first buffer count. */
const ACCESSOR_EXTENT = 8;

function isAccessorSizes(k: CompiledKernel, name: string): boolean {
  const m = /^(\w+)_size$/.exec(name);
  return !!m && k.params.some((p) => p.kind === "buffer" && p.name === m[1]);
}

/** The synthesis hint of a piece of a flattened struct parameter (passes/kernel/struct-params.ts), by the piece's name. */
function pieceSynth(k: CompiledKernel, name: string): PieceSynth | undefined {
  return k.structParams?.flatMap((f) => f.pieces).find((p) => p.name === name)?.synth;
}

const dtypeOf = (d: string): string => (normalizeDtype(d) in DTYPES ? normalizeDtype(d) : "float32");

/** What the kernel's code says about its inputs' values (synth-domain.ts), once per kernel. */
function domainOf(k: CompiledKernel): SynthDomain {
  let d = domains.get(k);
  if (!d) domains.set(k, (d = synthDomain(k)));
  return d;
}
const domains = new WeakMap<CompiledKernel, SynthDomain>();

/**
 * Retries of a candidate whose launch gave NaN or wrote nothing: float inputs from another range (log,
 * sqrt, 1/x: [0.5, 2]; `pow(1 - p, gamma)` of a probability: inside (0, 1)); float scalars told apart (a
 * [min_radius, max_radius) of one value is empty); the work counts S^3 (synth-domain.ts).
 */
export interface SynthVariant {
  domain?: [number, number];
  spreadFloats?: boolean;
  cubeCounts?: boolean;
  /** the modes left at S too: a mode's first literal may be the branch that does nothing (`if (k == 0) return;`) */
  noModes?: boolean;
  /**
   * float scalars well above the float inputs (BIG_FLOAT): a radius or bound the inputs must lie inside (torch-ngp's
   * sph_from_ray solves |o + t d| = radius, real only for a ray origin inside the sphere)
   */
  bigFloats?: boolean;
  /**
   * a launch that wrote nothing again: value template parameters small (an extent such as torch-ngp's coordinate
   * count D, not the block's width) and float inputs inside (0, 1) (a kernel that returns for a coordinate outside [0, 1])
   */
  unitInputs?: boolean;
}
const SMALL_TEMPLATE_VALUE = 2;
/** above the norm of any point of a few coordinates drawn from the last NaN domain */
const BIG_FLOAT = 4;
const NAN_DOMAINS: [number, number][] = [
  [0.5, 2],
  [1 / 16, 15 / 16],
];

/** The spec of one candidate: one launch of `k`, its parameters sized and valued from S. */
export function candidateSpec(k: CompiledKernel, c: SynthCandidate, counts: Record<string, number>, variant: SynthVariant = {}): GoldenSpec {
  const { domain } = variant;
  const learned = domainOf(k);
  const floatScalars = k.params.filter((p) => p.kind === "scalar" && isFloatDtype(dtypeOf(String(p.dtype)))).map((p) => p.name);
  const buffers: GoldenBuffer[] = [];
  const args: GoldenLaunch["args"] = k.params.map((p) => {
    if (p.kind === "buffer") {
      const dtype = dtypeOf(String(p.dtype));
      const role: GoldenBuffer["role"] = p.role === "output" || p.writeOnly ? "output" : p.role === "inout-copy" || p.role === "atomic-accumulate" ? "inout" : "input";
      const b: GoldenBuffer = { name: p.name, dtype, count: counts[p.name] ?? FIRST_COUNT, role };
      if (!isFloatDtype(dtype) && role !== "output") b.range = /bool/.test(dtype) ? 2 : c.size;
      // `acc_size`, the sizes of a lowered tensor accessor `acc` (passes/kernel/accessors.ts): every extent the same small value
      if (!isFloatDtype(dtype) && role === "input" && isAccessorSizes(k, p.name)) {
        delete b.range;
        b.fill = ACCESSOR_EXTENT;
      }
      // an array field of a flattened struct (a TensorInfo's sizes, strides): the value that keeps the struct coherent
      const fill = pieceSynth(k, p.name)?.fill;
      if (fill !== undefined && role === "input") {
        delete b.range;
        b.fill = fill === "size" ? c.size : fill;
      }
      // ids that place a thread's writes: distinct (strictly increasing, gaps between), the buffers they index grown to fit
      // and CSR pointers (`rowptr[n]`, `rowptr[n + 1]`): ascending, so every row's extent is positive
      if ((learned.writeIds.has(p.name) || learned.csrPointers.has(p.name)) && !isFloatDtype(dtype) && !/bool/.test(dtype) && role !== "output" && b.fill === undefined) {
        b.ascending = true;
        b.range = 2 * Number(b.count);
      }
      if (domain && isFloatDtype(dtype)) b.domain = domain;
      if (learned.indexFloats.has(p.name) && isFloatDtype(dtype)) b.domain = INDEX_FLOAT_DOMAIN;
      buffers.push(b);
      return { buffer: p.name };
    }
    const dtype = dtypeOf(String(p.dtype));
    const type = {
      float32: "float",
      float16: "half",
      bfloat16: "__nv_bfloat16",
      int32: "int",
      uint32: "unsigned int",
      bool: "bool",
      int64: "long long",
      uint64: "unsigned long long",
    }[dtype];
    const drawn = (variant.noModes ? undefined : learned.modes.get(p.name)) ?? (variant.cubeCounts && learned.workCounts.has(p.name) ? c.size ** 3 : c.size);
    // a launch guard the wrapper checks needs it a multiple of a constant (llm.c's `C % (32 * x128::size)`): rounded up to one
    const multiple = k.launchMultiples?.[p.name];
    const int = multiple ? Math.ceil(drawn / multiple) * multiple : drawn;
    const float = (variant.bigFloats ? BIG_FLOAT : 0.5) + (variant.spreadFloats ? floatScalars.indexOf(p.name) : 0);
    // a vector by value (flownet2's `long4 input1_size`, sizes or strides of a tensor): every component the one size
    if (p.vector) return { vector: Array.from({ length: p.vector.width }, () => (isFloatDtype(dtype) ? float : int)), type: p.vector.type };
    const fixed = pieceSynth(k, p.name)?.scalar;
    const geometry = c.geometry ? geometryValue(p.name) : undefined;
    return { scalar: fixed ?? (isFloatDtype(dtype) ? float : /bool/.test(dtype) ? 1 : (geometry ?? int)), type: type ?? "int" };
  });
  const templateArgs = k.templateParams.length
    ? k.templateParams.map((t) =>
        // an enum parameter: its first value, by name (C++ takes no int for it)
        t.kind === "type"
          ? "float"
          : t.kind === "bool"
            ? String(k.constexprWhen?.[t.name] ?? true)
            : t.enumValues
              ? Object.keys(t.enumValues)[0]!
              : String(variant.unitInputs ? SMALL_TEMPLATE_VALUE : c.block[0]),
      )
    : undefined;
  return {
    name: `${k.name}_synth_${c.size}`,
    file: `${k.name}.cu`,
    sizes: [{ S: c.size }],
    buffers,
    launches: [{ kernel: k.name, templateArgs, grid: c.grid, block: c.block, sharedBytes: c.sharedBytes, args }],
  };
}

/** Did the launch write anything: an output not all zero, an inout changed. */
function wroteSomething(spec: GoldenSpec, before: Record<string, TypedArray>, after: Record<string, TypedArray>): boolean {
  return spec.buffers
    .filter((b) => b.role !== "input")
    .some((b) => {
      const x = before[b.name]!;
      const y = after[b.name]!;
      for (let i = 0; i < y.length; i++) if ((x as unknown as number[])[i] !== (y as unknown as number[])[i] && !(Number.isNaN(x[i]) && Number.isNaN(y[i]))) return true;
      return false;
    });
}

/** The first output element that is NaN (or, unless `nanOnly`, infinite too). */
function nonFinite(spec: GoldenSpec, after: Record<string, TypedArray>, nanOnly = false): string | undefined {
  for (const b of spec.buffers.filter((x) => x.role !== "input" && isFloatDtype(x.dtype))) {
    const i = toNumbers(after[b.name]!, normalizeDtype(b.dtype)).findIndex((v) => (nanOnly ? Number.isNaN(v) : !Number.isFinite(v)));
    if (i >= 0) return `${b.name}[${i}]`;
  }
  return undefined;
}

/** The kernel's float buffers it only adds into with atomicAdd (verify.ts atomicSumBuffers, by parameter). */
function atomicSums(k: CompiledKernel): string[] {
  return k.params
    .filter((p) => p.kind === "buffer" && p.role === "atomic-accumulate" && p.combine === "{old} + {new}" && isFloatDtype(dtypeOf(String(p.dtype))))
    .map((p) => p.name);
}

/**
 * Runs the CUDA original under one candidate at size S, growing buffers on out-of-bounds faults;
 * returns the spec that ran cleanly, or why the candidate is rejected.
 */
async function probe(k: CompiledKernel, source: string, c: SynthCandidate, run: CudaRunOptions): Promise<{ spec: GoldenSpec; grown: string[] } | SynthFailure> {
  const counts: Record<string, number> = nameTable({});
  const grown: string[] = [];
  const variant: SynthVariant = {};
  let nanRetries = 0;
  const learned = domainOf(k);
  const floatScalars = k.params.filter((p) => p.kind === "scalar" && isFloatDtype(dtypeOf(String(p.dtype)))).length;
  for (let attempt = 0; attempt < GROWTHS + 2 + NAN_DOMAINS.length + 6; attempt++) {
    const spec = candidateSpec(k, c, counts, variant);
    const before = goldenBuffers(spec, 0);
    let after: Record<string, TypedArray>;
    try {
      after = await runCudaLaunches(source, goldenLaunches(spec, 0), goldenBuffers(spec, 0), { ...run, deviceCodeOnly: true, timeoutMs: run.timeoutMs ?? PROBE_TIMEOUT_MS });
    } catch (e) {
      if (e instanceof KernelCompileError) throw new SynthFailure("cuda-compile", `the CUDA original does not compile on the emulator: ${firstError(e.compilerOutput)}`);
      if (!(e instanceof KernelFault)) throw e;
      const d = e.details as { buffer?: string; index?: number; space?: string };
      const b = spec.buffers.find((x) => x.name === d.buffer);
      if (e.kind === "out-of-bounds" && b && d.space !== "threadgroup" && d.space !== "shared" && typeof d.index === "number") {
        const next = Math.max(4 * Number(b.count), 2 * (d.index + 1));
        if (next > MAX_COUNT) return new SynthFailure("fault", `buffer ${b.name} would need more than ${MAX_COUNT} elements (index ${d.index})`);
        counts[b.name] = next;
        grown.push(`${b.name}→${next}`);
        continue;
      }
      return new SynthFailure(e.kind === "timeout" ? "timeout" : "fault", e.message.replace(/^c2m verify: /, "").slice(0, 200));
    }
    // NaN or Inf: first try inputs in [0.5, 2]; an infinity that stays is a value the kernel writes
    // (an attention mask's -INFINITY) and is compared exactly; a NaN that stays compares with nothing
    const bad = nonFinite(spec, after, variant.domain !== undefined);
    if (bad) {
      if (nanRetries < NAN_DOMAINS.length) {
        variant.domain = NAN_DOMAINS[nanRetries++];
        continue;
      }
      // the last domain kept, the float parameters raised above the inputs
      if (!variant.bigFloats && floatScalars) {
        variant.bigFloats = true;
        continue;
      }
      const raised = floatScalars ? `, float parameters ${BIG_FLOAT} too` : "";
      return new SynthFailure("nan", `the CUDA original gives NaN (${bad}) even for inputs in ${NAN_DOMAINS.map((d) => `[${d.join(", ")}]`).join(" and ")}${raised}`);
    }
    if (!wroteSomething(spec, before, after)) {
      if (!variant.spreadFloats && floatScalars >= 2) {
        variant.spreadFloats = true;
        continue;
      }
      if (!variant.cubeCounts && learned.workCounts.size && c.size <= SMALL_SIZE) {
        variant.cubeCounts = true;
        continue;
      }
      if (!variant.noModes && learned.modes.size) {
        variant.noModes = true;
        continue;
      }
      if (!variant.unitInputs) {
        variant.unitInputs = true;
        variant.domain ??= NAN_DOMAINS[NAN_DOMAINS.length - 1];
        continue;
      }
      // a threshold no input reaches (pytorch_cluster's radius: `dist < r` over S coordinates): the float parameters raised
      if (!variant.bigFloats && floatScalars) {
        variant.bigFloats = true;
        continue;
      }
      return new SynthFailure("writes-nothing", `the launch writes nothing at S=${c.size} with block ${c.block.join("x")}`);
    }
    // the candidate kept, if its result is the inputs' alone (one more run of the original; a second where it is not)
    const why = await originalIndeterminacy(source, spec, 0, after, { ...run, timeoutMs: run.timeoutMs ?? PROBE_TIMEOUT_MS }, atomicSums(k));
    if (why) return new SynthFailure("indeterminate", `at S=${c.size} with block ${c.block.join("x")}: ${why.message}`);
    return { spec, grown };
  }
  return new SynthFailure("fault", `buffers kept faulting after ${GROWTHS} growths`);
}

/**
 * A verify spec for kernel `name` of the compiled file, from its signature alone (see the file's
 * comment): one spec per size of SYNTH_SIZES whose launch runs cleanly on the CUDA original (the
 * first must). `source` is the CUDA device code the harness compiles. Throws SynthFailure.
 */
export async function synthesizeSpecs(compiled: CompileKernelsResult, source: string, name: string, run: CudaRunOptions = {}): Promise<SynthesizedSpec[]> {
  const copies = compiled.kernels.filter((x) => x.name === name);
  if (!copies.length) throw new SynthFailure("unsupported", `kernel ${name} was not translated`);
  // a kernel translated once per `if constexpr` value: a launch for each copy, its bool template arguments its values
  const out: SynthesizedSpec[] = [];
  for (const k of copies) out.push(...(await synthesizeFor(k, source, name, run)));
  return out;
}

async function synthesizeFor(k: CompiledKernel, source: string, name: string, run: CudaRunOptions): Promise<SynthesizedSpec[]> {
  // no launch can make a comparison of a kernel that writes no buffer (cuda-samples' simpleAssert: its only effect is an assert)
  if (!k.params.some((p) => p.kind === "buffer" && p.role !== "input" && p.role !== "unused")) {
    const assertion = deviceAssert(source, name);
    if (assertion)
      throw new SynthFailure(
        "asserts-only",
        `kernel ${name} writes no buffer: its only effect is ${assertion}, which the translation does not check (C2M-K025: a Metal kernel cannot abort), so there is no effect of the two to compare; check the condition in Python before the launch`,
      );
    throw new SynthFailure("no-outputs", `kernel ${name} writes no buffer, so there is nothing to compare`);
  }
  let last: SynthFailure | undefined;
  // a loop's trip count or step comes from the int parameters (llm.c's `block_size / 32` is a step of 0
  // at S = 16), so a timeout rejects its value of S, not the kernel: the other candidates of that S are
  // skipped, the other values still tried, up to MAX_TIMEOUTS timeouts in all
  const timedOutSizes = new Set<number>();
  const plain = candidateLaunches(k, source);
  const geometric = k.params.some((p) => p.kind === "scalar" && geometryValue(p.name) !== undefined) ? plain.map((c) => ({ ...c, geometry: true })) : [];
  for (const c of [...plain, ...geometric]) {
    if (timedOutSizes.has(c.size)) continue;
    const first = await probe(k, source, c, run);
    if (first instanceof SynthFailure) {
      // a compile error holds for every candidate
      if (first.kind === "cuda-compile") throw first;
      if (first.kind === "timeout") {
        timedOutSizes.add(c.size);
        if (timedOutSizes.size >= MAX_TIMEOUTS) throw first;
      }
      // the most telling failure: a launch that ran but whose result is not its inputs' says most, then a fault or
      // NaN, then a launch that wrote nothing
      if (!last || last.kind === "writes-nothing" || (first.kind === "indeterminate" && last.kind !== "indeterminate")) last = first;
      continue;
    }
    const out: SynthesizedSpec[] = [{ spec: first.spec, note: describe(c, first.grown) }];
    // and a ragged size, when the first was the power of two
    if (c.size === SYNTH_SIZES[0]) {
      const ragged = { ...c, size: SYNTH_SIZES[1]! };
      const more = await probe(k, source, ragged, run);
      if (!(more instanceof SynthFailure)) out.push({ spec: more.spec, note: describe(ragged, more.grown) });
      // said, not silently dropped: the blocks of a tiled kernel write the same elements at a ragged size
      else if (more.kind === "indeterminate") out[0]!.note += `; no launch at S=${ragged.size}: ${more.message}`;
    }
    return out;
  }
  throw last ?? new SynthFailure("unsupported", "no candidate launch");
}

/**
 * A spec read from a launcher that takes its buffers from its caller (launch-spec.ts callerBuffers):
 * the CUDA original run alone, each of `names` grown where it reads or writes past its end, as `probe`
 * grows a synthesised launch's buffers. `fault` says why the original itself does not run cleanly at
 * these sizes (another fault, buffers that would grow too far): the sizes are c2m's choice, so a caller
 * may leave such a spec out where another of the same launcher runs. A compile error is left to the
 * verification, which reports it.
 */
export async function growCallerBuffers(
  spec: GoldenSpec,
  source: string,
  names: string[],
  run: CudaRunOptions = {},
): Promise<{ spec: GoldenSpec; grown: string[]; fault?: string }> {
  let s = spec;
  const grown: string[] = [];
  // each buffer may need its own growths (chamfer's backward: both point clouds and both gradients)
  for (let attempt = 0; attempt < GROWTHS * Math.max(1, names.length); attempt++) {
    try {
      await runCudaLaunches(source, goldenLaunches(s, 0), goldenBuffers(s, 0), { ...run, deviceCodeOnly: true, timeoutMs: run.timeoutMs ?? PROBE_TIMEOUT_MS });
      return { spec: s, grown };
    } catch (e) {
      if (!(e instanceof KernelFault)) return { spec: s, grown };
      const d = e.details as { buffer?: string; index?: number; space?: string };
      const b = s.buffers.find((x) => x.name === d.buffer && names.includes(x.name));
      const fault = e.message.replace(/^c2m verify: /, "").slice(0, 200);
      if (e.kind !== "out-of-bounds" || !b || d.space === "threadgroup" || d.space === "shared" || typeof d.index !== "number") return { spec: s, grown, fault };
      const next = Math.max(4 * Number(b.count), 2 * (d.index + 1));
      if (next > MAX_COUNT) return { spec: s, grown, fault: `buffer ${b.name} would need more than ${MAX_COUNT} elements (index ${d.index})` };
      s = { ...s, buffers: s.buffers.map((x) => (x === b ? { ...x, count: next } : x)) };
      grown.push(`${b.name}→${next}`);
    }
  }
  return { spec: s, grown, fault: `buffers kept faulting after ${GROWTHS * Math.max(1, names.length)} growths` };
}

/**
 * The specs of a derivation to verify, caller buffers grown (growCallerBuffers); a spec whose sizes
 * (c2m's choice) the original itself faults at is left out, with why: a kernel no spec is left for is
 * not verified by these (the zoo then synthesises its launch; the CLI says so and fails).
 */
export async function sizedSpecs(
  specs: GoldenSpec[],
  callerBuffers: Record<string, string[]> | undefined,
  source: string,
  run: CudaRunOptions = {},
): Promise<{ specs: GoldenSpec[]; left: string[] }> {
  const out: { spec: GoldenSpec; fault?: string }[] = [];
  for (const read of specs) {
    const grow = callerBuffers?.[read.name];
    out.push(grow ? await growCallerBuffers(read, source, grow, run) : { spec: read });
  }
  const left = out.filter((o) => o.fault);
  return { specs: out.filter((o) => !left.includes(o)).map((o) => o.spec), left: left.map((o) => `${o.spec.name} (the original itself: ${o.fault})`) };
}

/** The compiler's first error line, without the cache path. */
function firstError(output: string): string {
  const line = output.split("\n").find((l) => /error:/.test(l)) ?? output.split("\n")[0] ?? "";
  return line.replace(/^.*?:(\d+):\d+: error:/, "line $1: error:").slice(0, 200);
}

function describe(c: SynthCandidate, grown: string[]): string {
  const smem = c.sharedBytes ? `, ${c.sharedBytes} B dynamic shared` : "";
  const geometry = c.geometry ? " (a convolution's padding, stride, dilation and groups 1, kernel 3)" : "";
  return `synthesised launch: grid ${c.grid.join("x")}, block ${c.block.join("x")}${smem}, int parameters ${c.size}${geometry}${grown.length ? `, buffers grown ${grown.join(" ")}` : ""}`;
}

/** The first `assert(...)` in the body of kernel `name` in the CUDA source, as written; undefined when it has none. */
function deviceAssert(source: string, name: string): string | undefined {
  const head = new RegExp(`__global__[^;{]*?\\b${name}\\s*\\(`).exec(source);
  const open = head ? source.indexOf("{", head.index) : -1;
  if (open < 0) return undefined;
  let depth = 0;
  let end = open;
  for (; end < source.length; end++) {
    if (source[end] === "{") depth++;
    else if (source[end] === "}" && --depth === 0) break;
  }
  return /\bassert\s*\([^;]*\)/.exec(source.slice(open, end))?.[0];
}
