/**
 * The kernel compiler's public API: CUDA source → Metal kernels for `mx.fast.metal_kernel`, and the
 * Python module that launches them.
 */
import { metalName } from "../../emit/metal-structs.js";
import { parseCuda } from "../../grammar/cuda.js";
import type { BufferRole, KernelUnit, MlxDtype, TemplateParam } from "../../ir/kernel.js";
import { type Diagnostic, DiagnosticBag } from "../../ir/diagnostics.js";
import { reportKernel } from "../../ir/kernel-diagnostics.js";
import { extractKernelUnit, reachableDeclarations, reportFileScopeVariables, templateBase } from "../../passes/kernel/extract.js";
import { reportHostOnlyCalls } from "../../passes/kernel/host-only.js";
import { reportMemberPointerCalls } from "../../passes/kernel/member-calls.js";
import { markSixteenBitWords, SIXTEEN_BIT_DTYPES } from "../../passes/kernel/atomic16.js";
import { reportDivergentBarriers } from "../../passes/kernel/divergent-barrier.js";
import { analyseKernels, atomicInit, type KernelAnalysis } from "../../passes/kernel/buffers.js";
import { type HostContext, kernelsLaunchedBy, macrosUsed, pyName, pythonMacros, translateLauncher, type LauncherTranslation } from "../../passes/kernel/host.js";
import { inPlaceMaskDtype, printKernel, SHARED_BYTES_TEMPLATE, type MetalKernel } from "../../emit/metal.js";
import { emitKernelModule, type KernelStub, type PythonKernel } from "../../emit/kernel-python.js";
import { printCudaKernel, type CudaKernel } from "../../emit/cuda.js";
import { instantiatedHalfFamilies } from "../../passes/kernel/half-family.js";
import { ATOMIC_ACCUMULATE, SCALAR_TYPES, VECTOR_TYPES } from "../../passes/kernel/tables.js";
import { named, position } from "../../passes/kernel/cst.js";
import { preprocessCuda, type PreprocessHost, type Preprocessed } from "../../passes/kernel/preprocess.js";
import { specialiseFunctionTemplates } from "../../passes/kernel/fn-templates.js";
import { hoistStaticMembers } from "../../passes/kernel/static-members.js";
import { callFunctorsDirectly } from "../../passes/kernel/functor-structs.js";
import { mangleNamespaces } from "../../passes/kernel/namespaces.js";
import { lowerBlockBarriers } from "../../passes/kernel/block-barrier.js";
import { segmentBranchBarriers } from "../../passes/kernel/barrier-segments.js";
import { keepReturnedThreads } from "../../passes/kernel/returned-threads.js";
import { specialiseConstexprIf } from "../../passes/kernel/constexpr-if.js";
import { mergeConstexprCopies } from "./constexpr-copies.js";
import { lowerCasAddLoops } from "../../passes/kernel/cas-add.js";
import { lowerTensorAccessors, type AccessorProblem } from "../../passes/kernel/accessors.js";
import { unfoldTraitsParams } from "../../passes/kernel/traits-params.js";
import { flattenStructParams, type FlattenedParam } from "../../passes/kernel/struct-params.js";
import { carryHostConstants, type CarriedConstant } from "../../passes/kernel/host-constants.js";
import { carryDeviceVariables, type CarriedDeviceVariable } from "../../passes/kernel/device-vars.js";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { nameTable } from "../../ir/tables.js";

/** The arguments of `mx.fast.metal_kernel(...)` (the kernel object; no per-call data). */
export interface MetalKernelSpecWithoutData {
  name: string;
  input_names: string[];
  output_names: string[];
  source: string;
  header: string;
  ensure_row_contiguous: boolean;
  atomic_outputs: boolean;
}

