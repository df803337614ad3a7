/**
 * Pass `kernel-extract`: a tree-sitter-cuda tree → KernelUnit (kernels, device functions, structs,
 * macros, host launchers). Pure: reads the tree, reports located diagnostics, writes nothing.
 */
import type { CudaNode } from "../../grammar/cuda.js";
import type { HostFunction, KEnum, KernelUnit, KFunction, KMacro, KParam, KStruct, KType, TemplateParam } from "../../ir/kernel.js";
import type { DiagnosticBag } from "../../ir/diagnostics.js";
import { enumParamsAsInt } from "./enum-params.js";
import { reportKernel } from "../../ir/kernel-diagnostics.js";
import {
  baseType,
  calleeName,
  callArgs,
  cIntegerLiteral,
  declaratorName,
  declaratorType,
  declaresFunction,
  field,
  fields,
  kids,
  named,
  position,
  qualifierWords,
  walk,
} from "./cst.js";

export function extractKernelUnit(root: CudaNode, source: string, filename: string, bag: DiagnosticBag): KernelUnit {
  const unit: KernelUnit = {
    filename,
    source,
    root,
    kernels: [],
    deviceFunctions: [],
    structs: [],
    enums: [],
    macros: [],
    hostFunctions: [],
    pybindDefs: [],
    globals: [],
    constants: [],
    prototypes: [],
  };
  reportSyntaxErrors(root, bag);
  const structNames = new Set<string>();
  for (const n of named(root)) {
    const s = n.type === "struct_specifier" ? n : n.type === "declaration" ? named(n).find((c) => c.type === "struct_specifier") : undefined;
    const name = s ? field(s, "name")?.text : undefined;
    if (s && name && field(s, "body")) structNames.add(name);
  }
  const visitTop = (n: CudaNode) => {
    switch (n.type) {
      case "preproc_def":
      case "preproc_function_def": {
        const name = field(n, "name")?.text;
        if (name) unit.macros.push({ name, text: n.text.trimEnd(), node: n } satisfies KMacro);
        return;
      }
      case "enum_specifier":
        addEnum(unit, n, n);
        return;
      case "struct_specifier":
      case "declaration":
      case "type_definition": {
        const e = named(n).find((c) => c.type === "enum_specifier");
        // `typedef enum {...} Kind;` is carried whole; `enum E {...} e;` carries the enum, the variable is a global as any other
        if (e) addEnum(unit, e, n.type === "type_definition" ? n : e);
        const s = n.type === "struct_specifier" ? n : named(n).find((c) => c.type === "struct_specifier");
        const name = s ? field(s, "name")?.text : undefined;
        if (s && name && field(s, "body")) unit.structs.push({ name, node: n } satisfies KStruct);
        else if (n.type === "type_definition" && field(n, "type")?.type === "template_type") {
          // `typedef Packed128<float> f128;`: an alias of a class template's instance, carried with it
          const alias = field(n, "declarator");
          if (alias?.type === "type_identifier") unit.structs.push({ name: alias.text, node: n });
        } else if (n.type === "declaration") {
          // variables, not prototypes (`__global__ void k(float*);`)
          const constant = isCarriedConstant(n);
          for (const d of fields(n, "declarator")) {
            if (declaresFunction(d)) continue;
            const v = declaratorName(d);
            if (v) (constant ? unit.constants : unit.globals).push({ name: v, node: n });
          }
        }
        return;
      }
      case "template_declaration": {
        const inner = named(n).find((c) => c.type === "function_definition");
        if (inner) visitFunction(inner, n, templateParams(n));
        const proto = named(n).find((c) => c.type === "declaration");
        if (proto) visitPrototype(proto, n);
        // a class template (`template <class T> struct Packed128 {...}`): Metal has templates, so it is carried as written
        const s = named(n).find((c) => c.type === "struct_specifier" || c.type === "class_specifier");
        const name = s ? field(s, "name")?.text : undefined;
        if (s && name && field(s, "body")) unit.structs.push({ name, node: n, template: true });
        // a class template only declared (apex's `template <typename T> struct SharedMemory;`, defined by its explicit
        // specialisations): carried with them, which C++ cannot specialise without it
        else if (s && name && !name.includes("<") && /^\s*template\s*<[^;{}]*>\s*(?:struct|class)\s+\w+\s*;\s*$/.test(n.text)) unit.structs.push({ name, node: n, template: true });
        return;
      }
      case "function_definition":
        visitFunction(n, n, []);
        return;
      case "preproc_ifdef":
      case "preproc_if":
      case "linkage_specification":
      case "declaration_list":
      case "namespace_definition":
        for (const c of named(n)) visitTop(c);
        return;
    }
  };
  const visitFunction = (fn: CudaNode, whole: CudaNode, tparams: TemplateParam[]) => {
    const quals = qualifierWords(fn);
    const declarator = field(fn, "declarator");
    const body = field(fn, "body");
    if (!declarator || !body) return;
    const nameNode = field(declarator, "declarator");
    // an explicit specialisation (`template <> float cast_value<float, half>(half v)`) is reached by its template's name
    const specialisation = nameNode?.type === "template_function" && whole.type === "template_declaration" && !tparams.length ? field(nameNode, "arguments") : undefined;
    const name = (specialisation ? field(nameNode!, "name")?.text : nameNode?.text) ?? "";
    if (name === "PYBIND11_MODULE" || (!field(fn, "type") && /^PYBIND11_MODULE\b/.test(fn.text))) {
      collectPybind(body, unit);
      return;
    }
    const templateNames = new Set(tparams.filter((t) => t.kind === "type").map((t) => t.name));
    const params = parseParams(declarator, templateNames, structNames);
    const isGlobal = quals.includes("__global__");
    // a constexpr function is device code too (nvcc's --expt-relaxed-constexpr, which PyTorch's extension build passes)
    const isConstexpr = quals.includes("constexpr");
    const isDevice = (quals.includes("__device__") || isConstexpr) && !isGlobal;
    const returnType = baseType(field(fn, "type"), templateNames, structNames);
    if (isGlobal || isDevice) {
      const f: KFunction = {
        name,
        kind: isGlobal ? "global" : "device",
        templateParams: tparams,
        params,
        returnType,
        body,
        node: whole,
        qualifiers: quals,
        ...(specialisation ? { specialisation } : {}),
      };
      (isGlobal ? unit.kernels : unit.deviceFunctions).push(f);
      // the host's launch code may compute with it too
      if (!isConstexpr || quals.includes("__device__")) return;
    }
    const plist = field(declarator, "parameters");
    const hostParams = plist
      ? named(plist)
          .filter((p) => p.type === "parameter_declaration")
          .map((p) => ({ name: declaratorType({ kind: "unknown", text: "" }, field(p, "declarator"), false).name ?? "", type: p.text.replace(/\s*\b\w+\s*$/, "").trim() }))
      : [];
    const retText = field(fn, "type")?.text ?? "void";
    unit.hostFunctions.push({
      name,
      params: hostParams,
      returnType: retText,
      body,
      node: fn,
      pybind: false,
      torch: /\b(torch|at)::Tensor\b/.test(retText) || hostParams.some((p) => /\b(torch|at)::Tensor\b/.test(p.type)),
    } satisfies HostFunction);
  };
  const visitPrototype = (decl: CudaNode, whole: CudaNode) => {
    const declarator = field(decl, "declarator");
    const name = declarator?.type === "function_declarator" ? field(declarator, "declarator") : undefined;
    if (!declarator || name?.type !== "identifier" || !qualifierWords(decl).includes("__device__")) return;
    const tparams = templateParams(whole);
    const templateNames = new Set(tparams.filter((t) => t.kind === "type").map((t) => t.name));
    const params = parseParams(declarator, templateNames, structNames);
    unit.prototypes.push({ name: name.text, templateParams: tparams, params, returnType: baseType(field(decl, "type"), templateNames, structNames), node: whole });
  };
  for (const n of named(root)) visitTop(n);
  for (const h of unit.hostFunctions) h.pybind = unit.pybindDefs.some((d) => d.target === h.name);
  // a kernel template's explicit specialisation shares its name: it is the template's, not a kernel of its own
  // (else it would stand in for the template at every argument, mmcv's bbox_overlaps_cuda_kernel<at::Half>)
  for (const spec of unit.kernels.filter((k) => k.specialisation)) {
    const primary = unit.kernels.find((k) => k.name === spec.name && !k.specialisation && k.templateParams.length);
    if (!primary) continue;
    (primary.explicitSpecialisations ??= []).push(spec);
    unit.kernels.splice(unit.kernels.indexOf(spec), 1);
  }
  enumParamsAsInt(unit);
  dropDoubleTwins(unit, bag);
  return unit;
}

