/**
 * Pass `kernel-struct-params`: a kernel parameter that is a struct passed by value and holds device
 * pointers (ATen's `TensorInfo<T, I>`, a `Params` struct of pointers and strides) cannot reach an
 * `mx.fast.metal_kernel`, which binds every input as an array or a scalar of its own. What a person
 * porting by hand does, done before the kernel is analysed: the parameter becomes its fields, each a
 * parameter named `<param>_<field>` (a pointer field a buffer, a `sizes[25]` array field a `const I*`
 * buffer, a scalar field a scalar; a nested struct field flattened again, `<param>_<field>_<sub>`);
 * `param.field` becomes `param_field` in the kernel and in every device function given the struct (by
 * value or reference), whose struct parameter is flattened the same way and whose calls pass the
 * pieces; a kernel launch passes `arg.field` for each piece; ATen's `IndexToOffset<T, I, D>::get(i, info)`
 * becomes a device function of the flattened pieces. Only the fields the file reads of a struct type
 * become parameters. The CUDA original that --verify runs is this text too. A struct used any other
 * way (its address taken, assigned, passed to a function c2m cannot flatten), or holding a pointer to
 * pointers or an array of pointers, stays as written (C2M-K049 names it). Same lines before and after
 * each change, so diagnostics stay located. Pure: text in, text out.
 */
import { parseCuda, type CudaNode } from "../../grammar/cuda.js";
import { callArgs, field, fields, named, qualifierWords, unparen, walk } from "./cst.js";
import { nameTable } from "../../ir/tables.js";

/** One field of a struct as a flattened parameter sees it. */
interface Field {
  name: string;
  /** element type text (template parameters of a library struct written as {0}, {1}) */
  type: string;
  kind: "pointer" | "array" | "scalar" | "struct";
  /** kind "struct": the field's struct type text */
  struct?: string;
  /** what a coherent value of the field is for a verify launch with no spec (a TensorInfo of one dimension of S elements) */
  synth?: PieceSynth;
}

/** A verify launch's value for a piece: an array field every element `fill` ("size": the launch's size S), a scalar field `scalar`. */
export interface PieceSynth {
  fill?: number | "size";
  scalar?: number;
}

interface StructShape {
  fields: Field[];
  /** why it cannot be flattened (a pointer to pointers, an array of pointers) */
  blocked?: string;
}

/** ATen's TensorInfo (ATen/cuda/detail/TensorInfo.cuh): `T* data; I sizes[25]; I strides[25]; int dims;`. */
const LIBRARY_STRUCTS: Record<string, Field[]> = nameTable({
  "at::cuda::detail::TensorInfo": [
    { name: "data", type: "{0}", kind: "pointer" },
    { name: "sizes", type: "{1}", kind: "array", synth: { fill: "size" } },
    { name: "strides", type: "{1}", kind: "array", synth: { fill: 1 } },
    { name: "dims", type: "int", kind: "scalar", synth: { scalar: 1 } },
  ],
});

/** ATen device helpers over a TensorInfo, by qualified name: what replaces a call (pieces of the info argument). */
const LIBRARY_CALLS: Record<string, { info: number; reads: string[]; helper: (index: string) => { name: string; text: string } }> = nameTable({
  "at::cuda::detail::IndexToOffset::get": {
    info: 1,
    reads: ["sizes", "strides", "dims"],
    helper: (I) => ({
      name: `c2m_index_to_offset_${I.replace(/\W/g, "_")}`,
      // ATen's dynamic-dims IndexToOffset; with static Dims it computes the same when info.dims == Dims
      text: `__device__ inline ${I} c2m_index_to_offset_${I.replace(/\W/g, "_")}(${I} linearId, const ${I}* sizes, const ${I}* strides, int dims) { ${I} offset = 0; for (int i = dims - 1; i > 0; --i) { offset += (linearId % sizes[i]) * strides[i]; linearId /= sizes[i]; } return offset + linearId * strides[0]; } `,
    }),
  },
});

const stripType = (t: string) =>
  t
    .replace(/\b(const|volatile|struct|class|typename)\b/g, "")
    .replace(/\s+/g, " ")
    .trim();