/** One kernel parameter as the Python launch function sees it. */
export interface KernelParamInfo {
  name: string;
  kind: "buffer" | "scalar";
  /** buffers: what the pointer became (see BufferRole); scalars: absent */
  role?: BufferRole;
  /** MLX dtype, or the name of a template type parameter */
  dtype: MlxDtype | string;
  /** names this parameter takes in input_names / output_names */
  inputName?: string;
  outputName?: string;
  /** atomic-accumulate: how the caller's array is folded into the output (`{old}`, `{new}`) */
  combine?: string;
  /** inout-copy: the uint8 output marking the elements the kernel took over; elsewhere the caller's values stay */
  maskName?: string;
  /** inout-copy read through its flags (BufferPlan.readThrough): the mask is uint32 words */
  readThrough?: boolean;
  /** atomic-accumulate on 16-bit floats: for a float16/bfloat16 dtype the output is uint32 words, viewed back (BufferPlan.words16) */
  words16?: boolean;
  /** output: handed from every threadgroup to the last one to take an atomic ticket (BufferPlan.handOver, or handedOverReads) */
  handOver?: boolean;
  /** output: every thread stores its own element, which ones depending on no load (BufferPlan.ownIndexStores): 0 past the launch's reach */
  ownIndexStores?: boolean;
  /** inout-copy of a buffer the kernel only writes (BufferPlan.writeOnly): a spec gives it the role output */
  writeOnly?: boolean;
  /** a scalar that is a CUDA vector passed by value (`long4`): its type, passed as a 1-D array of `width` components of `dtype` */
  vector?: { type: string; width: number };
}

export interface CompiledKernel {
  name: string;
  spec: MetalKernelSpecWithoutData;
  params: KernelParamInfo[];
  templateParams: TemplateParam[];
  /** present when the kernel uses `extern __shared__`: the template int that sizes it, in bytes */
  sharedBytesTemplate?: string;
  /** init_value for the outputs: 0, or the atomic op's identity */
  initValue: number;
  /** template values given on the command line, used when a call gives none */
  templateDefaults?: Record<string, MlxDtype | number | boolean>;
  /** the Python function launching it (CUDA-style grid/block) */
  pythonFunction: string;
  /** the CUDA original as `mx.fast.cuda_kernel` gets it (same inputs, outputs, grid and threadgroup) */
  cuda: CudaKernel;
  /** host launchers (translated) that launch it */
  launch?: { launchers: string[] };
  /** right only for a launch of one threadgroup: every threadgroup updates the same elements of an in-place buffer */
  oneThreadgroup?: boolean;
  /** right only for a launch of one threadgroup along each of these grid dimensions (BufferPlan.singleBlockAlong) */
  singleBlockAlong?: ("x" | "y" | "z")[];
  /** int parameters a launch guard the wrapper checks needs to be multiples of (passes/kernel/uniform-guard.ts TrapGuard.multiples) */
  launchMultiples?: Record<string, number>;
  /** a copy of a kernel that branches with `if constexpr`: the bool template values it was translated for */
  constexprWhen?: Record<string, boolean>;
  /** struct parameters (holding device pointers) that became their fields (passes/kernel/struct-params.ts) */
  structParams?: FlattenedParam[];
}

/**
 * The compiled kernel a launch runs: by name, and for a kernel translated once per `if constexpr` value
 * (CompiledKernel.constexprWhen), the copy whose values the launch's template arguments give.
 */
export function kernelFor(kernels: CompiledKernel[], name: string, templateArgs?: (string | number | boolean)[]): CompiledKernel | undefined {
  const named = kernels.filter((k) => k.name === name);
  if (named.length <= 1) return named[0];
  return named.find((k) =>
    Object.entries(k.constexprWhen ?? {}).every(([p, v]) => {
      const i = k.templateParams.findIndex((t) => t.name === p);
      return i >= 0 && String(templateArgs?.[i] ?? "") === String(v);
    }),
  );
}

export interface CompileKernelsResult {
  python: string;
  /** the source after the preprocessor (local includes inlined, conditionals decided, type aliases followed): what was translated */
  source: string;
  kernels: CompiledKernel[];
  /** kernels that did not translate (a stub in the module), each with the diagnostic that stopped it */
  refused: { name: string; diagnostic: Diagnostic }[];
  launchers: { name: string; params: string[]; kernels: string[] }[];
  diagnostics: Diagnostic[];
  /**
   * kernels specialised from a template over a function pointer (`trimul_global__matmul_tri_naive`): the
   * template and argument each instantiates (passes/kernel/fn-templates.ts); `source` ends with their copies
   */
  instances?: Record<string, { kernel: string; templateArgs: string[] }>;
}