/** Records an enum with a body (a forward declaration `enum E : int;` names nothing new). */
function addEnum(unit: KernelUnit, spec: CudaNode, carried: CudaNode): void {
  const body = field(spec, "body");
  if (!body) return;
  const names = named(body)
    .filter((e) => e.type === "enumerator")
    .map((e) => field(e, "name")?.text)
    .filter((x): x is string => !!x);
  const name = field(spec, "name")?.text;
  if (name) names.unshift(name);
  if (carried.type === "type_definition") for (const d of fields(carried, "declarator")) if (d.type === "type_identifier") names.push(d.text);
  unit.enums.push({ names, node: carried, enumerators: enumValues(spec) } satisfies KEnum);
}

function templateParams(tdecl: CudaNode): TemplateParam[] {
  const list = field(tdecl, "parameters");
  if (!list) return [];
  const out: TemplateParam[] = [];
  for (const p of named(list)) {
    if (p.type === "type_parameter_declaration" || p.type === "optional_type_parameter_declaration") {
      const id = named(p).find((c) => c.type === "type_identifier" && c.fieldName !== "default_type");
      const def = field(p, "default_type")?.text;
      if (id) out.push({ name: id.text, kind: "type", ...(def ? { default: def } : {}) });
    } else if (p.type === "parameter_declaration" || p.type === "optional_parameter_declaration") {
      const name = field(p, "declarator")?.text;
      const t = field(p, "type")?.text ?? "int";
      const def = field(p, "default_value")?.text;
      if (name) out.push({ name, kind: t === "bool" ? "bool" : "int", type: t, ...(def ? { default: def } : {}) });
    }
  }
  return out;
}

