/**
 * Glue between the kernel compiler and the verification harness (src/verify): runs a translated file's
 * kernels on the Metal emulator exactly as the emitted Python calls them (planKernelCall), and the CUDA
 * original on the CUDA emulator, for the launches and sizes of a golden-style spec
 * (`<name>.spec.json`: sizes, buffers, launches), and compares every written buffer.
 */
import type { MlxDtype } from "../../ir/kernel.js";
import { compareArrays, describeMismatch, type Comparison } from "../verify/compare.js";
import { PerturbedOriginal } from "./determinacy.js";
import { runCudaLaunches } from "../verify/cuda.js";
import type { DeviceCodeOptions } from "../verify/device-code.js";
import { fromNumbers, normalizeDtype, toNumbers, type TypedArray } from "../verify/dtypes.js";
import { evalExpr, goldenBuffers, goldenLaunches, isFloatDtype, type GoldenSpec } from "../verify/golden.js";
import { resolveMetalInputs, runMetal, type KernelInput, type MetalKernelSpec } from "../verify/metal.js";
import { checkMetalWithClang, type MetalCheckCase } from "../verify/metal-check.js";
import { runMlxCuda } from "../verify/mlx-cuda.js";
import { kernelFor, planKernelCall, type CallArg, type CompileKernelsResult, type CompiledKernel } from "./index.js";
import { SCALAR_TYPES } from "../../passes/kernel/tables.js";
import { cIntegerLiteral } from "../../passes/kernel/cst.js";
import { nameTable } from "../../ir/tables.js";

export interface TranslatedRunOptions {
  /** run each Metal threadgroup's threads in reverse order (an order-dependence check) */
  reverse?: boolean;
  /** run the Metal threadgroups last to first (a hand-over between threadgroups must not depend on which arrives last) */
  reverseGroups?: boolean;
  /** change a kernel before it runs (tests use this to show a wrong translation is caught) */
  mutate?: (k: CompiledKernel) => void;
  /** local includes of the CUDA original (`#include "common.h"`): their device code is compiled with it */
  resolveInclude?: DeviceCodeOptions["resolveInclude"];
}

/** Which body of the emitted module runs: the Metal translation, or the CUDA original as mx.fast.cuda_kernel gets it. */
export type KernelTarget = "metal" | "cuda_kernel";

/** Applies an atomic-accumulate combine (`{old} + {new}`, `mx.maximum({old}, {new})`, `{old} | {new}`…) elementwise. */
export function combine(expr: string, old: TypedArray, fresh: TypedArray, dtype: string): TypedArray {
  const d = normalizeDtype(dtype);
  const o = toNumbers(old, d);
  const f = toNumbers(fresh, d);
  const op = (a: number, b: number): number => {
    if (expr === "{old} + {new}") return a + b;
    if (/maximum/.test(expr)) return Math.max(a, b);
    if (expr === "{old} | {new}") return (a | b) >>> 0;
    if (expr === "{old} ^ {new}") return (a ^ b) >>> 0;
    if (expr === "{old} & {new}") return a & b;
    throw new Error(`c2m kernel verify: unknown combine ${expr}`);
  };
  return fromNumbers(
    o.map((v, i) => op(v, f[i]!)),
    d,
  );
}

/** Runs every launch of the spec at one size on both emulators; returns the buffers after the launches. */
export async function runTranslated(
  compiled: CompileKernelsResult,
  source: string,
  spec: GoldenSpec,
  sizeIndex: number,
  opts: TranslatedRunOptions = {},
): Promise<{ metal: Record<string, TypedArray>; cuda: Record<string, TypedArray> }> {
  // the device code only: the user's host code (main, file-scope initialisers) is never compiled or run
  const cuda = await runCudaLaunches(source, goldenLaunches(spec, sizeIndex), goldenBuffers(spec, sizeIndex), { deviceCodeOnly: true, resolveInclude: opts.resolveInclude });
  return { metal: await runEmitted(compiled, spec, sizeIndex, "metal", opts), cuda };
}

/**
 * Every launch of the spec at one size, through the emitted module's kernel objects (the call planned as
 * its Python wrapper plans it), on the emulator of the target; returns the buffers after the launches.
 */
