/**
 * Is a launch's result determined by its inputs? A launch whose blocks write the same elements (a transpose
 * tiled for sizes it was not given), whose threads race on one element, or that reads threadgroup memory no thread
 * wrote (a histogram clearing its bins for one block width and launched with another) gives on a GPU whatever the
 * schedule or the memory's last contents make it: no emulator reproduces that, and a comparison with it proves
 * nothing, so such a launch must not be used to verify anything (issue 14 §5: 45 of the 46 launch sets the H100's
 * recordings disagreed with were such).
 *
 * The check runs the CUDA original once more with every perturbation the emulator has at once — its threadgroups last
 * to first, each group's threads last to first, threadgroup memory filled with zeros instead of all ones — and
 * compares every written buffer with the plain run within the verification's tolerance (a float sum's rounding that
 * the order moves stays inside it). Only where something changed does a second run, threadgroup memory zeroed
 * alone, name the cause.
 */
import { goldenBuffers, goldenLaunches, isFloatDtype, type GoldenSpec } from "../verify/golden.js";
import { runCudaLaunches, type CudaRunOptions } from "../verify/cuda.js";
import { compareArrays, describeMismatch, type Comparison } from "../verify/compare.js";
import { normalizeDtype, toNumbers, type TypedArray } from "../verify/dtypes.js";
import { KernelFault, type RunPerturbation } from "../verify/native.js";

export type IndeterminacyCause = "order" | "uninitialised-shared" | "fast-math" | "concurrent-groups";

export interface Indeterminacy {
  cause: IndeterminacyCause;
  /** the first buffer that changed and how, or the fault the perturbed run stopped at */
  detail: string;
  /** one sentence: what the original's result depends on, and the evidence */
  message: string;
}

const SAYS: Record<IndeterminacyCause, string> = {
  order: "the CUDA original's result at these sizes depends on the order threads run",
  "uninitialised-shared": "the CUDA original's result at these sizes depends on uninitialised threadgroup memory",
  "fast-math": "the CUDA original's result at these sizes depends on the last bits of its fast math intrinsics (__expf, ...), which the GPU's approximations decide",
  "concurrent-groups": "the CUDA original's result at these sizes depends on whether its threadgroups run at once: a group reads elements another group of the launch writes",
};

const EVIDENCE: Record<IndeterminacyCause, string> = {
  order: "with its threadgroups and each group's threads run last to first",
  "uninitialised-shared": "with threadgroup memory filled with zeros instead of all ones before each group",
  "fast-math": "with __expf, __logf, __powf, __sinf, __cosf, __tanf and __fdividef 2 ulp off, within the error CUDA documents for them",
  "concurrent-groups": "with every threadgroup run against device memory as the launch found it",
};

type Perturbation = Omit<RunPerturbation, "raceDetect">;

/**
 * In device code that calls atomicAdd, a float buffer the order perturbation changes by at most this much of its
 * largest magnitude is taken to have had its atomic sums rounded in another order (llm.c's layernorm_backward_kernel5
 * sums into the scratch it also reads: 3e-5), not to be racing: a race writes another value, a rounding moves the last
 * bits of a sum. The comparison of the translation is not loosened by it.
 */
const ATOMIC_ROUNDING = 1e-3;

/**
 * The CUDA original of `spec` at size `sizeIndex` run perturbed, each perturbation once however many buffers are
 * asked about, against `plain` (its plain run, which the caller has). `atomicSums`: float buffers the kernel only
 * adds into with atomicAdd. The order of those additions is the GPU's to choose and moves only their rounding — by
 * any amount where many small terms meet a large one (detectron2's RoIAlignRotatedBackwardFeature: 1e-3) — so they
 * are compared only where threadgroup memory alone was zeroed, every thread in its usual order.
 */
export class PerturbedOriginal {
  private readonly runs = new Map<string, Promise<Record<string, TypedArray> | string>>();
  /** device code that declares no threadgroup memory has none to read before it is written */
  private readonly shared: boolean;
  /** device code that adds with atomicAdd: the order perturbation may move a float sum's rounding (ATOMIC_ROUNDING) */
  private readonly atomicAdds: boolean;
  /** device code that calls a fast math intrinsic: their results' last bits are the GPU's approximations' (jitterMath) */
  private readonly fastMath: boolean;
  /**
   * device code without atomics also runs its groups isolated (isolateGroups: each against memory as the launch found
   * it), which shows groups that read what other groups write (llm.c wpe_backward_kernel on a grid axis it never reads:
   * two groups add into one element, where a GPU running them at once keeps one add); atomics are how groups of one
   * launch legitimately exchange values, and isolation would lose them
   */
  private readonly isolate: boolean;

