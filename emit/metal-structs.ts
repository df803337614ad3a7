/**
 * Structs and class templates in the Metal header (emit/metal.ts prints them node by node and asks here
 * what differs from CUDA).
 *
 * Metal's language is C++14 with address spaces, so a class template such as llm.c's
 * `template <class T> struct Packed128` is carried as written, less what MSL spells differently:
 * - `__device__`/`__host__` on member functions: every Metal function is a device function;
 * - a static data member lives in program scope, which in Metal is the `constant` address space
 *   (`static constexpr const int size` → `static constant constexpr const int size`, as MLX's own
 *   headers write it);
 * - a member function returning a reference returns a `thread` reference (its object is a thread value);
 * - names that are MSL keywords (`constant`, `device`, ...) are renamed: llm.c's `Packed128::constant`;
 * - `memcpy` (Metal has none) is `c2m_memcpy`, a byte copy the compiler folds.
 * A template's explicit specialisations (`template <> struct BytesToType<16> { using Type = uint4; }`) are carried
 * with it (MSL has them). A template c2m cannot carry (`__shared__` or `extern` declarations in its
 * members: threadgroup memory is declared only in a kernel) is refused at its use (C2M-K027).
 */
import type { CudaNode } from "../grammar/cuda.js";
import type { KernelUnit } from "../ir/kernel.js";
import { field, kids, named } from "../passes/kernel/cst.js";
import { same } from "../passes/kernel/buffers.js";
import { sharedViewTemplates } from "../passes/kernel/shared-view.js";
import { MLX_METAL_ATTRIBUTES } from "../passes/kernel/tables.js";
import { nameTable } from "../ir/tables.js";

/** Words MSL reserves (address spaces, function kinds) that CUDA code may use as names. */
const MSL_KEYWORDS = new Set(["constant", "device", "thread", "threadgroup", "threadgroup_imageblock", "kernel", "vertex", "fragment", "ray_data", "object_data"]);

/** MLX's thread-attribute names: a CUDA name spelled like one would be declared twice in the kernel MLX writes. */
const MLX_ATTRIBUTE_NAMES = new Set(MLX_METAL_ATTRIBUTES.map(([n]) => n));

/** A CUDA name as Metal can spell it: an MSL keyword, or one of MLX's thread-attribute names (llm.c's `grid_size`), gets a trailing underscore. */
export function metalName(name: string): string {
  return MSL_KEYWORDS.has(name) || MLX_ATTRIBUTE_NAMES.has(name) ? `${name}_` : name;
}

/** Qualifiers of CUDA functions that Metal does not spell (a member function is printed with its struct). */
export const DEVICE_FUNCTION_QUALIFIERS = new Set(["__device__", "__host__", "__forceinline__", "__noinline__", "__inline__"]);

/** Class and struct templates of the file (`template <class T> struct Packed128`), and aliases of them, by name. */
export function templateStructs(unit: KernelUnit): Map<string, CudaNode> {
  let found = templateStructsOf.get(unit);
  if (found) return found;
  found = new Map();
  const visit = (n: CudaNode) => {
    for (const c of named(n)) {
      if (c.type === "template_declaration") {
        const s = named(c).find((x) => x.type === "struct_specifier" || x.type === "class_specifier");
        const name = s ? field(s, "name")?.text : undefined;
        if (name) found!.set(name.replace(/\s*<.*$/s, ""), found!.get(name.replace(/\s*<.*$/s, "")) ?? c);
      } else if (c.type === "type_definition" && /^\s*typedef\s+(\w+)\s*</.test(c.text)) {
        const of = found!.get(/^\s*typedef\s+(\w+)/.exec(c.text)![1]!);
        const alias = field(c, "declarator")?.text;
        if (of && alias) found!.set(alias, of);
      } else if (["namespace_definition", "declaration_list", "linkage_specification", "preproc_if", "preproc_ifdef"].includes(c.type)) visit(c);
    }
  };
  visit(unit.root);
  templateStructsOf.set(unit, found);
  return found;
}
const templateStructsOf = new WeakMap<KernelUnit, Map<string, CudaNode>>();

/** Why the class template `name` (or an alias of it) cannot be carried into Metal; undefined when it can. */
export function uncarriedTemplate(unit: KernelUnit, name: string): string | undefined {
  const decl = templateStructs(unit).get(name);
  if (!decl) return undefined;
  const s = named(decl).find((x) => x.type === "struct_specifier" || x.type === "class_specifier");
  const base = (s && field(s, "name")?.text.replace(/\s*<.*$/s, "")) ?? name;
  if (sharedViewTemplates(unit).has(base))
    return `'${name}' views the launch's dynamic shared memory; c2m translates it as \`T *p = ${base}<T>();\` declared in a kernel, not here`;
  // the primary's members and every explicit specialisation's (`template <> struct X<16> {...}`)
  const body = [
    s ? (field(s, "body")?.text ?? "") : "",
    ...unit.structs.filter((x) => x.name.replace(/\s*<[\s\S]*$/, "") === base && x.name !== base).map((x) => x.node.text),
  ].join("\n");
  if (/\b__shared__\b/.test(body)) return `'${name}' names a class template whose members declare __shared__ memory, which Metal declares only in a kernel`;
  if (/\bextern\b/.test(body)) return `'${name}' names a class template whose members declare extern functions or variables, which Metal cannot link`;
  return undefined;
}