/** `at::cuda::detail::TensorInfo<int64_t, int>` → name and template arguments (top level only). */
function splitTemplate(t: string): { name: string; args: string[] } {
  const s = stripType(t).replace(/[&\s]+$/, "");
  const lt = s.indexOf("<");
  if (lt < 0) return { name: s.replace(/\s/g, ""), args: [] };
  const name = s.slice(0, lt).replace(/\s/g, "");
  const inner = s.slice(lt + 1, s.lastIndexOf(">"));
  const args: string[] = [];
  let depth = 0;
  let cur = "";
  for (const ch of inner) {
    if (ch === "<") depth++;
    if (ch === ">") depth--;
    if (ch === "," && depth === 0) {
      args.push(cur.trim());
      cur = "";
    } else cur += ch;
  }
  if (cur.trim()) args.push(cur.trim());
  return { name, args };
}

/** The struct definitions of the file (not templates), their fields with member type aliases followed, base classes first. */
function fileStructs(root: CudaNode): Map<string, StructShape> {
  const defs = new Map<string, CudaNode>();
  for (const c of named(root)) {
    const s = c.type === "struct_specifier" || c.type === "class_specifier" ? c : c.type === "declaration" ? named(c).find((x) => x.type === "struct_specifier") : undefined;
    const name = s ? field(s, "name")?.text : undefined;
    if (s && name && field(s, "body")) defs.set(name, s);
  }
  const out = new Map<string, StructShape>();
  const shape = (name: string, seen: Set<string>): StructShape | undefined => {
    if (out.has(name)) return out.get(name);
    const s = defs.get(name);
    if (!s || seen.has(name)) return undefined;
    seen.add(name);
    const result: StructShape = { fields: [] };
    const aliases = new Map<string, string>();
    for (const b of named(s)
      .filter((x) => x.type === "base_class_clause")
      .flatMap((x) => named(x))) {
      if (b.type !== "type_identifier") continue;
      const base = shape(b.text, seen);
      if (!base) return undefined;
      result.fields.push(...base.fields);
      result.blocked ??= base.blocked;
      for (const m of defs.get(b.text)!.text.matchAll(/\busing\s+(\w+)\s*=\s*([^;]+);/g)) aliases.set(m[1]!, m[2]!.trim());
    }
    for (const m of named(field(s, "body")!)) {
      if (m.type === "alias_declaration") aliases.set(field(m, "name")?.text ?? "", field(m, "type")?.text ?? "");
      if (m.type !== "field_declaration") continue;
      const typeNode = field(m, "type");
      if (!typeNode) continue;
      if (/\bstatic\b/.test(m.text.slice(0, typeNode.startIndex - m.startIndex))) continue;
      const base = aliases.get(typeNode.text) ?? typeNode.text;
      for (const d of fields(m, "declarator")) {
        let stars = 0;
        let array = false;
        let n: CudaNode | null = d;
        while (n && n.type !== "field_identifier") {
          if (n.type === "pointer_declarator") stars++;
          else if (n.type === "array_declarator") {
            if (stars) result.blocked ??= `field '${d.text}' is an array of pointers`;
            array = true;
          } else if (n.type !== "parenthesized_declarator") return undefined;
          n = field(n, "declarator");
        }
        if (!n) return undefined;
        if (stars > 1 || (stars && array)) result.blocked ??= `field '${n.text}' is ${stars > 1 ? "a pointer to pointers" : "an array of pointers"}`;
        const kind = stars ? "pointer" : array ? "array" : structFields(base, out, shape) ? "struct" : "scalar";
        result.fields.push({ name: n.text, type: base, kind, ...(kind === "struct" ? { struct: base } : {}) });
      }
    }
    out.set(name, result);
    return result;
  };
  for (const name of defs.keys()) shape(name, new Set());
  return out;
}