export interface CompileKernelsOptions {
  filename: string;
  template?: Record<string, string>;
  /** `-I` folders searched for `#include "name"` after the including file's own folder */
  includeDirs?: string[];
  /** `-D NAME=VALUE` */
  defines?: Record<string, string>;
}

/** Reads local headers for the preprocessor: next to the including file, then each `-I` folder. */
export function fileIncludeHost(includeDirs: string[] = []): PreprocessHost {
  return {
    include(name, fromFile) {
      for (const dir of [dirname(fromFile), ...includeDirs]) {
        const path = join(dir, name);
        if (existsSync(path)) return { path, text: readFileSync(path, "utf8") };
      }
      return undefined;
    },
  };
}

/** Diagnostics point at the file and line a preprocessed line came from (an included header's, say). */
function relocate(d: Diagnostic, pre: Preprocessed): Diagnostic {
  const o = pre.origins[d.line - 1];
  return o ? { ...d, file: o.file, line: o.line } : d;
}

/** A message's `(line N)` references (K007 names the accesses it refuses) point where the diagnostic's own line does. */
function relocateLineRefs(d: Diagnostic, pre: Preprocessed, lineBack: (line: number) => number): Diagnostic {
  const message = d.message.replace(/\(line (\d+)\)/g, (_, n: string) => {
    const o = pre.origins[lineBack(Number(n)) - 1];
    if (!o) return `(line ${n})`;
    return o.file === d.file ? `(line ${o.line})` : `(${o.file.split("/").pop()}:${o.line})`;
  });
  return message === d.message ? d : { ...d, message };
}

/**
 * Translate every `__global__` kernel of a CUDA file. `kernels` lists what translated; the module has
 * those and, for each kernel an error stopped, a stub that raises NotImplementedError with the
 * diagnostic (`python` is "" only when the file has no kernels).
 */
export function compileKernels(original: string, opts: CompileKernelsOptions): CompileKernelsResult {
  const pre = preprocessCuda(original, opts.filename, fileIncludeHost(opts.includeDirs), opts.defines);
  // PyTorch tensor accessors become a pointer and a sizes array (same lines), before anything reads the kernels
  const accessors = lowerTensorAccessors(pre.text);
  // a __constant__ array the host fills (cudaMemcpyToSymbol) becomes a parameter of the kernels reading it, also in the CUDA original
  // a struct parameter holding device pointers (ATen's TensorInfo, a Params struct) becomes its fields, also in the CUDA original
  // a kernel template over a traits struct takes the traits' own template parameters (MLX's template list has no structs)
  const flat = flattenStructParams(unfoldTraitsParams(accessors.text));
  const constants = carryHostConstants(flat.text);
  // a file-scope __device__ variable becomes a buffer parameter of the kernels using it, also in the CUDA original
  const deviceVars = carryDeviceVariables(constants.text);
  const lowered = { ...accessors, ...constants, text: deviceVars.text };
  // templates over a function pointer, one plain function per function given (Metal has no function pointers);
  // `source` stays the text before, the CUDA original that --verify runs
  // functions of one name in different namespaces renamed apart (`wt::loadFromGmem` → `wt__loadFromGmem`): the passes key them by name
  // libcu++'s block barrier and memcpy_async into it: a cooperative copy and __syncthreads
  // a struct's static __device__ member functions as free functions, which the buffer analysis follows
  // a thread-dependent `if` whose two arms wait at as many barriers, cut into segments between them (the CUDA
  // emulator cuts the original the same way, src/verify/cuda.ts; `source` stays as written)
  // then a kernel thread's `return` before a barrier keeps it alive but idle to the barriers (lines kept)
  const segmented = segmentBranchBarriers(lowered.text);
  const members = hoistStaticMembers(keepReturnedThreads(segmented.text));
  // function-object structs called at once (`Impl<float, 4>()(p, v)`) as the free function of the specialisation picked; lines kept
  const spec = specialiseFunctionTemplates(lowerBlockBarriers(mangleNamespaces(callFunctorsDirectly(members.text)).text));
  // kernel templates branching with `if constexpr` on a bool template parameter, one copy per value
  // a compare-exchange loop that only adds a 16-bit pair becomes the atomicAdd it is (same lines)
  const cx = specialiseConstexprIf(lowerCasAddLoops(spec.text));
  const lineBack = (line: number) => {
    const l = cx.lineOf[line - 1] ?? line - 1;
    const m = spec.lineOf[l] ?? l;
    const g = members.lineOf[m] ?? m;
    return (segmented.lineOf[g] ?? g) + 1;
  };
  const back = (d: Diagnostic) => relocateLineRefs(relocate({ ...d, line: lineBack(d.line) }, pre), pre, lineBack);
  const r = mergeConstexprCopies(compilePreprocessed(cx.text, opts, back, lowered.problems, lowered.carried, flat.flattened, deviceVars.carried), cx.copies);
  const instances = spec.instances.size ? { instances: Object.fromEntries(spec.instances) } : {};
  // a kernel specialised from a template is launched by its own name: the CUDA original gets its copy at the end
  const source = spec.kernelCopies ? `${lowered.text}\n${spec.kernelCopies}\n` : lowered.text;
  return { ...r, source, diagnostics: r.diagnostics.map(back), ...instances };
}

