/**
 * Pass `kernel-buffers`: how each kernel uses its pointer parameters and shared arrays, and what each
 * pointer becomes in the MLX kernel (BufferPlan). CUDA kernels write through pointers; MLX kernels read
 * inputs and write fresh outputs, so a pointer that is read *and* written needs care: see BufferRole in
 * ir/kernel.ts for the translations chosen and the conditions each needs. A read-write buffer that fits
 * none of them is refused (C2M-K007) rather than translated into a kernel that reads uninitialised
 * output memory.
 */
import type { CudaNode } from "../../grammar/cuda.js";
import type { AtomicOp, BufferPlan, BufferUse, KFunction, KernelUnit, SharedArray } from "../../ir/kernel.js";
import type { DiagnosticBag } from "../../ir/diagnostics.js";
import { cubBlockAccess } from "./cub-io.js";
import { sharedViewCall, sharedViewTemplates } from "./shared-view.js";
import { ATOMIC_FUNCTIONS, CACHE_HINTS, POINTER_HINTS } from "./tables.js";
import { accesses128, castIsAccessed, vectorCastSpan } from "./vector-access.js";
import { type AliasDef, pointsInto } from "./inout-moves.js";
export type { AliasDef } from "./inout-moves.js";
export { accessNode, SHARED_IN_PLACE, type OwnAlias } from "./inout-plans.js";
import { baseType, calleeName, callArgs, declaratorType, field, fields, qualifierWords, unparen, walk } from "./cst.js";
import { planBuffers } from "./buffer-plans.js";
import { atomicInit, elemInfo, pointee, pointerMembers, same } from "./buffer-values.js";
export { atomicInit, elemInfo, pointee, pointerMembers, same } from "./buffer-values.js";

export type Root = { kind: "param" | "shared"; name: string };

export interface AccessSite {
  root: Root;
  /** the whole lvalue (`y[i]`, `buf[a][b]`, `*(p + 1)`, `y[i].x`) */
  node: CudaNode;
  read: boolean;
  write: boolean;
  /** `ops`: a device function's atomics on the pointer it is given, all of them (`op` is the first) */
  atomic?: { op: AtomicOp; ops?: AtomicOp[]; call: CudaNode };
  /** `y[E]` straight on the parameter, or `r[E]` on a local pointer into it (no cast): E's text */
  directIndex?: string;
  /** the local pointer the access goes through (`r` in `r[E]`) */
  via?: string;
  indirect: boolean;
  /**
   * a helper's 128-bit access at the pointer it is given (llm.c's load128/store128 through Packed128:
   * `*reinterpret_cast<const int4*>(address)`): the node is the argument (`residual + c`), the access
   * reaches the 16 bytes from there (inout-plans.ts spanParts)
   */
  span128?: boolean;
  /**
   * a cache hint's address (`__ldcs(r + t3)`, `__stcs(p, v)`): the node is that argument, the access is the one
   * element there (inout-plans.ts spanParts splits it into base and offset)
   */
  hintAddress?: boolean;
}

export interface KernelAnalysis {
  kernel: KFunction;
  buffers: BufferPlan[];
  uses: Map<string, BufferUse>;
  shared: SharedArray[];
  /** local pointer variable → what it points into */
  aliases: Map<string, Root>;
  /**
   * local pointers declared `T* r = param [+ offset]`: how often declared or assigned, and the offset;
   * `terms` for `param + a + b…` (the offset is then `r - param`)
   */
  aliasDefs: Map<string, AliasDef>;
  accesses: AccessSite[];
  /** true when some output is updated with atomics: MLX then declares every output atomic */
  atomicOutputs: boolean;
  /** scalar parameters the body assigns to (they get a local copy) */
  assignedScalars: Set<string>;
  /** the kernel (or a device function it calls) uses dynamic shared memory */
  dynamicShared?: SharedArray;
  ok: boolean;
}

const norm = (s: string) => s.replace(/\s+/g, "");