function parseParams(declarator: CudaNode, templateNames: Set<string>, structNames: Set<string>): KParam[] {
  const plist = field(declarator, "parameters");
  if (!plist) return [];
  const out: KParam[] = [];
  for (const p of named(plist)) {
    // `int* partial_sums = NULL` is a parameter like any other (leaving it out dropped it from the signature)
    if (p.type !== "parameter_declaration" && p.type !== "optional_parameter_declaration") continue;
    const leadingConst = kids(p).some((c) => c.type === "type_qualifier" && c.text === "const");
    const base = baseType(field(p, "type"), templateNames, structNames);
    const { type: declared, name, arrayDims } = declaratorType(base, field(p, "declarator"), leadingConst);
    // `const uint32_t pos_grid[D]` (torch-ngp's fast_hash): C++ adjusts an array parameter to a pointer to its element
    const array = field(p, "declarator")?.type === "array_declarator" && arrayDims.length <= 1;
    const type: KType = array ? { kind: "pointer", pointee: declared, isConst: leadingConst, restrict: false } : declared;
    const defaultValue = field(p, "default_value") ?? undefined;
    if (name) out.push({ name, type, node: p, ...(defaultValue ? { defaultValue } : {}) });
  }
  return out;
}

function collectPybind(body: CudaNode, unit: KernelUnit): void {
  walk(body, (n) => {
    if (n.type === "call_expression") {
      const fn = field(n, "function");
      if (fn?.type === "field_expression" && field(fn, "field")?.text === "def") {
        const first = callArgs(n)[0];
        const target = callArgs(n)[1]?.text.replace(/^&/, "").trim();
        if (first?.type === "string_literal" && target && /^\w+$/.test(target)) unit.pybindDefs.push({ name: first.text.slice(1, -1), target });
      }
    }
  });
}

function reportSyntaxErrors(root: CudaNode, bag: DiagnosticBag): void {
  if (!root.hasError) return;
  walk(root, (n) => {
    if (n.type === "ERROR" || n.isMissing) {
      reportKernel(bag, "C2M-K001", position(n), n.isMissing ? `syntax error: missing ${n.type}` : `syntax error near '${n.text.slice(0, 40)}'`);
      return false;
    }
    return true;
  });
}

