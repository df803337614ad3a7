/**
 * Pass `kernel-buffers`: how each kernel uses its pointer parameters and shared arrays, and what each
 * pointer becomes in the MLX kernel (BufferPlan). CUDA kernels write through pointers; MLX kernels read
 * inputs and write fresh outputs, so a pointer that is read *and* written needs care: see BufferRole in
 * ir/kernel.ts for the translations chosen and the conditions each needs. A read-write buffer that fits
 * none of them is refused (C2M-K007) rather than translated into a kernel that reads uninitialised
 * output memory.
 */
import type { CudaNode } from "../../grammar/cuda.js";
import type { AtomicOp, BufferPlan, BufferUse, KFunction, KType, KernelUnit, SharedArray } from "../../ir/kernel.js";
import type { DiagnosticBag } from "../../ir/diagnostics.js";
import { cubBlockAccess } from "./cub-io.js";
import { sharedViewCall, sharedViewTemplates } from "./shared-view.js";
import { reportKernel } from "../../ir/kernel-diagnostics.js";
import { ATOMIC_ACCUMULATE, ATOMIC_FUNCTIONS, CACHE_HINTS, POINTER_HINTS, SCALAR_TYPES } from "./tables.js";
import { accessPair } from "./ownership.js";
import { accesses128, castIsAccessed, vectorCastSpan } from "./vector-access.js";
import { helperCopy } from "./helper-copy.js";
import { everyGroupUpdates, NO_GRID_ORDER, readAcrossGroups } from "./cross-group.js";
import { handOverAtomicsGap, inHandOver, lastArriverGuards, passOn, spinWait } from "./hand-over.js";
import { type AliasDef, pointsInto } from "./inout-moves.js";
export type { AliasDef } from "./inout-moves.js";
import { isDeviceVariable } from "./device-vars.js";
import { blocksSharing, ownAccess, ownerCopy, proveOwnership, refuse as refuseNow } from "./inout-plans.js";
export { accessNode, SHARED_IN_PLACE, type OwnAlias } from "./inout-plans.js";
import { baseType, calleeName, callArgs, declaratorType, field, fields, position, qualifierWords, resultUsed, unparen, walk } from "./cst.js";
import { nameTable } from "../../ir/tables.js";

export type Root = { kind: "param" | "shared"; name: string };