/** The fields of a struct type text (a file struct, or a library one with its template arguments put in), undefined for any other type. */
function structFields(typeText: string, file: Map<string, StructShape>, shape?: (name: string, seen: Set<string>) => StructShape | undefined): StructShape | undefined {
  const { name, args } = splitTemplate(typeText);
  const lib = LIBRARY_STRUCTS[name];
  if (lib) return { fields: lib.map((f) => ({ ...f, type: f.type.replace(/\{(\d)\}/g, (_, i: string) => args[Number(i)] ?? "int") })) };
  return file.get(name) ?? shape?.(name, new Set());
}

/** Whether the struct holds a device pointer, itself or in a nested struct. */
function holdsPointer(s: StructShape, file: Map<string, StructShape>): boolean {
  return s.fields.some((f) => f.kind === "pointer" || (f.kind === "struct" && holdsPointer(structFields(f.struct!, file)!, file)));
}

/** A struct parameter to flatten. */
interface Flat {
  name: string;
  shape: StructShape;
  param: CudaNode;
}

interface Fn {
  node: CudaNode;
  /** the function's own name (last segment: `get` of `IndexPtrToOffset<T>::get`) */
  name: string;
  kernel: boolean;
  flats: Flat[];
  /** index of each flattened parameter among the function's parameters */
  positions: Map<number, Flat>;
}

/** A struct parameter by value or by reference (not a pointer): of a kernel, any; of a device function, one holding a device pointer. */
function structParams(fn: CudaNode, file: Map<string, StructShape>, pointersOnly: boolean): { flats: Flat[]; positions: Map<number, Flat> } {
  const flats: Flat[] = [];
  const positions = new Map<number, Flat>();
  const plist = field(field(fn, "declarator")!, "parameters");
  named(plist ?? fn)
    .filter((p) => p.type === "parameter_declaration")
    .forEach((p, i) => {
      const decl = field(p, "declarator");
      const inner = decl?.type === "reference_declarator" ? named(decl).find((x) => x.type === "identifier") : decl;
      if (inner?.type !== "identifier") return;
      const typeNode = field(p, "type");
      const shape = typeNode ? structFields(typeNode.text, file) : undefined;
      if (!shape || shape.blocked || (pointersOnly && !holdsPointer(shape, file))) return;
      const f = { name: inner.text, shape, param: p };
      flats.push(f);
      positions.set(i, f);
    });
  return { flats, positions };
}

/**
 * A device function stays as written (and so do the structs its callers pass it) unless every call of its
 * name passes, at each of its struct positions, a struct parameter of the calling function (or a nested
 * struct field of one): a local struct has no pieces to pass.
 */
function dropCalledWithOthers(root: CudaNode, fns: Fn[], file: Map<string, StructShape>): void {
  for (let changed = true; changed; ) {
    changed = false;
    const devices = new Map<string, Fn[]>();
    for (const f of fns) if (!f.kernel) devices.set(f.name, [...(devices.get(f.name) ?? []), f]);
    const bad = new Set<string>();
    walk(root, (n) => {
      if (n.type !== "call_expression") return;
      const name = libraryCallee(n).split("::").pop()!;
      const cands = devices.get(name);
      if (!cands) return;
      let fn: CudaNode | null = n.parent;
      while (fn && fn.type !== "function_definition") fn = fn.parent;
      const owner = fns.find((f) => fn && same(f.node, fn));
      const flats = new Map((owner?.flats ?? []).map((x) => [x.name, x]));
      const args = callArgs(n);
      for (const c of cands)
        for (const i of c.positions.keys()) {
          const a = args[i];
          const fp = a ? fieldPath(a, flats) : undefined;
          if (!fp || !walkPath(fp.flat.shape, fp.path, file)?.shape) bad.add(name);
        }
    });
    for (let i = fns.length - 1; i >= 0; i--)
      if (!fns[i]!.kernel && bad.has(fns[i]!.name)) {
        fns.splice(i, 1);
        changed = true;
      }
  }
}