function compilePreprocessed(
  source: string,
  opts: CompileKernelsOptions,
  relocated: (d: Diagnostic) => Diagnostic,
  accessorProblems: AccessorProblem[],
  carriedConstants: CarriedConstant[],
  flattened: FlattenedParam[] = [],
  deviceVariables: CarriedDeviceVariable[] = [],
): Omit<CompileKernelsResult, "source"> {
  const bag = new DiagnosticBag(opts.filename);
  const tree = parseCuda(source);
  const unit = extractKernelUnit(tree.rootNode, source, opts.filename, bag);
  unit.halfFamilies = instantiatedHalfFamilies(unit, opts.template);
  for (const p of accessorProblems) reportKernel(bag, "C2M-K026", { row: p.row, column: p.column }, p.message);
  for (const c of carriedConstants)
    reportKernel(
      bag,
      "C2M-K043",
      { row: c.row, column: c.column },
      `'${c.name}' is a __constant__ variable the host fills with cudaMemcpyToSymbol (line ${c.declRow + 1}); Metal's program-scope constants are fixed in the shader source, so kernel '${c.kernel}' takes it as an input: pass the host's copy as its argument '${c.name}'`,
    );
  for (const v of deviceVariables)
    reportKernel(
      bag,
      "C2M-K052",
      { row: v.row, column: v.column },
      `'${v.name}' is a file-scope __device__ variable (line ${v.declRow + 1}); Metal has no program-scope device memory, so kernel '${v.kernel}' takes it as a buffer of ${v.count} element${v.count === "1" ? "" : "s"}, its argument '${v.name}': pass the array the host reads back (cudaMemcpyFromSymbol) or fills (cudaMemcpyToSymbol)${v.init !== undefined ? `, holding ${v.init} (its initializer) before the first launch and what the last launch left after it` : ""}`,
    );
  if (unit.kernels.length === 0) {
    reportKernel(bag, "C2M-K013", { row: 0, column: 0 }, "no __global__ kernels in this file");
    return { python: "", kernels: [], refused: [], launchers: [], diagnostics: bag.items };
  }
  for (const k of unit.kernels)
    for (const spec of k.explicitSpecialisations ?? [])
      reportKernel(
        bag,
        "C2M-K002",
        position(spec.node),
        `explicit specialisation ${k.name}<${named(spec.specialisation!)
          .map((a) => a.text)
          .join(
            ", ",
          )}> of kernel template '${k.name}' is not translated: mx.fast.metal_kernel gives a kernel one body for all its template arguments, and c2m does not merge a specialisation's body into the template's; the translation runs the template's own body, and its wrapper raises for these arguments`,
      );
  const analyses = analyseKernels(unit, bag);
  for (const a of analyses.values()) markSixteenBitWords(a);
  const names = functionNames(unit);
  const pyKernels: PythonKernel[] = [];
  const compiled: CompiledKernel[] = [];
  const stubs: KernelStub[] = [];
  const refused: CompileKernelsResult["refused"] = [];
  const nameless: Diagnostic[] = [];
  for (const k of unit.kernels) {
    const a = analyses.get(k.name)!;
    const itemsBefore = bag.items.length;
    reportFileScopeVariables(unit, k, bag);
    reportHostOnlyCalls(unit, k, bag);
    reportMemberPointerCalls(unit, k, bag);
    reportDivergentBarriers(unit, k, bag);
    const metal = printKernel(unit, a, bag);
    // per kernel: an error in this kernel (or in what it reaches) stubs it; the file's other kernels are still emitted
    const own = errorsAt(unit, k, bag.items);
    const fresh = bag.items.slice(itemsBefore).find((d) => d.severity === "error");
    if (!a.ok || fresh || own.length) {
      const why = own[0] ?? fresh ?? bag.items.find((d) => d.severity === "error");
      const all = [...new Set([...(why ? [why] : []), ...own, ...bag.items.slice(itemsBefore).filter((d) => d.severity === "error")])];
      // a kernel whose name did not parse has no function to stand in for: its errors are marked at the top
      if (/^[A-Za-z_]\w*$/.test(k.name))
        stubs.push({
          kernel: k,
          functionName: names.get(k.name)!,
          diagnostic: why ? stubReason(relocated(why)) : "not translated",
          markers: all.map((d) => stubReason(relocated(d))),
        });
      else nameless.push(...all);
      if (why) refused.push({ name: k.name, diagnostic: relocated(why) });
      continue;
    }
    const defaults = templateDefaults(k.templateParams, opts.template ?? {});
    const cuda = printCudaKernel(unit, a);
    const structParams = flattened.filter((f) => f.kernel === k.name);
    const flatOf = structParams.length ? { structParams } : {};
    pyKernels.push({ kernel: k, analysis: a, metal, cuda, functionName: names.get(k.name)!, templateDefaults: defaults.python, ...flatOf });
    compiled.push({ ...describe(k.name, a, metal, names.get(k.name)!), cuda, templateDefaults: defaults.values, ...flatOf });
  }
  // host launchers
  const macros = pythonMacros(unit);
  const hctx: HostContext = { unit, analyses, kernelFunctionName: (n) => names.get(n)!, helpers: new Map(), macros, bag };
  const launchers: LauncherTranslation[] = [];
  const ok = new Set(pyKernels.map((p) => p.kernel.name));
  for (const h of unit.hostFunctions) {
    const launched = kernelsLaunchedBy(h);
    if (!launched.length) continue;
    if (launched.some((n) => !ok.has(n))) continue; // a kernel it launches did not translate (already reported)
    const l = translateLauncher(h, hctx);
    if (l) launchers.push(l);
  }
  for (const c of compiled) c.launch = { launchers: launchers.filter((l) => l.launches.some((x) => x.kernel === c.name)).map((l) => l.name) };
  const pyMacros = new Set<string>();
  for (const l of launchers) for (const m of macrosUsed(l.lines.join("\n"), macros)) pyMacros.add(m);
  for (const h of hctx.helpers.values()) for (const m of macrosUsed(h, macros)) pyMacros.add(m);
  const fileErrors = bag.items.filter((d) => d.severity === "error" && (nameless.includes(d) || !unit.kernels.some((k) => errorsAt(unit, k, [d]).length)));
  const python =
    !pyKernels.length && !stubs.length
      ? ""
      : emitKernelModule(
          opts.filename.split("/").pop() ?? opts.filename,
          pyKernels,
          launchers,
          [...hctx.helpers.values()],
          [...macros.entries()].filter(([n]) => pyMacros.has(n)),
          unit.pybindDefs
            .filter((d) => pyName(d.name) !== pyName(d.target) && launchers.some((l) => l.name === pyName(d.target)))
            .map((d) => [pyName(d.name), pyName(d.target)] as [string, string]),
          stubs,
          fileErrors.map((d) => stubReason(relocated(d))),
        );
  return {
    python,
    kernels: compiled,
    refused,
    launchers: launchers.map((l) => ({ name: l.name, params: l.params, kernels: [...new Set(l.launches.map((x) => x.kernel))] })),
    diagnostics: bag.items,
  };
}