  constructor(
    private readonly source: string,
    private readonly spec: GoldenSpec,
    private readonly sizeIndex: number,
    private readonly plain: Record<string, TypedArray>,
    private readonly run: CudaRunOptions = {},
    private readonly atomicSums: readonly string[] = [],
  ) {
    this.shared = /\b__shared__\b/.test(source);
    this.atomicAdds = /\batomicAdd\s*\(/.test(source);
    this.fastMath = /\b__(?:expf|logf|powf|sinf|cosf|tanf|fdividef)\s*\(/.test(source);
    this.isolate = !/\batomic\w*\s*\(/.test(source);
  }

  /** The buffers after a perturbed run, or why it did not finish (a fault or a timeout where the plain run had none). */
  private outputs(p: Perturbation): Promise<Record<string, TypedArray> | string> {
    const key = JSON.stringify(p);
    let r = this.runs.get(key);
    if (!r) {
      r = runCudaLaunches(this.source, goldenLaunches(this.spec, this.sizeIndex), goldenBuffers(this.spec, this.sizeIndex), { ...this.run, ...p, deviceCodeOnly: true }).catch(
        (e: unknown) => {
          if (!(e instanceof KernelFault)) throw e;
          return e.kind === "timeout" ? "it does not finish" : `it stops: ${e.message.replace(/^c2m verify: /, "").slice(0, 160)}`;
        },
      );
      this.runs.set(key, r);
    }
    return r;
  }

  /** The first of `names` that the perturbed run changes beyond the verification's tolerance, described; or how it stopped. */
  private async change(p: Perturbation, names: string[]): Promise<string | undefined> {
    const out = await this.outputs(p);
    if (typeof out === "string") return out;
    const reordered = (p.reverse || p.reverseGroups) && this.atomicAdds;
    for (const buf of this.spec.buffers.filter((x) => names.includes(x.name))) {
      const dtype = normalizeDtype(buf.dtype);
      const c = compareArrays(out[buf.name]!, this.plain[buf.name]!, dtype);
      if (c.ok) continue;
      if (reordered && isFloatDtype(dtype) && c.maxAbsDiff <= ATOMIC_ROUNDING * largest(toNumbers(this.plain[buf.name]!, dtype)) && !hasNaNMismatch(c)) continue;
      return describeMismatch(buf.name, c);
    }
    return undefined;
  }

  /**
   * What the written buffers (`buffers`, or every one) depend on besides the inputs, undefined if nothing: one run
   * with every perturbation at once; only where it changed something (or atomic sums are left unchecked) the
   * perturbations one at a time, to name the cause.
   */
  async dependence(buffers?: readonly string[]): Promise<Indeterminacy | undefined> {
    const written = this.spec.buffers.filter((b) => b.role !== "input" && (!buffers || buffers.includes(b.name))).map((b) => b.name);
    const ordered = written.filter((n) => !this.atomicSums.includes(n));
    const all = await this.change({ reverse: true, reverseGroups: true, zeroShared: this.shared, jitterMath: this.fastMath, isolateGroups: this.isolate }, ordered);
    // what changed with every perturbation at once: the fast math's last bits alone, or the rest
    if (all && this.fastMath) {
      const jittered = await this.change({ jitterMath: true }, ordered);
      if (jittered) return indeterminacy("fast-math", jittered);
    }
    // nothing changed, and no atomic sum left unchecked: determined
    if (!all && (!this.shared || ordered.length === written.length)) return undefined;
    if (this.shared) {
      const zeroed = await this.change({ zeroShared: true }, written);
      if (zeroed) return indeterminacy("uninitialised-shared", zeroed);
    }
    if (!all) return undefined;
    // groups reading each other's writes, where neither order of running them one after another shows it
    if (this.isolate && !(await this.change({ reverse: true, reverseGroups: true }, ordered))) return indeterminacy("concurrent-groups", all);
    return indeterminacy("order", all);
  }
}

/** The largest finite magnitude of a buffer's values. */
function largest(values: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) {
    const v = Math.abs(values[i]!);
    if (Number.isFinite(v) && v > m) m = v;
  }
  return m;
}

/** A mismatch that is a NaN or infinity against a number: no rounding. */
function hasNaNMismatch(c: Comparison): boolean {
  const m = c.firstMismatch;
  return !!m && (!Number.isFinite(m.actual) || !Number.isFinite(m.expected));
}

function indeterminacy(cause: IndeterminacyCause, detail: string): Indeterminacy {
  return { cause, detail, message: `${SAYS[cause]}: ${EVIDENCE[cause]} ${/^it /.test(detail) ? detail : `it writes other values (${detail}; "expected" is the plain run)`}` };
}

/** Whether the CUDA original's result of `spec` at size `sizeIndex` is determined by its inputs (PerturbedOriginal.dependence over every written buffer). */
export function originalIndeterminacy(
  source: string,
  spec: GoldenSpec,
  sizeIndex: number,
  plain: Record<string, TypedArray>,
  run: CudaRunOptions = {},
  atomicSums: readonly string[] = [],
): Promise<Indeterminacy | undefined> {
  return new PerturbedOriginal(source, spec, sizeIndex, plain, run, atomicSums).dependence();
}