/** `p.a.b` rooted at a flattened parameter: the parameter and the field path; else undefined. */
function fieldPath(n: CudaNode, flats: Map<string, Flat>): { flat: Flat; path: string[] } | undefined {
  const path: string[] = [];
  let cur = n;
  while (cur.type === "field_expression" && field(cur, "operator")?.text === ".") {
    path.unshift(field(cur, "field")?.text ?? "");
    cur = field(cur, "argument")!;
  }
  if (cur.type !== "identifier") return undefined;
  const flat = flats.get(cur.text);
  return flat ? { flat, path } : undefined;
}

/** The shape at the end of a field path (a nested struct), or the leaf field. */
function walkPath(shape: StructShape, path: string[], file: Map<string, StructShape>): { shape?: StructShape; leaf?: Field } | undefined {
  let s = shape;
  for (let i = 0; i < path.length; i++) {
    const f = s.fields.find((x) => x.name === path[i]);
    if (!f) return undefined;
    if (f.kind !== "struct") return i === path.length - 1 ? { leaf: f } : undefined;
    s = structFields(f.struct!, file)!;
  }
  return { shape: s };
}

/** The pieces of a struct value (`prefix` its flattened name): one per field read anywhere in the file, nested structs expanded. */
function pieces(shape: StructShape, prefix: string, used: Set<string>, file: Map<string, StructShape>, path: string[] = []): { name: string; path: string[]; field: Field }[] {
  const out: { name: string; path: string[]; field: Field }[] = [];
  for (const f of shape.fields) {
    if (!used.has(f.name)) continue;
    if (f.kind === "struct") out.push(...pieces(structFields(f.struct!, file)!, `${prefix}_${f.name}`, used, file, [...path, f.name]));
    else out.push({ name: `${prefix}_${f.name}`, path: [...path, f.name], field: f });
  }
  return out;
}

/**
 * A `void*` field the function reads only through casts to one pointer type (causal-conv1d's
 * `reinterpret_cast<input_t *>(params.x_ptr)`), or compares with nullptr: a piece of that type, as a
 * person porting it would declare it (an MLX buffer has a dtype). A
 * type named by an alias of the function's body is written as the alias's definition; the casts, now of a
 * T* to T*, become the piece itself (`input_t *x = params_x_ptr + ...`: a row pointer into the buffer). Else unchanged.
 */
function typedVoidPointer<P extends { name: string; path: string[]; field: Field }>(p: P, fn: CudaNode, flat: Flat, casts: CudaNode[]): P {
  if (p.field.kind !== "pointer" || stripType(p.field.type.replace(/__restrict__/g, "")) !== "void") return p;
  const found: CudaNode[] = [];
  const body = field(fn, "body")!;
  const types = new Set<string>();
  let other = false;
  walk(body, (n) => {
    if (n.type !== "field_expression") return;
    const fp = fieldPath(n, new Map([[flat.name, flat]]));
    if (!fp || fp.path.join(".") !== p.path.join(".")) return;
    let up = n.parent;
    while (up?.type === "parenthesized_expression") up = up.parent;
    const call = up?.type === "argument_list" && callArgs(up.parent!).length === 1 ? up.parent! : undefined;
    const fnNode = call ? field(call, "function") : null;
    if (up?.type === "cast_expression") {
      types.add(field(up, "type")!.text);
      found.push(up);
    } else if (fnNode?.type === "template_function" && /^(reinterpret_cast|static_cast)$/.test(field(fnNode, "name")?.text ?? "")) {
      types.add(named(field(fnNode, "arguments")!)[0]?.text ?? "?");
      found.push(call!);
    } else if (
      !(
        up?.type === "binary_expression" &&
        /^[!=]=$/.test(field(up, "operator")?.text ?? "") &&
        /^(nullptr|NULL|0)$/.test(
          named(up)
            .find((c) => !same(c, n))
            ?.text.trim() ?? "",
        )
      )
    )
      other = true;
    return false;
  });
  const norm = [...types].map((t) =>
    stripType(t)
      .replace(/\s*\*\s*$/, "")
      .replace(/\s+/g, " "),
  );
  if (other || !norm.length || norm.some((t) => t !== norm[0]) || !/\*\s*$/.test([...types][0]!)) return p;
  let type = norm[0]!;
  // a type alias of the function's body (`using input_t = typename Ktraits::input_t;`) is not in scope in the parameter list
  const aliases = new Map<string, string>();
  for (const a of named(body)) {
    if (a.type === "alias_declaration") aliases.set(field(a, "name")?.text ?? "", field(a, "type")?.text ?? "");
    if (a.type === "type_definition") for (const d of fields(a, "declarator")) aliases.set(d.text, field(a, "type")?.text ?? "");
  }
  for (let i = 0; i < 4 && aliases.has(type); i++) type = aliases.get(type)!;
  casts.push(...found);
  // every cast to a pointer to const: so is the piece
  if ([...types].every((t) => /^\s*const\b/.test(t))) type = `const ${type}`;
  return { ...p, field: { ...p.field, type } };
}