/** `static` on a data member: in Metal the member lives in program scope, the `constant` address space. */
export function memberStorage(node: CudaNode): string | undefined {
  if (node.text !== "static" || node.parent?.type !== "field_declaration") return undefined;
  return "static constant";
}

/**
 * A member function returning a reference (`ElementType& operator[](int)`), printed with `thread` before
 * its return type: the reference points into the object, a thread value. Undefined for other nodes.
 */
export function printReferenceMethod(node: CudaNode, source: string, printChild: (n: CudaNode) => string): string | undefined {
  if (node.type !== "function_definition" || node.parent?.type !== "field_declaration_list") return undefined;
  if (field(node, "declarator")?.type !== "reference_declarator") return undefined;
  const type = field(node, "type");
  let out = "";
  let pos = node.startIndex;
  let marked = false;
  for (const c of kids(node)) {
    out += source.slice(pos, c.startIndex);
    if (!marked && (c.type === "type_qualifier" || same(c, type))) {
      out += "thread ";
      marked = true;
    }
    out += printChild(c);
    pos = c.endIndex;
  }
  return out + source.slice(pos, node.endIndex);
}

/** Header helpers this file's rewrites call. */
export const STRUCT_HELPERS: Record<string, string> = nameTable({
  c2m_memcpy: `// memcpy: Metal has none; a byte copy between objects of the same address space (the compiler folds it).
#if defined(__METAL_VERSION__)
template <typename D, typename S> inline void c2m_memcpy(thread D* dst, const thread S* src, ulong n) {
  for (ulong i = 0; i < n; ++i) reinterpret_cast<thread uchar*>(dst)[i] = reinterpret_cast<const thread uchar*>(src)[i];
}
template <typename D, typename S> inline void c2m_memcpy(device D* dst, const device S* src, ulong n) {
  for (ulong i = 0; i < n; ++i) reinterpret_cast<device uchar*>(dst)[i] = reinterpret_cast<const device uchar*>(src)[i];
}
#else
template <typename D, typename S> inline void c2m_memcpy(D* dst, const S* src, ulong n) {
  for (ulong i = 0; i < n; ++i) reinterpret_cast<uchar*>(dst)[i] = reinterpret_cast<const uchar*>(src)[i];
}
#endif`,
  c2m_pointee: `// The element type a pointer template parameter points to, whatever its address space.
template <typename P> struct c2m_pointee_of;
#if defined(__METAL_VERSION__)
template <typename T> struct c2m_pointee_of<device T*> { typedef T type; };
template <typename T> struct c2m_pointee_of<const device T*> { typedef T type; };
template <typename T> struct c2m_pointee_of<constant T*> { typedef T type; };
template <typename T> struct c2m_pointee_of<const constant T*> { typedef T type; };
template <typename T> struct c2m_pointee_of<threadgroup T*> { typedef T type; };
template <typename T> struct c2m_pointee_of<const threadgroup T*> { typedef T type; };
template <typename T> struct c2m_pointee_of<thread T*> { typedef T type; };
template <typename T> struct c2m_pointee_of<const thread T*> { typedef T type; };
#else
template <typename T> struct c2m_pointee_of<T*> { typedef T type; };
template <typename T> struct c2m_pointee_of<const T*> { typedef T type; };
#endif
template <typename P> using c2m_pointee = typename c2m_pointee_of<P>::type;
// The value type an element holds: an atomic output's \`device atomic<float>*\` still picks the helper's float* overload.
template <typename T> struct c2m_unatomic { typedef T type; };
template <> struct c2m_unatomic<atomic<int>> { typedef int type; };
template <> struct c2m_unatomic<atomic<uint>> { typedef uint type; };
template <> struct c2m_unatomic<atomic<float>> { typedef float type; };
template <typename P> using c2m_element = typename c2m_unatomic<c2m_pointee<P>>::type;`,
  c2m_same_pointee: `// One overload of a helper per element type its pointer points to (llm.c's stochastic_rounding on bf16, half and
// float): the pointer is a template parameter (any address space), so its element type picks the overload.
template <typename A, typename B> struct c2m_same { static constant constexpr bool value = false; };
template <typename A> struct c2m_same<A, A> { static constant constexpr bool value = true; };
template <bool B> struct c2m_enable_if {};
template <> struct c2m_enable_if<true> { typedef int type; };`,
  c2m_never: `// false, but only once a template argument is known: a static_assert on it stops only the instantiations that reach it.
template <typename T> struct c2m_never { static constant constexpr bool value = false; };`,
});