export async function runEmitted(
  compiled: CompileKernelsResult,
  spec: GoldenSpec,
  sizeIndex: number,
  target: KernelTarget,
  opts: TranslatedRunOptions = {},
): Promise<Record<string, TypedArray>> {
  const sizes = spec.sizes[sizeIndex]!;
  const buffers = goldenBuffers(spec, sizeIndex);
  const dtypeOf = (name: string) => normalizeDtype(spec.buffers.find((b) => b.name === name)!.dtype);
  for (const l of spec.launches) {
    const found = kernelFor(compiled.kernels, l.kernel, l.templateArgs);
    if (!found) throw new Error(`c2m kernel verify: kernel ${l.kernel} was not translated`);
    const k: CompiledKernel = structuredClone(found);
    opts.mutate?.(k);
    const { plan, inputs, argBuffer } = planLaunch(k, l, sizes, buffers, dtypeOf, target === "cuda_kernel");
    const out =
      target === "cuda_kernel"
        ? await runCudaKernel(k, plan, inputs, opts)
        : await runMetal(metalCallSpec(k, plan), inputs, { reverse: opts.reverse, reverseGroups: opts.reverseGroups });
    // 16-bit float atomic outputs came back as 32-bit words: their first elements, as the wrapper's view takes them
    for (const w of plan.words) {
      const words = out[w.output]!;
      out[w.output] = new Uint16Array(words.buffer, words.byteOffset, w.count).slice();
    }
    const after = foldOutputs(
      k,
      out,
      (p) => buffers[argBuffer[p]!]!,
      (p) => dtypeOf(argBuffer[p]!),
    );
    for (const [p, value] of Object.entries(after)) buffers[argBuffer[p]!] = value;
  }
  return buffers;
}

/** One launch of the spec as the emitted wrapper plans it: the call, its inputs, and which buffer each parameter is. */
function planLaunch(
  k: CompiledKernel,
  l: GoldenSpec["launches"][number],
  sizes: Record<string, number>,
  buffers: Record<string, TypedArray>,
  dtypeOf: (b: string) => string,
  cuda = false,
) {
  const args: Record<string, CallArg> = nameTable({});
  const argBuffer: Record<string, string> = nameTable({});
  l.args.forEach((a, i) => {
    const p = k.params[i];
    if (!p) throw new Error(`c2m kernel verify: launch of ${l.kernel} has too many arguments`);
    if ("buffer" in a) {
      args[p.name] = { shape: [buffers[a.buffer]!.length], dtype: dtypeOf(a.buffer) as MlxDtype };
      argBuffer[p.name] = a.buffer;
    } else if ("vector" in a) args[p.name] = a.vector.map((e) => evalExpr(e, sizes));
    else args[p.name] = evalExpr(a.scalar, sizes);
  });
  const template: Record<string, MlxDtype | number | boolean> = nameTable({});
  k.templateParams.forEach((t, i) => {
    const v = l.templateArgs?.[i];
    if (v === undefined) return;
    template[t.name] = t.kind === "type" ? SCALAR_TYPES[v]!.mlx : t.kind === "bool" ? v === "true" : (t.enumValues?.[v] ?? templateInt(v));
  });
  const plan = planKernelCall(k, args, {
    grid: l.grid.map((g) => evalExpr(g, sizes)),
    block: l.block,
    sharedMem: l.sharedBytes === undefined ? 0 : evalExpr(l.sharedBytes, sizes),
    template,
    cuda,
  });
  const inputs: Record<string, KernelInput> = nameTable({});
  for (const inp of plan.inputs) {
    if (inp.scalar) inputs[inp.name] = { data: inp.scalar.value, dtype: inp.scalar.dtype, shape: [] };
    else if (inp.vector) inputs[inp.name] = { data: fromNumbers(inp.vector.values, normalizeDtype(inp.vector.dtype)), dtype: inp.vector.dtype, shape: [inp.vector.values.length] };
    else {
      const b = argBuffer[inp.arg]!;
      inputs[inp.name] = { data: buffers[b]!, dtype: dtypeOf(b), shape: [buffers[b]!.length] };
    }
  }
  return { plan, inputs, argBuffer };
}

/**
 * The Metal calls the emitted module makes for the spec's launches at one size, as the clang check
 * takes them (the source MLX would compile depends on the inputs' dtypes and ranks, and the template).
 */