/** Kernel launches (`k<<<grid, block, smem>>>(args)`) under a node. */
export interface LaunchSite {
  node: CudaNode;
  kernel: string;
  templateArgs: CudaNode[];
  config: readonly CudaNode[];
  args: CudaNode[];
}

export function launchSites(node: CudaNode): LaunchSite[] {
  const out: LaunchSite[] = [];
  walk(node, (n) => {
    if (n.type !== "call_expression") return;
    const cfg = kids(n).find((c) => c.type === "kernel_call_syntax");
    if (!cfg) return;
    const fn = field(n, "function");
    const targs = fn?.type === "template_function" ? named(field(fn, "arguments") ?? fn).filter((c) => c.type !== "identifier") : [];
    out.push({ node: n, kernel: calleeName(n) ?? fn?.text ?? "?", templateArgs: targs, config: named(cfg), args: callArgs(n) });
  });
  return out;
}

/**
 * The names of the `__device__` functions, structs, enums (and their enumerators) and macros a kernel reaches, directly or through
 * each other (by identifier: a name that appears in the text counts as used).
 */
export function reachableDeclarations(unit: KernelUnit, kernel: KFunction): ReadonlySet<string> {
  // asked by the diagnostics and both printers, of a unit that does not change once extracted
  let used = reachable.get(kernel);
  if (!used) reachable.set(kernel, (used = findReachable(unit, kernel)));
  return used;
}
const reachable = new WeakMap<KFunction, ReadonlySet<string>>();

/** `SharedMemory<float>` → `SharedMemory`: the name an explicit specialisation is reached by. */
export const templateBase = (name: string): string => name.replace(/\s*<[\s\S]*$/, "");

function findReachable(unit: KernelUnit, kernel: KFunction): Set<string> {
  // a name may have several declarations: overloads (llm.c's two blockReduce), a struct and its typedef
  const nodes = new Map<string, CudaNode[]>();
  const add = (name: string, node: CudaNode) => nodes.set(name, [...(nodes.get(name) ?? []), node]);
  for (const m of unit.macros) add(m.name, m.node);
  // an explicit specialisation (`SharedMemory<float>`) comes with its template's name
  for (const s of unit.structs) add(templateBase(s.name), s.node);
  for (const f of unit.deviceFunctions) add(f.name, f.node);
  for (const p of unit.prototypes) add(p.name, p.node);
  for (const c of unit.constants) add(c.name, c.node);
  for (const e of unit.enums) for (const name of e.names) add(name, e.node);
  const used = new Set<string>();
  const queue: CudaNode[] = [kernel.node];
  while (queue.length) {
    const n = queue.pop()!;
    for (const id of new Set(n.text.match(/[A-Za-z_]\w*/g) ?? [])) {
      const d = nodes.get(id);
      if (!d || used.has(id)) continue;
      used.add(id);
      queue.push(...d);
    }
  }
  return used;
}

/** The enumerators of an enum and their values (C's: one more than the last, from 0; NaN after a value that is not an integer literal). */
function enumValues(e: CudaNode): { name: string; value: number }[] | undefined {
  const out: { name: string; value: number }[] = [];
  let next = 0;
  for (const m of named(field(e, "body")!)) {
    if (m.type !== "enumerator") continue;
    const name = field(m, "name")?.text;
    const v = field(m, "value");
    if (!name) return undefined;
    if (v) next = cIntegerLiteral(v.text) ?? Number.NaN;
    out.push({ name, value: next++ });
  }
  return out;
}

/**
 * A file-scope declaration whose values are in the file: `__constant__` or `const`, every declarator
 * initialised, not `extern`, `__shared__` or a mutable `__device__` variable. Its values are the same for
 * every launch, so a program-scope `constant` in the Metal header holds them exactly.
 */
export function isCarriedConstant(n: CudaNode): boolean {
  const quals = qualifierWords(n);
  if (quals.some((q) => /extern|__shared__|__managed__/.test(q))) return false;
  if (!quals.some((q) => q === "__constant__" || q === "const" || q === "constexpr")) return false;
  const decls = fields(n, "declarator");
  return decls.length > 0 && decls.every((d) => d.type === "init_declarator" && !!field(d, "value") && !declaresFunction(d) && !/\*/.test(field(d, "declarator")?.text ?? ""));
}