/** Error diagnostics located in the kernel or in a declaration it reaches (a device function, struct, macro). */
function errorsAt(unit: KernelUnit, k: KernelUnit["kernels"][number], diags: Diagnostic[]): Diagnostic[] {
  const reached = reachableDeclarations(unit, k);
  const nodes = [
    k.node,
    ...unit.deviceFunctions.filter((f) => reached.has(f.name)).map((f) => f.node),
    // a specialisation (`AtomicAddIntegerImpl<scalar, 1>`) is reached by its template's name
    ...unit.structs.filter((s) => reached.has(s.name) || reached.has(templateBase(s.name))).map((s) => s.node),
    ...unit.enums.filter((e) => e.names.some((n) => reached.has(n))).map((e) => e.node),
    ...unit.macros.filter((m) => reached.has(m.name)).map((m) => m.node),
  ];
  const inside = (d: Diagnostic) =>
    nodes.some((n) => {
      const at = [d.line - 1, d.col - 1];
      const after = (p: { row: number; column: number }) => at[0]! > p.row || (at[0] === p.row && at[1]! >= p.column);
      const before = (p: { row: number; column: number }) => at[0]! < p.row || (at[0] === p.row && at[1]! <= p.column);
      return after(n.startPosition) && before(n.endPosition);
    });
  return diags.filter((d) => d.severity === "error" && inside(d));
}