export function metalCalls(compiled: CompileKernelsResult, spec: GoldenSpec, sizeIndex: number): MetalCheckCase[] {
  const sizes = spec.sizes[sizeIndex]!;
  const buffers = goldenBuffers(spec, sizeIndex);
  const dtypeOf = (name: string) => normalizeDtype(spec.buffers.find((b) => b.name === name)!.dtype);
  return spec.launches.map((l) => {
    const k = kernelFor(compiled.kernels, l.kernel, l.templateArgs);
    if (!k) throw new Error(`c2m kernel verify: kernel ${l.kernel} was not translated`);
    const { plan, inputs } = planLaunch(k, l, sizes, buffers, dtypeOf);
    const call = metalCallSpec(k, plan);
    return { spec: call, inputs: resolveMetalInputs(call, inputs).map(({ name, dtype, shape }) => ({ name, dtype, shape })) };
  });
}

/** The `mx.fast.metal_kernel` call the emitted wrapper makes, as the Metal emulator takes it. */
export function metalCallSpec(k: CompiledKernel, plan: ReturnType<typeof planKernelCall>): MetalKernelSpec {
  return {
    name: k.spec.name,
    inputNames: k.spec.input_names,
    outputNames: k.spec.output_names,
    source: k.spec.source,
    header: k.spec.header,
    atomicOutputs: k.spec.atomic_outputs,
    ensureRowContiguous: k.spec.ensure_row_contiguous,
    template: plan.template.map(([n, v]) => [n, v] as [string, string | number | boolean]),
    grid: plan.grid,
    threadgroup: plan.threadgroup,
    outputShapes: plan.output_shapes,
    outputDtypes: plan.output_dtypes,
    initValue: plan.init_value,
  };
}

/**
 * What the emitted wrapper returns for each written parameter, from the kernel's outputs: atomic outputs
 * folded into the caller's array, in-place outputs kept only where the mask says the kernel took the
 * element over (mx.where), plain outputs as they are.
 */
export function foldOutputs(
  k: CompiledKernel,
  out: Record<string, TypedArray>,
  before: (param: string) => TypedArray,
  dtypeOf: (param: string) => string,
): Record<string, TypedArray> {
  const after: Record<string, TypedArray> = nameTable({});
  for (const p of k.params) {
    if (!p.outputName) continue;
    const fresh = out[p.outputName]!;
    if (p.combine) after[p.name] = combine(p.combine, before(p.name), fresh, dtypeOf(p.name));
    else if (p.maskName) {
      const mask = out[p.maskName]!;
      const merged = before(p.name).slice() as TypedArray;
      for (let i = 0; i < merged.length; i++) if (mask[i]) (merged as unknown as number[])[i] = (fresh as unknown as number[])[i]!;
      after[p.name] = merged;
    } else after[p.name] = fresh;
  }
  return after;
}

/** The kernel's mx.fast.cuda_kernel variant, given the Metal call's plan: same positions, its own names. */
async function runCudaKernel(k: CompiledKernel, plan: ReturnType<typeof planKernelCall>, inputs: Record<string, KernelInput>, opts: TranslatedRunOptions) {
  const shared = plan.template.find(([n]) => n === k.sharedBytesTemplate)?.[1];
  const call = metalCallSpec(k, plan);
  const out = await runMlxCuda(
    {
      ...call,
      inputNames: k.cuda.inputNames,
      outputNames: k.cuda.outputNames,
      source: k.cuda.source,
      header: k.cuda.header,
      sharedMemory: typeof shared === "number" ? shared : 0,
    },
    Object.fromEntries(k.spec.input_names.map((n, i) => [k.cuda.inputNames[i]!, inputs[n]!])),
    { reverse: opts.reverse },
  );
  return Object.fromEntries(k.spec.output_names.map((n, i) => [n, out[k.cuda.outputNames[i]!]!]));
}

export interface SpecVerification {
  ok: boolean;
  /** per size and written buffer */
  /**
   * outsideDomain: the original gives NaN (C2M-K020); orderDependent: the original's own value changes with the
   * order its threads run (an atomic counter deciding where a thread writes, threads racing on one element), so
   * no single run of it is the answer to compare with. Neither was compared.
   */
  results: { sizes: Record<string, number>; buffer: string; target: KernelTarget; comparison: Comparison; outsideDomain?: boolean; orderDependent?: boolean }[];
  /** the clang check of the Metal calls (when asked for): per call, clang's errors */
  metalCheck?: { kernel: string; errors: string[] }[];
  lines: string[];
  /** with `determinacy`: why the original's result at a size is not its inputs' alone; nothing was compared */
  indeterminate?: string;
}