function pieceParam(p: { name: string; field: Field }): string {
  const t = p.field.type.replace(/__restrict__/g, "").trim();
  if (p.field.kind === "pointer") return `${t}* ${p.name}`;
  if (p.field.kind === "array") return `const ${stripType(t)}* ${p.name}`;
  return `${t} ${p.name}`;
}

export interface FlattenedParam {
  kernel: string;
  param: string;
  type: string;
  pieces: { name: string; synth?: PieceSynth }[];
}

export interface StructParamsResult {
  text: string;
  /** kernel → flattened parameter → the pieces it became (`index_info` → `index_info_data, ...`), for the module's docs */
  flattened: FlattenedParam[];
}

export function flattenStructParams(source: string): StructParamsResult {
  if (!/\bstruct\b|TensorInfo/.test(source)) return { text: source, flattened: [] };
  const root = parseCuda(source).rootNode;
  const file = fileStructs(root);
  // functions (kernels and device functions) taking a flattenable struct
  const fns: Fn[] = [];
  walk(root, (n) => {
    if (n.type !== "function_definition") return;
    const decl = field(n, "declarator");
    if (decl?.type !== "function_declarator") return false;
    const words = qualifierWords(n);
    if (!words.includes("__device__") && !words.includes("__global__")) return false;
    const kernel = words.includes("__global__");
    // a kernel's struct of numbers only is passed field by field too; a device function's only when it holds a
    // pointer (a function over a struct of numbers, `dot(Vec3 a, Vec3 b)`, is called with locals)
    const { flats, positions } = structParams(n, file, !kernel);
    if (flats.length) {
      const name = (field(decl, "declarator")?.text ?? "")
        .replace(/<[\s\S]*$/, "")
        .split("::")
        .pop()!;
      fns.push({ node: n, name, kernel, flats, positions });
    }
    return false;
  });
  dropCalledWithOthers(root, fns, file);
  if (!fns.length) return { text: source, flattened: [] };
  const byName = new Map<string, Fn[]>();
  for (const f of fns) byName.set(f.name, [...(byName.get(f.name) ?? []), f]);
  // a call that takes a flattened struct argument at position i: a flattened function, or ATen's helper
  const takesFlat = (call: CudaNode, i: number): "fn" | "lib" | undefined => {
    const fnText = libraryCallee(call);
    const lib = LIBRARY_CALLS[fnText];
    if (lib) return lib.info === i ? "lib" : undefined;
    const last = fnText.split("::").pop()!;
    const cands = byName.get(last) ?? [];
    return cands.length && cands.every((c) => c.positions.has(i)) ? "fn" : undefined;
  };
  // the fields each function reads (by field name; nested structs through their path), with those of the
  // flattened functions it passes the struct to: only these become parameters
  const usedBy = new Map<Fn, Set<string>>(fns.map((f) => [f, new Set<string>()]));
  const callees = new Map<Fn, Fn[]>();
  // a function whose struct parameter is used other than through its fields or as a flattenable argument keeps it
  const keep = new Set<Flat>();
  for (const f of fns) {
    const used = usedBy.get(f)!;
    const flats = new Map(f.flats.map((x) => [x.name, x]));
    for (const flat of f.flats) for (const x of flat.shape.fields) if (x.kind === "struct") used.add(x.name);
    walk(field(f.node, "body")!, (n) => {
      if (n.type !== "identifier" || !flats.has(n.text)) return;
      let top = n;
      while (top.parent?.type === "field_expression" && same(field(top.parent, "argument"), top) && field(top.parent, "operator")?.text === ".") top = top.parent;
      const fp = fieldPath(top, flats)!;
      const at = walkPath(fp.flat.shape, fp.path, file);
      for (const p of fp.path) used.add(p);
      const args = top.parent?.type === "argument_list" ? top.parent : undefined;
      const call = args?.parent?.type === "call_expression" ? args.parent : undefined;
      if (at?.leaf) return;
      const how =
        at?.shape && call
          ? takesFlat(
              call,
              named(args!).findIndex((x) => same(x, top)),
            )
          : undefined;
      if (how === "lib") for (const p of LIBRARY_CALLS[libraryCallee(call!)]!.reads) used.add(p);
      if (how === "fn") callees.set(f, [...(callees.get(f) ?? []), ...byName.get(libraryCallee(call!).split("::").pop()!)!]);
      if (!how) keep.add(fp.flat);
    });
  }
  for (let grew = true; grew; ) {
    grew = false;
    for (const [f, cs] of callees)
      for (const c of cs)
        for (const x of usedBy.get(c)!)
          if (!usedBy.get(f)!.has(x)) {
            usedBy.get(f)!.add(x);
            grew = true;
          }
  }
  const edits: { start: number; end: number; text: string }[] = [];
  const flattened: StructParamsResult["flattened"] = [];
  const helpers = new Map<string, string>();
  let firstHelperUse: CudaNode | undefined;
  for (const f of fns) {
    const flats = new Map(f.flats.filter((x) => !keep.has(x)).map((x) => [x.name, x]));
    if (!flats.size) continue;
    const used = usedBy.get(f)!;
    const casts: CudaNode[] = [];
    for (const flat of flats.values()) {
      const ps = pieces(flat.shape, flat.name, used, file).map((p) => typedVoidPointer(p, f.node, flat, casts));
      edits.push({ start: flat.param.startIndex, end: flat.param.endIndex, text: ps.map(pieceParam).join(", ") });
      if (f.kernel)
        flattened.push({
          kernel: f.name,
          param: flat.name,
          type: field(flat.param, "type")!.text,
          pieces: ps.map((p) => ({ name: p.name, ...(p.field.synth ? { synth: p.field.synth } : {}) })),
        });
    }
    const visit = (n: CudaNode): boolean | void => {
      const cast = casts.find((c) => same(c, n));
      if (cast) {
        const fp = fieldPath(unparen(n.type === "cast_expression" ? field(n, "value")! : callArgs(n)[0]!), flats);
        if (fp) {
          edits.push({ start: n.startIndex, end: n.endIndex, text: [fp.flat.name, ...fp.path].join("_") });
          return false;
        }
      }
      if (n.type === "call_expression") {
        const fnText = field(n, "function")?.text.replace(/\s/g, "") ?? "";
        const lib = LIBRARY_CALLS[libraryCallee(n)];
        const arg = lib ? callArgs(n)[lib.info] : undefined;
        const fp = arg ? fieldPath(arg, flats) : undefined;
        if (lib && fp) {
          const index = /<[^,<>]+,([^,<>]+),/.exec(fnText)?.[1] ?? "int";
          const h = lib.helper(index);
          helpers.set(h.name, h.text);
          firstHelperUse ??= topLevel(n);
          if (topLevel(n).startIndex < firstHelperUse.startIndex) firstHelperUse = topLevel(n);
          const prefix = [fp.flat.name, ...fp.path].join("_");
          const callee = field(n, "function")!;
          edits.push({ start: callee.startIndex, end: callee.endIndex, text: h.name });
          edits.push({ start: arg!.startIndex, end: arg!.endIndex, text: lib.reads.map((r) => `${prefix}_${r}`).join(", ") });
          callArgs(n)
            .filter((a) => !same(a, arg!))
            .forEach((a) => walk(a, visit));
          return false;
        }
      }
      if (n.type === "field_expression" || n.type === "identifier") {
        if (n.parent?.type === "field_expression" && same(field(n.parent, "argument"), n) && field(n.parent, "operator")?.text === ".") return;
        const fp = fieldPath(n, flats);
        if (!fp) return;
        const at = walkPath(fp.flat.shape, fp.path, file);
        const prefix = [fp.flat.name, ...fp.path].join("_");
        if (at?.leaf) edits.push({ start: n.startIndex, end: n.endIndex, text: prefix });
        else if (at?.shape) {
          // passed whole to a flattened function: the pieces that function takes
          const call = n.parent?.type === "argument_list" ? n.parent.parent : undefined;
          const takes = new Set((call ? (byName.get(libraryCallee(call).split("::").pop()!) ?? []) : []).flatMap((c) => [...usedBy.get(c)!]));
          edits.push({
            start: n.startIndex,
            end: n.endIndex,
            text: pieces(at.shape, prefix, takes, file)
              .map((p) => p.name)
              .join(", "),
          });
        }
        return false;
      }
    };
    walk(field(f.node, "body")!, visit);
  }
  // kernel launches pass each piece of a struct argument
  const kernelsFlat = new Map(fns.filter((f) => f.kernel).map((f) => [f.name, f]));
  walk(root, (n) => {
    if (n.type !== "call_expression" || !named(n).some((c) => c.type === "kernel_call_syntax")) return;
    const k = kernelsFlat.get(
      (field(n, "function")?.text ?? "")
        .replace(/<[\s\S]*$/, "")
        .split("::")
        .pop()!,
    );
    if (!k) return;
    callArgs(n).forEach((a, i) => {
      const flat = k.positions.get(i);
      if (!flat || keep.has(flat)) return;
      const ps = pieces(flat.shape, "", usedBy.get(k)!, file);
      edits.push({ start: a.startIndex, end: a.endIndex, text: ps.map((p) => `${a.text}.${p.path.join(".")}`).join(", ") });
    });
  });
  if (firstHelperUse) {
    const at = blankLineBefore(source, root, firstHelperUse);
    edits.push({ start: at, end: at, text: [...helpers.values()].join("") });
  }
  let text = source;
  for (const e of edits.sort((x, y) => y.start - x.start || y.end - x.end)) {
    // the lines a replaced span held stay, so what follows keeps its line
    const lost = (source.slice(e.start, e.end).match(/\n/g)?.length ?? 0) - (e.text.match(/\n/g)?.length ?? 0);
    text = text.slice(0, e.start) + e.text + "\n".repeat(Math.max(0, lost)) + text.slice(e.end);
  }
  return { text, flattened };
}