/** `C2M-K005 cooperative groups are not translated (at file:12:3)`: what a stub raises and its marker says. */
function stubReason(d: Diagnostic): string {
  return `${d.code} ${d.message.split("\n")[0]} (at ${d.file}:${d.line}:${d.col})`;
}

/**
 * Command-line template arguments (`--template T=float BLOCK=256`) become the defaults of the kernel
 * function's template keywords, so a template kernel with no launch site in the file is callable
 * without them. A value that does not fit the parameter is ignored here and reported by the command.
 */
function templateDefaults(params: TemplateParam[], given: Record<string, string>): { python: Record<string, string>; values: Record<string, MlxDtype | number | boolean> } {
  const python: Record<string, string> = nameTable({});
  const values: Record<string, MlxDtype | number | boolean> = nameTable({});
  for (const t of params) {
    const v = Object.hasOwn(given, t.name) ? given[t.name] : undefined;
    if (v === undefined) continue;
    if (t.kind === "type") {
      const s = SCALAR_TYPES[v.trim()] ?? (Object.values(SCALAR_TYPES).find((x) => x.mlx === v.trim()) as (typeof SCALAR_TYPES)[string] | undefined);
      if (!s) continue;
      python[t.name] = `mx.${s.mlx}`;
      values[t.name] = s.mlx;
    } else if (t.kind === "bool" && /^(true|false)$/.test(v)) {
      python[t.name] = v === "true" ? "True" : "False";
      values[t.name] = v === "true";
    } else if (/^-?\d+$/.test(v)) {
      python[t.name] = v;
      values[t.name] = Number(v);
    }
  }
  return { python, values };
}

/** Python names: a kernel keeps its name unless a host function already has it. */
function functionNames(unit: KernelUnit): Map<string, string> {
  const taken = new Set(unit.hostFunctions.map((h) => pyName(h.name)));
  return new Map(unit.kernels.map((k) => [k.name, taken.has(pyName(k.name)) ? `${pyName(k.name)}_kernel` : pyName(k.name)]));
}