const NULL_POINTER = /^(NULL|nullptr|0|\(\s*\w+\s*\*\s*\)\s*(NULL|nullptr|0))$/;

/**
 * `auto p = out + i * w;` (mmdetection3d's voxelization, torchsparse): a declaration whose type is deduced from a
 * value pointing into a buffer, shared array or alias is an alias as `T* p = ...` is (`auto* p` is a pointer already).
 */
export function autoPointer(decl: CudaNode, d: CudaNode, scope: { params: Set<string>; shared: Set<string>; aliases: Map<string, Root> }): boolean {
  if (field(decl, "type")?.type !== "placeholder_type_specifier" || d.type !== "init_declarator" || field(d, "declarator")?.type !== "identifier") return false;
  return rootOf(field(d, "value"), scope) !== undefined;
}

/** What a pointer-valued expression points into, following aliases, casts and pointer arithmetic. */
export function rootOf(expr: CudaNode | null, scope: { params: Set<string>; shared: Set<string>; aliases: Map<string, Root> }): Root | undefined {
  if (!expr) return undefined;
  const e = unparen(expr);
  switch (e.type) {
    case "identifier":
      if (scope.aliases.has(e.text)) return scope.aliases.get(e.text);
      if (scope.params.has(e.text)) return { kind: "param", name: e.text };
      if (scope.shared.has(e.text)) return { kind: "shared", name: e.text };
      return undefined;
    case "cast_expression":
      return rootOf(field(e, "value"), scope);
    case "binary_expression": {
      const op = field(e, "operator")?.text;
      if (op !== "+" && op !== "-") return undefined;
      return rootOf(field(e, "left"), scope) ?? (op === "+" ? rootOf(field(e, "right"), scope) : undefined);
    }
    case "pointer_expression":
      if (field(e, "operator")?.text === "&") return rootOf(field(e, "argument"), scope);
      return undefined;
    case "conditional_expression": {
      // `master ? master + off : NULL` (llm.c's adamw_kernel3 handing a helper an optional buffer): the buffer the
      // non-null branches point into, when it is one
      const roots = [field(e, "consequence"), field(e, "alternative")].filter((b) => b && !NULL_POINTER.test(unparen(b).text)).map((b) => rootOf(b, scope));
      const first = roots[0];
      return first && roots.every((r) => r?.kind === first.kind && r.name === first.name) ? first : undefined;
    }
    case "subscript_expression":
    case "field_expression":
      return rootOf(field(e, "argument"), scope);
    case "call_expression": {
      const name = calleeName(e);
      if (name && (/^(reinterpret_cast|static_cast|const_cast)$/.test(name) || POINTER_HINTS.has(name))) return rootOf(callArgs(e)[0], scope);
      return undefined;
    }
    default:
      return undefined;
  }
}

export function analyseKernels(unit: KernelUnit, bag: DiagnosticBag): Map<string, KernelAnalysis> {
  const deviceUses = new Map<string, Map<number, BufferUse>>();
  const deviceByName = new Map(unit.deviceFunctions.map((f) => [f.name, f]));
  const analyseDevice = (f: KFunction, stack: string[]): Map<number, BufferUse> => {
    const cached = deviceUses.get(f.name);
    if (cached) return cached;
    const res = new Map<number, BufferUse>();
    deviceUses.set(f.name, res); // recursion guard (recursion itself is reported by the printer)
    if (stack.includes(f.name)) return res;
    // a call may resolve to any overload of the name (which one, the launch's template arguments decide): what
    // each does with its parameter i, together (pytorch_scatter's atomAdd: atomics in some, a CAS loop in others)
    for (const g of unit.deviceFunctions.filter((x) => x.name === f.name)) {
      const a = analyseFunction(g, unit, deviceByName, (h) => analyseDevice(h, [...stack, f.name]), bag);
      g.params.forEach((p, i) => {
        const u = a.uses.get(p.name);
        if (u) res.set(i, unionUse(res.get(i), u));
      });
    }
    return res;
  };
  const out = new Map<string, KernelAnalysis>();
  for (const k of unit.kernels) {
    const a = analyseFunction(k, unit, deviceByName, (g) => analyseDevice(g, [k.name]), bag);
    planBuffers(a, unit, bag);
    out.set(k.name, a);
  }
  return out;
}