export interface SpecVerifyOptions extends TranslatedRunOptions {
  /** also compile each Metal call's source with clang against the MSL shim (metal-check.ts) */
  clangCheck?: boolean;
  /**
   * the sizes are c2m's own choice (a launch read from the host code): check first that the original's result at
   * each is its inputs' alone (determinacy.ts: one more run of it); where not, nothing is compared and
   * `indeterminate` says why, so that the caller leaves the spec out as it leaves out sizes the original faults at
   */
  determinacy?: boolean;
}

/**
 * The index of the first NaN in a float buffer, or -1. An infinity is a value the comparison checks
 * exactly (attention masks write -INFINITY on purpose); a NaN compares with nothing.
 */
function firstNaN(values: TypedArray, dtype: string): number {
  if (!isFloatDtype(dtype)) return -1;
  return toNumbers(values, normalizeDtype(dtype)).findIndex((v) => Number.isNaN(v));
}

/**
 * A float buffer summed into by atomicAdd only differs from the original by the order of its additions:
 * the translation's atomic output starts at zero and the wrapper adds the caller's values last, and the
 * GPU itself fixes no order among atomics. Where the plain comparison fails, the original is run again
 * in the translation's order, and that run must agree within the default tolerance. No bound on the
 * first difference: many increments far below the caller's starting value's float step round away one
 * by one when added to it first, so the order alone can move a sum by any amount (detectron2's
 * RoIAlignRotatedBackwardFeature, 590k samples per thread: 20%); a wrong translation still fails the
 * second comparison, which differs from the original by nothing but that order.
 */
/** The buffers of a one-launch spec that its kernel only sums into with float atomicAdd (role atomic-accumulate, `+`). */
export function atomicSumBuffers(compiled: CompileKernelsResult, spec: GoldenSpec): string[] {
  if (spec.launches.length !== 1) return [];
  const l = spec.launches[0]!;
  const k = kernelFor(compiled.kernels, l.kernel, l.templateArgs);
  if (!k) return [];
  return l.args.flatMap((a, i) => {
    const p = k.params[i];
    if (!("buffer" in a) || p?.role !== "atomic-accumulate" || p.combine !== "{old} + {new}") return [];
    const b = spec.buffers.find((x) => x.name === a.buffer);
    return b && isFloatDtype(b.dtype) ? [a.buffer] : [];
  });
}

/** The CUDA original at one size with `sums` zeroed before the launch and their starting values added after it, as the translation folds them. */
async function cudaInTranslationOrder(source: string, spec: GoldenSpec, sizeIndex: number, sums: string[], opts: TranslatedRunOptions): Promise<Record<string, TypedArray>> {
  const start = goldenBuffers(spec, sizeIndex);
  const zeroed = goldenBuffers(spec, sizeIndex);
  for (const name of sums) (zeroed[name] as Float32Array).fill(0); // float buffers only (atomicSumBuffers)
  const out = await runCudaLaunches(source, goldenLaunches(spec, sizeIndex), zeroed, { deviceCodeOnly: true, resolveInclude: opts.resolveInclude });
  for (const name of sums) out[name] = combine("{old} + {new}", start[name]!, out[name]!, spec.buffers.find((b) => b.name === name)!.dtype);
  return out;
}

/**
 * Every written buffer of every size of the spec: Metal (translated) vs CUDA (original), within the
 * harness's default tolerance (float32: 1e-5 relative + 1e-6 absolute; ints exact; half 1e-3). A NaN
 * in the CUDA original's output fails that case as inputs outside the kernel's domain (C2M-K020)
 * instead of comparing NaN with NaN; an infinity must come out the same on both sides.
 */
/**
 * The spec with its outputs that every launch writes as a fresh output (role output; launches that only read it
 * aside) starting at 0: those translations are documented to give 0 where the kernel does not write — past the
 * launch's reach where write-only.ts proved each thread's own element stored (KernelParamInfo.ownIndexStores; a
 * synthesised launch often covers only part of a buffer), anywhere not written where c2m said it could not keep the
 * caller's values (C2M-K058), and a hand-over's — while every output a translation takes over element by element
 * (inout-copy: write-only kept in place, or read and written) starts from outputValues' non-zero draw on both
 * sides, so a takeover that loses the caller's values where its kernel does not write fails.
 */