function describe(name: string, a: KernelAnalysis, metal: MetalKernel, pythonFunction: string): Omit<CompiledKernel, "cuda"> {
  const params: KernelParamInfo[] = [];
  for (const p of a.kernel.params) {
    const plan = a.buffers.find((b) => b.param === p.name);
    if (!plan) {
      const t = p.type;
      params.push({
        name: p.name,
        kind: "scalar",
        dtype:
          t.kind === "template"
            ? t.name
            : t.kind === "scalar"
              ? SCALAR_TYPES[t.name].mlx
              : t.kind === "vector"
                ? (SCALAR_TYPES[VECTOR_TYPES[t.name]!.elem]?.mlx ?? "float32")
                : "float32",
        // as the Metal printer spells it (a name like one of MLX's thread attributes gets a trailing underscore)
        inputName: a.assignedScalars.has(p.name) || t.kind === "vector" ? `${metalName(p.name)}_arg` : metalName(p.name),
        ...(t.kind === "vector" ? { vector: { type: t.name, width: t.width } } : {}),
      });
      continue;
    }
    const e = plan.pointee;
    const dtype = e.kind === "template" ? e.name : e.kind === "scalar" ? SCALAR_TYPES[e.name].mlx : e.kind === "vector" ? SCALAR_TYPES[VECTOR_TYPES[e.name].elem].mlx : "float32";
    const mname = e.kind === "vector" ? `${p.name}_elems` : p.name;
    const info: KernelParamInfo = { name: p.name, kind: "buffer", role: plan.role, dtype };
    if (plan.role === "input" || plan.role === "unused") info.inputName = mname;
    if (plan.role === "output" || plan.role === "atomic-accumulate") info.outputName = mname;
    if (plan.role === "inout-copy") {
      info.inputName = `${mname}_in`;
      info.outputName = mname;
      info.maskName = `${mname}_touched`;
      if (plan.readThrough) info.readThrough = true;
    }
    if (plan.role === "atomic-accumulate") info.combine = ATOMIC_ACCUMULATE[plan.atomicOp!]!.combine;
    if (plan.words16) {
      info.outputName = `${mname}_words`;
      info.words16 = true;
    }
    if (plan.foldsFetched) info.inputName = `${mname}_in`;
    if (plan.handOver || plan.handedOverReads) info.handOver = true;
    if (plan.ownIndexStores) info.ownIndexStores = true;
    if (plan.writeOnly) info.writeOnly = true;
    params.push(info);
  }
  const acc = a.buffers.find((b) => b.role === "atomic-accumulate");
  return {
    name,
    spec: {
      name,
      input_names: metal.inputNames,
      output_names: metal.outputNames,
      source: metal.source,
      header: metal.header,
      ensure_row_contiguous: true,
      atomic_outputs: metal.atomicOutputs,
    },
    params,
    // with what the printer learnt of each (an enum parameter's values)
    templateParams: a.kernel.templateParams.map((t) => metal.templateParams.find((m) => m.name === t.name) ?? t),
    ...(metal.templateParams.some((t) => t.name === SHARED_BYTES_TEMPLATE) ? { sharedBytesTemplate: SHARED_BYTES_TEMPLATE } : {}),
    initValue: acc ? atomicInit(acc) : 0,
    pythonFunction,
    ...(a.buffers.some((b) => b.ownAccess?.oneThreadgroup) ? { oneThreadgroup: true } : {}),
    ...singleBlockAlong(a),
    ...launchMultiples(metal),
  };
}

function launchMultiples(metal: MetalKernel): { launchMultiples?: Record<string, number> } {
  const out: Record<string, number> = {};
  for (const c of metal.launchChecks) for (const [p, m] of Object.entries(c.multiples ?? {})) out[p] = Math.max(out[p] ?? 1, m);
  return Object.keys(out).length ? { launchMultiples: out } : {};
}

function singleBlockAlong(a: KernelAnalysis): { singleBlockAlong?: ("x" | "y" | "z")[] } {
  const dims = (["x", "y", "z"] as const).filter((d) => a.buffers.some((b) => b.singleBlockAlong?.includes(d)));
  return dims.length ? { singleBlockAlong: dims } : {};
}

export type Dim3 = number | number[];
export type CallArg = { shape: number[]; dtype: MlxDtype } | number | number[];

/**
 * The per-call fields of an MLX kernel call, computed exactly as the emitted Python launch function
 * computes them: `grid` (threads) = CUDA grid (blocks) × block, `threadgroup` = block, output shapes from
 * the caller's buffers, the template list (with the dynamic shared-memory size), init_value. `inputs`
 * says, per input name, which argument feeds it (scalars become 0-d arrays of the given dtype).
 */