/** Why Metal has no place for a file-scope variable of this kind, by its CUDA qualifier (first match). */
const FILE_SCOPE_WHY: [RegExp, string][] = [
  [/\b__constant__\b/, "Metal's program-scope constant data is fixed in the shader source and the host cannot write it (cudaMemcpyToSymbol has no Metal equivalent)"],
  [/\b__shared__\b/, "Metal declares threadgroup memory only inside a kernel"],
  [/\b__device__\b/, "Metal has no program-scope device memory: its program-scope variables are constants"],
];

function fileScopeWhy(decl: string): string {
  return FILE_SCOPE_WHY.find(([re]) => re.test(decl))?.[1] ?? "Metal's program-scope variables are constants, and this one is not written with its value";
}

/**
 * Reports (C2M-K017, at the first use) each file-scope variable the kernel or a device function it
 * reaches uses, unless a parameter or local of that function of the same name shadows it. Returns
 * whether there was one.
 */
export function reportFileScopeVariables(unit: KernelUnit, kernel: KFunction, bag: DiagnosticBag): boolean {
  if (!unit.globals.length) return false;
  const globals = new Map(unit.globals.map((g) => [g.name, g.node]));
  const reached = reachableDeclarations(unit, kernel);
  const functions = [kernel, ...unit.deviceFunctions.filter((f) => reached.has(f.name))];
  let found = false;
  const reported = new Set<string>();
  for (const f of functions) {
    const own = new Set(f.params.map((p) => p.name));
    walk(f.body, (n) => {
      if (n.type === "declaration")
        for (const d of fields(n, "declarator")) {
          const v = declaratorName(d);
          if (v) own.add(v);
        }
    });
    walk(f.body, (n) => {
      if (n.type !== "identifier" || own.has(n.text) || reported.has(n.text)) return;
      const decl = globals.get(n.text);
      if (!decl) return;
      reported.add(n.text);
      found = true;
      const at = position(decl);
      reportKernel(bag, "C2M-K017", position(n), `'${n.text}' is a file-scope variable (line ${at.row + 1}: ${decl.text.split("\n")[0]!.trim()}); ${fileScopeWhy(decl.text)}`);
    });
  }
  return found;
}

/** A parameter type with double spelled float: what Metal, which has no double, makes of it (C2M-K011). */
function asMetalFloat(t: KType): string {
  if (t.kind === "scalar") return t.name === "double" ? "float" : t.name;
  if (t.kind === "pointer") return `${t.isConst ? "const " : ""}${asMetalFloat(t.pointee)}*`;
  if (t.kind === "reference") return `${t.isConst ? "const " : ""}${asMetalFloat(t.target)}&`;
  return JSON.stringify(t);
}

/**
 * An overload over double beside one over float of the same parameters otherwise (pytorch_scatter's `atomAdd(double *,
 * double)` beside `atomAdd(float *, float)`): Metal has no double and c2m computes double as float (C2M-K011), so in
 * Metal the two are one signature, and the float overload is what a call with any argument Metal has resolves to.
 * The double one is dropped, said with a warning, instead of printed as a second definition Metal rejects.
 */
function dropDoubleTwins(unit: KernelUnit, bag: DiagnosticBag): void {
  const signature = (f: KFunction) => `${f.name}<${f.templateParams.map((t) => t.kind).join(",")}>(${f.params.map((p) => asMetalFloat(p.type)).join(",")})`;
  const hasDouble = (f: KFunction) => f.params.some((p) => /\bdouble\b/.test(p.node.text));
  const plain = new Set(unit.deviceFunctions.filter((f) => !f.specialisation && !hasDouble(f)).map(signature));
  for (const f of [...unit.deviceFunctions]) {
    if (f.specialisation || !hasDouble(f) || !plain.has(signature(f))) continue;
    unit.deviceFunctions.splice(unit.deviceFunctions.indexOf(f), 1);
    reportKernel(
      bag,
      "C2M-K011",
      position(f.node),
      `overload '${f.name}' over double is not carried: Metal has no double, c2m computes double as float, and the overload over float, the same in Metal, serves its calls`,
    );
  }
}