export function zeroFreshOutputs(compiled: CompileKernelsResult, spec: GoldenSpec): GoldenSpec {
  const writers = new Map<string, boolean[]>();
  for (const l of spec.launches) {
    const k = kernelFor(compiled.kernels, l.kernel, l.templateArgs);
    l.args.forEach((a, i) => {
      const p = k?.params[i];
      if (!("buffer" in a) || !p || p.role === "input" || p.role === "unused") return;
      writers.set(a.buffer, [...(writers.get(a.buffer) ?? []), p.role === "output"]);
    });
  }
  const fresh = (name: string) => (writers.get(name) ?? []).length > 0 && writers.get(name)!.every((x) => x);
  if (!spec.buffers.some((b) => b.role === "output" && fresh(b.name))) return spec;
  return { ...spec, buffers: spec.buffers.map((b) => (b.role === "output" && fresh(b.name) ? { ...b, zeroStart: true } : b)) };
}

export async function verifyAgainstSpec(compiled: CompileKernelsResult, source: string, given: GoldenSpec, opts: SpecVerifyOptions = {}): Promise<SpecVerification> {
  const spec = zeroFreshOutputs(compiled, given);
  const results: SpecVerification["results"] = [];
  const lines: string[] = [];
  let metalCheck: SpecVerification["metalCheck"];
  if (opts.clangCheck) {
    const calls = metalCalls(compiled, spec, 0);
    const checked = await checkMetalWithClang(calls);
    metalCheck = checked.map((r, i) => ({ kernel: calls[i]!.spec.name, errors: r.errors }));
    for (const [i, r] of checked.entries()) {
      lines.push(
        r.ok
          ? `ok   ${spec.name}: the Metal of ${calls[i]!.spec.name} compiles with clang against the MSL shim (-Wall -Werror)`
          : `FAIL ${spec.name}: C2M-K019 the Metal of ${calls[i]!.spec.name} is rejected by clang:\n  ${r.errors.join("\n  ")}`,
      );
    }
    // Metal that Metal's compiler rejects is not run: the emulator's g++ would reject it too, or run what the GPU never could
    if (metalCheck.some((m) => m.errors.length)) return { ok: false, results, metalCheck, lines };
  }
  const atomicSums = atomicSumBuffers(compiled, spec);
  // a hand-over between threadgroups (the last to take a ticket reads the others' parts) is also run with the
  // threadgroups last to first: the emulator runs them one after another, so the order decides which one is last
  const handOver = spec.launches.some((l) => kernelFor(compiled.kernels, l.kernel, l.templateArgs)?.params.some((p) => p.handOver));
  for (let s = 0; s < spec.sizes.length; s++) {
    const { metal, cuda } = await runTranslated(compiled, source, spec, s, opts);
    let inTranslationOrder: Record<string, TypedArray> | undefined;
    const at = Object.entries(spec.sizes[s]!)
      .map(([k, v]) => `${k}=${v}`)
      .join(" ");
    // the original perturbed (threadgroups and threads last to first, threadgroup memory zeroed: determinacy.ts), run
    // up front where the sizes are c2m's choice, else only once a comparison has failed
    let perturbed: PerturbedOriginal | undefined;
    if (opts.determinacy) {
      perturbed = new PerturbedOriginal(source, spec, s, cuda, { resolveInclude: opts.resolveInclude }, atomicSums);
      const why = await perturbed.dependence();
      if (why) return { ok: false, results, metalCheck, lines: [...lines, `FAIL ${spec.name} [${at}] not compared: ${why.message}`], indeterminate: `[${at}] ${why.message}` };
    }
    // the module's other body: the CUDA original as MLX's CUDA backend runs it
    const viaCudaKernel = await runEmitted(compiled, spec, s, "cuda_kernel", opts);
    for (const b of spec.buffers.filter((x) => x.role !== "input")) {
      const bad = firstNaN(cuda[b.name]!, b.dtype);
      if (bad < 0) continue;
      const value = toNumbers(cuda[b.name]!, normalizeDtype(b.dtype))[bad];
      results.push({
        sizes: spec.sizes[s]!,
        buffer: b.name,
        target: "metal",
        comparison: { ok: false, count: cuda[b.name]!.length, mismatches: 0, maxAbsDiff: 0, maxRelDiff: 0 },
        outsideDomain: true,
      });
      lines.push(
        `FAIL ${spec.name} [${at}] C2M-K020 inputs outside the kernel's domain: the CUDA original itself gives ${b.name}[${bad}] = ${value}; ` +
          `nothing to compare (hint: narrow the inputs, e.g. --range NAME=0.5:2, or "domain": [0.5, 2] on the buffer in the spec)`,
      );
    }
    if (results.some((r) => r.outsideDomain && r.sizes === spec.sizes[s])) continue;
    for (const [target, got] of [
      ["metal", metal],
      ["cuda_kernel", viaCudaKernel],
    ] as const) {
      for (const b of spec.buffers.filter((x) => x.role !== "input")) {
        let c = compareArrays(got[b.name]!, cuda[b.name]!, normalizeDtype(b.dtype));
        let order = "";
        if (!c.ok && atomicSums.includes(b.name)) {
          inTranslationOrder ??= await cudaInTranslationOrder(source, spec, s, atomicSums, opts);
          const again = compareArrays(got[b.name]!, inTranslationOrder[b.name]!, normalizeDtype(b.dtype));
          if (again.ok) {
            c = again;
            order = ` (float atomicAdd: the original summed in the translation's order, from zero and the caller's values added last as MLX's init_value does; GPU atomics fix no order)`;
          }
        }
        if (!c.ok) {
          perturbed ??= new PerturbedOriginal(source, spec, s, cuda, { resolveInclude: opts.resolveInclude }, atomicSums);
          const why = await perturbed.dependence([b.name]);
          if (why) {
            results.push({ sizes: spec.sizes[s]!, buffer: b.name, target, comparison: c, orderDependent: true });
            lines.push(
              why.cause === "order"
                ? `FAIL ${spec.name} [${at}] (${target}) ${b.name}: order-dependent: the CUDA original itself writes other values when its threadgroups and threads run last to first ` +
                    `(an atomic counter choosing where each thread writes, blocks or threads racing on one element); no run of it is the answer, nothing compared`
                : `FAIL ${spec.name} [${at}] (${target}) ${b.name}: indeterminate: the CUDA original itself writes other values when threadgroup memory starts at zeros instead of all ones ` +
                    `(it reads threadgroup memory no thread wrote: a block shape the kernel does not expect?); no run of it is the answer, nothing compared`,
            );
            continue;
          }
        }
        results.push({ sizes: spec.sizes[s]!, buffer: b.name, target, comparison: c });
        lines.push(
          c.ok
            ? `ok   ${spec.name} [${at}] ${b.name} (${target}): ${c.count} values, max rel diff ${c.maxRelDiff.toExponential(2)}${order}`
            : `FAIL ${spec.name} [${at}] (${target}) ${describeMismatch(b.name, c)}`,
        );
      }
    }
    if (handOver) {
      const lastToFirst = await runEmitted(compiled, spec, s, "metal", { ...opts, reverseGroups: true });
      for (const b of spec.buffers.filter((x) => x.role !== "input")) {
        const c = compareArrays(lastToFirst[b.name]!, cuda[b.name]!, normalizeDtype(b.dtype));
        results.push({ sizes: spec.sizes[s]!, buffer: b.name, target: "metal", comparison: c });
        lines.push(
          c.ok
            ? `ok   ${spec.name} [${at}] ${b.name} (metal, threadgroups last to first: the hand-over does not depend on which threadgroup arrives last): ${c.count} values, max rel diff ${c.maxRelDiff.toExponential(2)}`
            : `FAIL ${spec.name} [${at}] (metal, threadgroups last to first) ${describeMismatch(b.name, c)}`,
        );
      }
    }
  }
  const ok = results.every((r) => r.comparison.ok) && (metalCheck ?? []).every((m) => m.errors.length === 0);
  return { ok, results, metalCheck, lines };
}

/** A launch's integer template argument as C++ reads it (`1U`, `0x10`, `256ll`): Number() alone gives NaN for a suffixed literal. */
export function templateInt(v: string): number {
  const n = cIntegerLiteral(v);
  if (n === undefined) throw new Error(`c2m kernel verify: template argument '${v}' is not an integer c2m can read`);
  return n;
}