function unionUse(a: BufferUse | undefined, b: BufferUse): BufferUse {
  if (!a) return b;
  return { read: a.read || b.read, write: a.write || b.write, atomics: new Set([...a.atomics, ...b.atomics]), plain: a.plain || b.plain, indirect: a.indirect || b.indirect };
}

function analyseFunction(f: KFunction, unit: KernelUnit, devices: Map<string, KFunction>, deviceUse: (g: KFunction) => Map<number, BufferUse>, bag: DiagnosticBag): KernelAnalysis {
  const templateNames = new Set(f.templateParams.filter((t) => t.kind === "type").map((t) => t.name));
  const structNames = new Set(unit.structs.map((s) => s.name));
  const pointerParams = f.params.filter((p) => p.type.kind === "pointer");
  const scope = { params: new Set(pointerParams.map((p) => p.name)), shared: new Set<string>(), aliases: new Map<string, Root>() };
  const shared: SharedArray[] = [];
  const accesses: AccessSite[] = [];
  const uses = new Map<string, BufferUse>();
  const assignedScalars = new Set<string>();
  const aliasDefs = new Map<string, AliasDef>();
  const localPointers = new Set<string>();
  const scalarParams = new Set(f.params.filter((p) => p.type.kind !== "pointer").map((p) => p.name));
  const constParams = new Set(pointerParams.filter((p) => p.type.kind === "pointer" && p.type.isConst).map((p) => p.name));
  const use = (name: string): BufferUse => {
    let u = uses.get(name);
    if (!u) uses.set(name, (u = { read: false, write: false, atomics: new Set(), plain: false, indirect: false }));
    return u;
  };
  let ok = true;

  walk(f.body, (n) => {
    if (n.type === "declaration") {
      const quals = qualifierWords(n);
      const isShared = quals.some((q) => q.includes("__shared__"));
      const leadingConst = quals.includes("const");
      const base = baseType(field(n, "type"), templateNames, structNames);
      for (const d of fields(n, "declarator")) {
        const { type, name, arrayDims } = declaratorType(base, d, leadingConst);
        if (!name) continue;
        const view = f.kind === "global" && type.kind === "pointer" && d.type === "init_declarator" && sharedViewCall(field(d, "value"), sharedViewTemplates(unit), unit);
        if (isShared || view) {
          // `T *sdata = SharedMemory<T>();` in a kernel is the launch's dynamic shared memory (passes/kernel/shared-view.ts)
          scope.shared.add(name);
          const elem = view && type.kind === "pointer" ? type.pointee : type;
          shared.push({ name, elem, dims: view ? [] : arrayDims.map((x) => x.text), dynamic: !!view || quals.includes("extern"), atomic: false, node: n });
        } else if (type.kind === "pointer" || autoPointer(n, d, scope)) {
          const init = d.type === "init_declarator" ? field(d, "value") : null;
          const r = rootOf(init, scope);
          if (r) scope.aliases.set(name, r);
          localPointers.add(name);
          const prev = aliasDefs.get(name);
          const u = init ? unparen(init) : null;
          const simple = pointsInto(u, scope.params);
          aliasDefs.set(name, simple && !prev ? { ...simple, writes: 1, decl: n } : { param: "", writes: (prev?.writes ?? 0) + 2 });
        } else {
          // a local that shadows a parameter name stops being that parameter
          scope.aliases.delete(name);
        }
      }
    }
    if (n.type === "assignment_expression") {
      const left = unparen(field(n, "left")!);
      if (left.type === "identifier") {
        if (scalarParams.has(left.text)) assignedScalars.add(left.text);
        // a local pointer declared without a value and pointed later (mmcv's border_align: `T *offset_grad_input, ...;`
        // then `offset_grad_input = grad_input + ...;`) points where it is assigned, as one declared with it does
        if (scope.aliases.has(left.text) || localPointers.has(left.text)) {
          const r = rootOf(field(n, "right"), scope);
          if (r) scope.aliases.set(left.text, r);
        }
        const def = aliasDefs.get(left.text);
        // `x = out + idx * C;` as a statement of the kernel's body: the alias now points there (flow order is text order)
        const top = field(n, "operator")?.text === "=" && n.parent?.type === "expression_statement" && n.parent.parent === f.body;
        const target = top ? pointsInto(unparen(field(n, "right")!), scope.params) : undefined;
        if (def && target && def.decl) (def.moves ??= []).push({ node: n, ...target });
        else if (def) def.writes++;
      }
    }
    if (n.type === "update_expression") {
      const arg = unparen(field(n, "argument")!);
      if (arg.type === "identifier" && scalarParams.has(arg.text)) assignedScalars.add(arg.text);
    }
    if (n.type === "call_expression") {
      const name = calleeName(n);
      const args = callArgs(n);
      if (name && ATOMIC_FUNCTIONS[name] && args[0]) {
        const r = rootOf(args[0], scope);
        if (r) {
          const target = unparen(args[0]);
          accesses.push({ root: r, node: target, read: true, write: true, atomic: { op: ATOMIC_FUNCTIONS[name], call: n }, indirect: false });
        }
      } else if (name && CACHE_HINTS[name] && args[0]) {
        // __ldcs(p) reads *p, __stcs(p, v) writes it; `&y[i]` is seen at the subscript (below), a pointer here
        const target = unparen(args[0]);
        const r = rootOf(args[0], scope);
        const viaSubscript = target.type === "pointer_expression" && field(target, "operator")?.text === "&";
        if (r && !viaSubscript)
          accesses.push({ root: r, node: target, read: CACHE_HINTS[name] === "load", write: CACHE_HINTS[name] === "store", indirect: true, hintAddress: true });
      } else if (cubBlockAccess(n, unit.source)) {
        const io = cubBlockAccess(n, unit.source)!;
        const r = rootOf(io.pointer, scope);
        if (r) accesses.push({ root: r, node: io.pointer, read: !io.write, write: io.write, indirect: true });
      } else if (name && devices.has(name)) {
        const callee = devices.get(name)!;
        const calleeUses = deviceUse(callee);
        args.forEach((arg, i) => {
          const r = rootOf(arg, scope);
          if (!r) return;
          const cu = calleeUses.get(i);
          accesses.push({
            root: r,
            node: arg,
            read: cu?.read ?? false,
            write: cu?.write ?? false,
            indirect: true,
            // every op the helper applies (pytorch_scatter's atomic_write: add, min, max or a CAS loop, by its template argument)
            ...(cu && cu.atomics.size ? { atomic: { op: [...cu.atomics][0]!, ops: [...cu.atomics], call: n } } : {}),
            ...(accesses128(callee, i) ? { span128: true } : {}),
          });
        });
      }
    }
    if (n.type === "subscript_expression" || (n.type === "pointer_expression" && field(n, "operator")?.text === "*")) {
      // only the outermost lvalue of a chain like buf[a][b] or y[i].x counts
      const parent = n.parent;
      if (parent && (parent.type === "subscript_expression" || parent.type === "field_expression") && same(field(parent, "argument"), n)) return;
      const base = field(n, "argument");
      const r = rootOf(base, scope);
      if (!r) return;
      let lv: CudaNode = n;
      while (lv.parent && lv.parent.type === "field_expression" && same(field(lv.parent, "argument"), lv)) lv = lv.parent;
      while (lv.parent && lv.parent.type === "parenthesized_expression") lv = lv.parent;
      const p = lv.parent;
      let read = true;
      let write = false;
      if (p?.type === "assignment_expression" && same(field(p, "left"), lv)) {
        write = true;
        read = field(p, "operator")?.text !== "=";
      } else if (p?.type === "update_expression") {
        write = true;
      } else if (p?.type === "pointer_expression" && field(p, "operator")?.text === "&") {
        // &y[i]: an atomic's target (handled at the call), __ldg's argument (a read), or an escape; an atomic's
        // target may be cast first (`atomicInc((unsigned int *)&y[5], 17)`)
        let arg: CudaNode = p;
        while (arg.parent && (arg.parent.type === "cast_expression" || arg.parent.type === "parenthesized_expression")) arg = arg.parent;
        const castCall = arg !== p && arg.parent?.parent?.type === "call_expression" ? calleeName(arg.parent.parent) : undefined;
        if (castCall && ATOMIC_FUNCTIONS[castCall]) return;
        const call = p.parent?.parent;
        const callee = call?.type === "call_expression" ? calleeName(call) : undefined;
        if (callee && ATOMIC_FUNCTIONS[callee]) return;
        // `reinterpret_cast<float4*>(&A[i])[0]` (SGEMM_CUDA's vector loads): the access is the cast's own subscript or
        // dereference, or goes through the local pointer the cast initialises, each recorded where it is (rootOf follows the cast)
        if (callee && /^(reinterpret_cast|static_cast|const_cast)$/.test(callee) && castIsAccessed(call!)) return;
        if (callee && CACHE_HINTS[callee] === "store" && same(callArgs(call!)[0] ?? null, p)) {
          write = true;
          read = false;
        } else if (!(callee && CACHE_HINTS[callee] === "load")) {
          if (callee && devices.has(callee)) return; // handled at the device call
          // an address into a `const T*` parameter is only read through (writing needs a const_cast, not followed)
          write = !(r.kind === "param" && constParams.has(r.name) && !/\bconst_cast\b/.test(f.body.text));
        }
      }
      // `reinterpret_cast<float4*>(&C[E])[0]` (SGEMM_CUDA's vectorised epilogue): 16 bytes from element E, the
      // address its access — as a 128-bit helper's argument is (span128), so an in-place C copies those in on first touch
      const span = vectorCastSpan(n);
      if (span) {
        accesses.push({ root: r, node: span, read, write, indirect: true, span128: true });
        return true;
      }
      const b = unparen(base!);
      const direct = n.type === "subscript_expression" && b.type === "identifier" && scope.params.has(b.text) && !scope.aliases.has(b.text);
      const viaAlias = n.type === "subscript_expression" && b.type === "identifier" && scope.aliases.has(b.text);
      const idx = direct || viaAlias ? field(n, "indices") : null;
      accesses.push({
        root: r,
        node: lv,
        read,
        write,
        indirect: !direct,
        ...(viaAlias ? { via: b.text } : {}),
        ...(idx ? { directIndex: norm(idx.text.replace(/^\[|\]$/g, "")) } : {}),
      });
    }
    return true;
  });

  for (const a of accesses) {
    if (a.root.kind === "param") {
      const u = use(a.root.name);
      if (a.atomic) for (const op of a.atomic.ops ?? [a.atomic.op]) u.atomics.add(op);
      else {
        u.plain = true;
        u.read ||= a.read;
        u.write ||= a.write;
      }
      u.indirect ||= a.indirect;
    } else if (a.atomic) {
      const s = shared.find((x) => x.name === a.root.name);
      if (s) s.atomic = true;
    }
  }
  void bag;
  return {
    kernel: f,
    buffers: [],
    uses,
    shared,
    aliases: scope.aliases,
    aliasDefs,
    accesses,
    atomicOutputs: false,
    assignedScalars,
    dynamicShared: shared.find((s) => s.dynamic),
    ok,
  };
}