/** A callee without template arguments or spaces: `at::cuda::detail::IndexToOffset::get`. */
function libraryCallee(call: CudaNode): string {
  return (field(call, "function")?.text ?? "").replace(/\s/g, "").replace(/<[^<>]*(?:<[^<>]*>[^<>]*)*>/g, "");
}

function same(a: CudaNode | null | undefined, b: CudaNode): boolean {
  return !!a && a.startIndex === b.startIndex && a.endIndex === b.endIndex && a.type === b.type;
}

/**
 * Where a helper goes before declaration `d`: an empty line between file-scope declarations (no line
 * or column of the source moves), else the start of `d`.
 */
function blankLineBefore(source: string, root: CudaNode, d: CudaNode): number {
  const lines = source.split("\n");
  const starts: number[] = [0];
  for (const l of lines) starts.push(starts[starts.length - 1]! + l.length + 1);
  const inside = (row: number) => named(root).some((n) => n.startPosition.row <= row && row <= n.endPosition.row);
  for (let row = d.startPosition.row - 1; row >= 0; row--) if (lines[row]!.trim() === "" && !(lines[row - 1] ?? "").trimEnd().endsWith("\\") && !inside(row)) return starts[row]!;
  return d.startIndex;
}

/** The declaration at file scope holding n. */
function topLevel(n: CudaNode): CudaNode {
  let cur = n;
  while (cur.parent && cur.parent.type !== "translation_unit") cur = cur.parent;
  return cur;
}