export function planKernelCall(
  k: CompiledKernel,
  args: Record<string, CallArg>,
  launch: { grid: Dim3; block: Dim3; sharedMem?: number; template?: Record<string, MlxDtype | number | boolean>; cuda?: boolean },
): {
  inputs: { name: string; arg: string; scalar?: { value: number; dtype: string }; vector?: { values: number[]; dtype: string } }[];
  template: [string, MlxDtype | number | boolean][];
  grid: [number, number, number];
  threadgroup: [number, number, number];
  output_shapes: number[][];
  output_dtypes: string[];
  init_value: number;
  /** outputs to fold into the caller's array afterwards: output name → combine expression */
  combine: { output: string; arg: string; combine: string }[];
  /** in-place outputs: where `mask` is 0 the caller's array keeps its value */
  merge: { output: string; mask: string; arg: string }[];
  /** 16-bit float atomic outputs passed as uint32 words: the first `count` 16-bit elements of the words are the output */
  words: { output: string; arg: string; count: number; dtype: string }[];
} {
  const d3 = (v: Dim3): [number, number, number] => {
    const a = Array.isArray(v) ? v : [v];
    return [a[0] ?? 1, a[1] ?? 1, a[2] ?? 1];
  };
  const g = d3(launch.grid);
  const b = d3(launch.block);
  const tmpl = { ...(k.templateDefaults ?? {}), ...(launch.template ?? {}) };
  const resolve = (dtype: string) => (tmpl[dtype] !== undefined ? String(tmpl[dtype]) : dtype);
  const inputs: { name: string; arg: string; scalar?: { value: number; dtype: string }; vector?: { values: number[]; dtype: string } }[] = [];
  const shapes: number[][] = [];
  const dtypes: string[] = [];
  const combine: { output: string; arg: string; combine: string }[] = [];
  const merge: { output: string; mask: string; arg: string }[] = [];
  const maskShapes: number[][] = [];
  const maskDtypes: string[] = [];
  const words: { output: string; arg: string; count: number; dtype: string }[] = [];
  for (const p of k.params) {
    const a = args[p.name];
    if (p.kind === "scalar" && p.vector) {
      if (!Array.isArray(a) || a.length !== p.vector.width) throw new Error(`planKernelCall: argument '${p.name}' (${p.vector.type}) needs ${p.vector.width} numbers`);
      inputs.push({ name: p.inputName!, arg: p.name, vector: { values: a, dtype: resolve(p.dtype) } });
      continue;
    }
    if (p.kind === "scalar") {
      if (typeof a !== "number") throw new Error(`planKernelCall: scalar argument '${p.name}' needs a number`);
      inputs.push({ name: p.inputName!, arg: p.name, scalar: { value: a, dtype: resolve(p.dtype) } });
      continue;
    }
    if (p.inputName) inputs.push({ name: p.inputName, arg: p.name });
    if (p.outputName) {
      if (typeof a !== "object" || Array.isArray(a)) throw new Error(`planKernelCall: buffer argument '${p.name}' needs a shape and dtype`);
      const dtype = resolve(p.dtype);
      if (p.words16 && !launch.cuda && SIXTEEN_BIT_DTYPES.includes(dtype)) {
        // Metal has no 16-bit atomics: two elements a 32-bit word (emit/metal-atomic16.ts), viewed back after
        const count = a.shape.reduce((x, y) => x * y, 1);
        words.push({ output: p.outputName, arg: p.name, count, dtype });
        shapes.push([Math.ceil(count / 2)]);
        dtypes.push("uint32");
      } else {
        shapes.push(a.shape);
        dtypes.push(dtype);
      }
      if (p.combine) combine.push({ output: p.outputName, arg: p.name, combine: p.combine });
      if (p.maskName) {
        merge.push({ output: p.outputName, mask: p.maskName, arg: p.name });
        maskShapes.push(a.shape);
        maskDtypes.push(inPlaceMaskDtype(k.spec.atomic_outputs, p.readThrough));
      }
    }
  }
  const template: [string, MlxDtype | number | boolean][] = k.templateParams.map((t) => {
    const v = tmpl[t.name];
    if (v === undefined) throw new Error(`planKernelCall: template argument '${t.name}' missing`);
    return [t.name, v];
  });
  if (k.sharedBytesTemplate) template.push([k.sharedBytesTemplate, Math.max(launch.sharedMem ?? 0, 16)]);
  return {
    inputs,
    template,
    grid: [g[0] * b[0], g[1] * b[1], g[2] * b[2]],
    threadgroup: b,
    output_shapes: [...shapes, ...maskShapes],
    output_dtypes: [...dtypes, ...maskDtypes],
    init_value: k.initValue,
    combine,
    merge,
    words,
  };
}
