/**
 * The Metal printer's state while it prints one function (emit/metal.ts and the printers it is split into:
 * metal-calls.ts, metal-header.ts).
 */
import type { CudaNode } from "../grammar/cuda.js";
import type { BufferPlan, KFunction, KernelUnit } from "../ir/kernel.js";
import type { DiagnosticBag } from "../ir/diagnostics.js";
import { type KernelAnalysis, type Root } from "../passes/kernel/buffers.js";
import { type CoopInfo } from "./coop.js";

/** A row pointer into an in-place buffer, with the twins the printer declares and moves beside it. */
export type InoutAlias = { param: string; offset?: CudaNode; difference?: boolean } & Pick<NonNullable<BufferPlan["ownAccess"]>["aliases"][number], "moves" | "elsewhere">;

export interface PrintContext {
  unit: KernelUnit;
  fn: KFunction;
  analysis?: KernelAnalysis;
  bag: DiagnosticBag;
  helpers: Set<string>;
  attributes: Set<string>;
  /** roots whose elements are `atomic<T>`: atomic outputs and atomic shared arrays */
  atomicRoots: (r: Root | undefined) => boolean;
  scope: { params: Set<string>; shared: Set<string>; aliases: Map<string, Root> };
  /** statement node → text inserted before it (inout copy-in) */
  before: Map<CudaNode, string>;
  /** attribute parameters each device function needs */
  deviceAttrs: Map<string, string[]>;
  /** row pointers into in-place buffers: their `_in` and `_touched` twins are declared next to them */
  inoutAliases: Map<string, InoutAlias>;
  isKernel: boolean;
  /** cooperative-groups namespaces of the file (emit/coop.ts) */
  coop: CoopInfo;
  /** in-place buffers and their row pointers whose every access goes through c2m_own → element width */
  own: Map<string, number>;
  /** in-place buffers' identifiers (their start) in reads that see only the caller's values: printed as `<name>_in` (passes/kernel/caller-reads.ts) */
  callerBases: Set<number>;
  /** in-place buffers updated only by atomics, each of which takes its element over first (BufferPlan.takeOnAtomic) */
  takeOnAtomic: Set<string>;
  /** in-place buffers read through their flags (BufferPlan.readThrough): reads c2m_rt_load, stores c2m_rt_store */
  readThrough?: Set<string>;
  /** pointers and arrays the function declares volatile (emit/warp-sync.ts) */
  volatiles: Set<string>;
  /** lambdas printed as header functions (emit/metal-lambda.ts), in the order met */
  lambdaFunctions: string[];
  /** the launch's dynamic shared memory when a device function's extern array holds it: the kernel's own extern array views it (emit/metal-hoist.ts) */
  dynamicStorage?: { name: string; type: string };
  /** statements printed as a comment instead (a launch guard checked by the Python wrapper: passes/kernel/uniform-guard.ts) */
  replaced?: Map<number, string>;
}