export interface AccessSite {
  root: Root;
  /** the whole lvalue (`y[i]`, `buf[a][b]`, `*(p + 1)`, `y[i].x`) */
  node: CudaNode;
  read: boolean;
  write: boolean;
  atomic?: { op: AtomicOp; call: CudaNode };
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

/** `param + a + b …` (left-nested sums) → the param and the added terms. */

export const same = (a: CudaNode | null | undefined, b: CudaNode | null | undefined): boolean =>
  !!a && !!b && a.startIndex === b.startIndex && a.endIndex === b.endIndex && a.type === b.type;

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

/** A buffer's element type, for sizing and dtypes: `float*` → float. */
function pointee(t: KType): KType {
  return t.kind === "pointer" ? t.pointee : t;
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
            ...(cu && cu.atomics.size ? { atomic: { op: [...cu.atomics][0], call: n } } : {}),
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
      if (a.atomic) u.atomics.add(a.atomic.op);
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

/** Structs of PyTorch's headers known to hold a device pointer: ATen's TensorInfo (`T* data` with sizes and strides). */
const POINTER_HOLDING_LIBRARY_STRUCTS: Record<string, string> = nameTable({ "at::cuda::detail::TensorInfo": "data" });

/** The pointer members of a struct parameter's type (`x_ptr, weight_ptr`), or undefined when it holds none c2m can see. */
function pointerMembers(typeText: string, unit: KernelUnit): string | undefined {
  const name = typeText
    .replace(/\b(const|volatile|struct)\b/g, "")
    .replace(/<[\s\S]*$/, "")
    .replace(/[&\s]/g, "");
  if (POINTER_HOLDING_LIBRARY_STRUCTS[name]) return POINTER_HOLDING_LIBRARY_STRUCTS[name];
  const s = unit.structs.find((x) => x.name === name);
  if (!s) return undefined;
  const members = [...s.node.text.matchAll(/\*\s*(?:__restrict__\s+|const\s+)*([A-Za-z_]\w*)\s*(?:\[[^\]]*\]\s*)?;/g)].map((m) => m[1]!);
  return members.length ? members.slice(0, 4).join(", ") + (members.length > 4 ? ", ..." : "") : undefined;
}

/** Atomics whose result depends on the element's current value, not only on what is added in: no init_value can stand in for the caller's. */
const FROM_CURRENT = new Set<AtomicOp>(["exch", "cas", "inc", "dec"]);

/** Decide each pointer parameter's role (see BufferRole). */
function planBuffers(a: KernelAnalysis, unit: KernelUnit, bag: DiagnosticBag): void {
  const k = a.kernel;
  // a kernel's refusals are reported with those that name a Metal limit first: the kernel's refusal is its first
  const limits: (() => void)[] = [];
  const gaps: (() => void)[] = [];
  // `limit`: the refusal names a limit of Metal or mx.fast.metal_kernel; "K046" when it is an element passed between threadgroups
  const refuse = (a0: KernelAnalysis, bag0: DiagnosticBag, param: string, why: string, shared = true, limit: boolean | "K046" = false) =>
    (limit ? limits : gaps).push(() => refuseNow(a0, bag0, param, why, shared, limit === "K046" ? "C2M-K046" : "C2M-K007"));
  // threadgroups that wait on each other are a limit of Metal; the last one to arrive taking over is not (hand-over.ts)
  const spin = spinWait(a.accesses, k.body);
  if (spin)
    limits.push(() => {
      reportKernel(bag, "C2M-K046", position(spin.loop), `kernel '${k.name}': ${spin.why}`);
      a.ok = false;
    });
  const guards = spin ? [] : lastArriverGuards(k.body);
  const handedOver = (n: CudaNode) => inHandOver(n, guards);
  for (const p of k.params) {
    if (p.type.kind !== "pointer") {
      if (p.type.kind === "struct" || p.type.kind === "unknown" || p.type.kind === "reference") {
        const typeText = p.node.text.replace(/\s*\b\w+\s*$/, "");
        const pointers = pointerMembers(typeText, unit);
        if (pointers)
          reportKernel(
            bag,
            "C2M-K049",
            position(p.node),
            `kernel parameter '${p.name}' of type '${typeText}' is a struct passed by value that holds device pointers (${pointers}) that c2m cannot pass field by field (a pointer to pointers, an array of pointers, or the struct used whole other than as an argument of a device function): mx.fast.metal_kernel binds every input as an array or a scalar of its own and gives the kernel no array's address to store in a struct`,
          );
        else reportKernel(bag, "C2M-K012", position(p.node), `kernel parameter '${p.name}' of type '${typeText}' cannot be passed to an MLX kernel`);
        a.ok = false;
      }
      continue;
    }
    if (p.type.pointee.kind === "struct" || p.type.pointee.kind === "unknown" || p.type.pointee.kind === "pointer") {
      reportKernel(
        bag,
        "C2M-K012",
        position(p.node),
        `kernel parameter '${p.name}' points to '${p.node.text.replace(/\s*\b\w+\s*$/, "")}': MLX passes typed arrays of numbers, not structs or pointer tables; pass the fields as separate arrays or scalars`,
      );
      a.ok = false;
      continue;
    }
    if (p.defaultValue)
      reportKernel(
        bag,
        "C2M-K041",
        position(p.defaultValue),
        `kernel parameter '${p.name}' defaults to ${p.defaultValue.text}: an MLX kernel gets an array for every buffer, so a launch cannot leave it out and a test of it against ${p.defaultValue.text} is never true`,
      );
    const u = a.uses.get(p.name);
    const plan: BufferPlan = { param: p.name, role: "input", pointee: pointee(p.type) };
    a.buffers.push(plan);
    if (!u || (!u.read && !u.write && u.atomics.size === 0)) {
      plan.role = "unused";
      continue;
    }
    if (u.atomics.size > 0) {
      // atomicSub is an atomicAdd of the negation: both start from 0 and fold in with +
      const ops = [...u.atomics].every((o) => o === "add" || o === "sub") ? [...new Set([...u.atomics].map(() => "add" as const))] : [...u.atomics];
      const elem = elemInfo(plan.pointee);
      const acc = ATOMIC_ACCUMULATE[ops[0]];
      const init = acc?.init(elem.signed, elem.bits, !elem.integer);
      if (u.plain && (u.read || u.write)) {
        const mine = a.accesses.filter((x) => x.root.kind === "param" && x.root.name === p.name);
        const across = readAcrossGroups(mine, k.body);
        const atomics = mine.filter((x) => x.atomic);
        // the atomic that threads of every threadgroup make, when there is one
        const atomic = atomics.find((x) => everyGroupUpdates(x, k.body)) ?? atomics[0];
        const plain = mine.find((x) => !x.atomic && (x.read || x.write));
        const plainReads = mine.filter((x) => !x.atomic && x.read);
        const handOverGap = plainReads.length > 0 && plainReads.every((x) => handedOver(x.node)) ? handOverAtomicsGap(guards, atomics) : undefined;
        if (handOverGap) refuse(a, bag, p.name, handOverGap, false);
        else if (across) refuse(a, bag, p.name, across, false, "K046");
        else if (atomic && everyGroupUpdates(atomic, k.body) && FROM_CURRENT.has(atomic.atomic!.op))
          // a compare-exchange loop (llm.c's layernorm_backward_kernel4 adds bf16 pairs through atomicCAS): its plain
          // read is only a first guess, but the exchange computes from the element's current value, the caller's
          refuse(
            a,
            bag,
            p.name,
            `threads of every threadgroup update its elements with atomic ${atomic.atomic!.op} (${accessPair(atomic.atomic!.call)}: the index does not depend on the threadgroup), which computes from the element's current value; that must be the caller's before any threadgroup's atomic, but an mx.fast.metal_kernel output is a fresh array (atomic outputs start from init_value), so only a thread of the dispatch could copy the caller's values in, and ${NO_GRID_ORDER}${atomic.atomic!.op === "cas" ? ". (A compare-exchange loop that only adds could start from 0 and have the caller's values added after the launch, as an atomicAdd output does; c2m does not recognise such loops.)" : ""}`,
            false,
            "K046",
          );
        else if (atomic && everyGroupUpdates(atomic, k.body))
          refuse(
            a,
            bag,
            p.name,
            `threads of every threadgroup update its elements with atomics (${accessPair(atomic.atomic!.call)}: the index does not depend on the threadgroup), and it is also ${plain?.write ? "written" : "read"} without them (${plain ? accessPair(plain.node) : "a plain access"}), which must see the caller's value and the atomics of the other threadgroups: an MLX atomic output starts from init_value (the caller's values are folded in only after the launch), and copying them in before any threadgroup's atomic needs every threadgroup to wait for the copy; ${NO_GRID_ORDER}`,
            false,
            "K046",
          );
        else
          refuse(
            a,
            bag,
            p.name,
            `it is updated with atomics (${atomic ? accessPair(atomic.atomic!.call) : "an atomic"}) and also read or written without them (${plain ? accessPair(plain.node) : "a plain access"}): an MLX atomic output starts from init_value, and other threadgroups' atomics reach its elements`,
          );
      } else if (ops.length > 1) {
        const fromCurrent = ops.filter((o) => FROM_CURRENT.has(o));
        refuse(
          a,
          bag,
          p.name,
          `it is updated with several atomic operations (${ops.join(", ")}), which need different starting values, and MLX's metal_kernel gives every output one init_value${
            fromCurrent.length
              ? `; ${fromCurrent.join(", ")} compute from the element's current value, which must be the caller's before any threadgroup's atomic: an mx.fast.metal_kernel output is a fresh array, so only a thread of the dispatch could copy the caller's values in, and ${NO_GRID_ORDER}`
              : ""
          }`,
          false,
          fromCurrent.length ? "K046" : true,
        );
      } else if (!acc || init === undefined) {
        refuse(
          a,
          bag,
          p.name,
          `atomic ${ops[0]} on ${elem.name} has no identity value that MLX's init_value can hold exactly, so the caller's data cannot be folded in afterwards`,
          false,
          true,
        );
      } else {
        plan.role = "atomic-accumulate";
        plan.atomicOp = ops[0];
        if (a.accesses.some((x) => x.root.kind === "param" && x.root.name === p.name && x.atomic && ATOMIC_FUNCTIONS[calleeName(x.atomic.call) ?? ""] && resultUsed(x.atomic.call)))
          plan.foldsFetched = true;
      }
      continue;
    }
    if (!u.write) continue; // input
    if (!u.read) {
      // a file-scope __device__ variable taken as a buffer (passes/kernel/device-vars.ts) keeps its value where no
      // thread writes it (graclus's `done_d = false` only for a node left uncoloured): each write takes its element
      // over, and the wrapper keeps the caller's value elsewhere. Sound for any writers: no thread reads it, so an
      // element's last store is some thread's write, as in CUDA
      const own = isDeviceVariable(unit, p.name) ? ownAccess(a, p.name, true) : undefined;
      if (own && typeof own !== "string") {
        plan.role = "inout-copy";
        plan.ownAccess = own;
      } else plan.role = "output";
      continue;
    }
    const mine = a.accesses.filter((x) => x.root.kind === "param" && x.root.name === p.name);
    const across = readAcrossGroups(mine, k.body);
    const passed = passOn(mine, k.body, guards);
    if (typeof passed === "string") refuse(a, bag, p.name, passed, false);
    else if (passed) {
      // every read is the last threadgroup's, after its ticket: an atomic output, ordered by the fence before the ticket
      plan.role = "output";
      plan.handOver = true;
    }
    if (passed) continue;
    if (across) {
      refuse(a, bag, p.name, across, false, "K046");
      continue;
    }
    // one copy site before the statements that touch the element when there is one (vector elements
    // are copied whole, so they always go through c2m_own); else a copy at the first touch of each access
    const single = plan.pointee.kind === "vector" ? "vector" : ownerCopy(a, p.name);
    // reached only through one call of a device function: copied in before the call, at the helper's index (helper-copy.ts)
    const viaHelper = typeof single === "string" && single !== "vector" ? helperCopy(a, unit, p.name) : undefined;
    if (typeof viaHelper === "string") {
      refuse(a, bag, p.name, viaHelper);
      continue;
    }
    if (viaHelper) {
      plan.role = "inout-copy";
      plan.copyBeforeCall = viaHelper;
      if (viaHelper.singleBlockAlong.length) plan.singleBlockAlong = viaHelper.singleBlockAlong;
      continue;
    }
    const owner = typeof single === "string" ? single : (proveOwnership(a, p.name) ?? single);
    const own = typeof owner === "string" ? ownAccess(a, p.name) : undefined;
    if (typeof own === "string") refuse(a, bag, p.name, own);
    else {
      plan.role = "inout-copy";
      const rows = blocksSharing(a, p.name);
      if (rows.length) plan.singleBlockAlong = rows;
      if (own) plan.ownAccess = own;
      else plan.copyAt = owner as Exclude<typeof owner, string>;
    }
  }
  const outputs = a.buffers.filter((b) => b.role === "output" || b.role === "atomic-accumulate" || b.role === "inout-copy");
  a.atomicOutputs = outputs.some((b) => b.role === "atomic-accumulate" || b.handOver);
  if (a.atomicOutputs) {
    const inits = new Set(outputs.filter((b) => b.role === "atomic-accumulate").map((b) => atomicInit(b)));
    if (inits.size > 1) {
      reportKernel(
        bag,
        "C2M-K007",
        position(k.node),
        `kernel '${k.name}' has atomic outputs that need different starting values (${[...inits].join(", ")}); MLX gives all outputs one init_value`,
      );
      a.ok = false;
    }
    // MLX then declares every output atomic<T> (atomic_outputs is one flag): an in-place buffer copied in at one
    // site has its copy-in and its accesses printed as atomic loads and stores; c2m_own hands out a plain reference
    for (const b of outputs.filter((x) => x.role === "inout-copy" && x.ownAccess)) {
      refuse(
        a,
        bag,
        b.param,
        "the kernel also has atomic outputs, and MLX's metal_kernel then declares every output atomic (atomic_outputs is one flag); this buffer's elements are copied in at their first touch through a plain reference, which a Metal atomic element does not have",
        false,
      );
    }
  }
  for (const report of [...limits, ...gaps]) report();
  void unit;
}

export function atomicInit(b: BufferPlan): number {
  const elem = elemInfo(b.pointee);
  return ATOMIC_ACCUMULATE[b.atomicOp!]!.init(elem.signed, elem.bits, !elem.integer)!;
}

export function elemInfo(t: KType): { name: string; integer: boolean; signed: boolean; bits: number } {
  if (t.kind === "scalar") {
    const s = SCALAR_TYPES[t.name];
    if (s) return { name: t.name, integer: s.integer, signed: s.signed, bits: s.bits };
  }
  if (t.kind === "template") return { name: t.name, integer: false, signed: true, bits: 32 };
  return { name: t.kind === "vector" ? t.name : "?", integer: false, signed: true, bits: 32 };
}
