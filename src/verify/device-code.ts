// The device code of a CUDA file, cut out with the CUDA front end, for `--verify`: the user's host code
// (main, host functions, file-scope objects whose initialisers would run before main) is never
// compiled, so it can never run. What is kept is code that runs only when a kernel is launched, plus
// declarations that run nothing:
//  - `__global__` and `__device__` functions (templates included) without constructor/destructor
//    attributes;
//  - macros, types (struct/class/union/enum, typedefs, `using`), function prototypes, static_asserts;
//  - file-scope variables of arithmetic or CUDA vector type whose initialisers call nothing
//    (`__constant__ float coef[4] = {1, 2, 3, 4};`, `static const int K = 3 * 4;`);
//  - `#include <...>` of the standard library and c2m's CUDA stubs (not cuBLAS, torch, ... which the
//    emulator does not have), and the project's own headers only through `resolveInclude`, which
//    inlines the header's own device code.
// Everything else is blanked (spaces, line breaks kept, so that compiler messages keep their lines).
import { existsSync } from "node:fs";
import { join } from "node:path";
import { parseCuda, type CudaNode } from "../../grammar/cuda.js";
import { field, fields, named, qualifierWords, walk } from "../../passes/kernel/cst.js";
import { includeDir } from "./native.js";

export interface DeviceCodeOptions {
  /** The text of a local include (`#include "common.h"`), or undefined when it is not found. */
  resolveInclude?: (name: string) => { path: string; text: string } | undefined;
  /** the name compiler messages give the file (default kernel.cu) */
  filename?: string;
  /** macros of the including file that spell `__device__` (deviceQualifierMacros) */
  deviceMacros?: ReadonlySet<string>;
}

/** What was left out, for the verify report. */
export interface DeviceCode {
  source: string;
  /** one line per item left out: `line 12: host function main` */
  dropped: string[];
}

const HOST_INCLUDE = /^(torch|ATen|c10|pybind11|THC)\//;
/** A name from the host libraries whose headers the emulator never has (HOST_INCLUDE): only host code can name them. */
const HOST_LIBRARY_NAME = /\b(?:at|torch|c10|pybind11)::/;
/** torch's types the emulator defines (src/verify/include/emu_torch.hpp): device code may name them */
const EMULATED_TORCH_TYPES = /\b(?:at|c10)::(?:Half|BFloat16)\b/g;
const SYSTEM_HEADER = /^(?!.*\.\.)[\w.+-]+(?:\/[\w.+-]+)*$/;
const ARITHMETIC_TYPE =
  /^(?:(?:unsigned|signed|long|short|const|volatile|static|constexpr)\s+)*(?:bool|char|short|int|long|float|double|unsigned|signed|size_t|u?int(?:8|16|32|64)_t|half|__half|__half2|__nv_bfloat16|__nv_bfloat162|(?:u?char|u?short|u?int|u?long|longlong|ulonglong|float|double)[1-4])$/;
/** Nodes that run code when an initialiser is evaluated. */
const RUNS_CODE = new Set(["call_expression", "new_expression", "lambda_expression", "co_await_expression", "throw_expression", "gnu_asm_expression", "asm_statement"]);
const DECLARES_ONLY = new Set([
  "type_definition",
  "alias_declaration",
  "using_declaration",
  "enum_specifier",
  "static_assert_declaration",
  "namespace_alias_definition",
  "comment",
  "preproc_def",
  "preproc_function_def",
  "preproc_call",
]);
/** A name from torch's host headers (ATen, c10, torch). */
const TORCH_NAME = /\b(at|c10|torch)::/;
const TYPE_SPECIFIERS = new Set(["struct_specifier", "class_specifier", "union_specifier"]);

/** The device code of `source` (see the file comment). */
export function deviceOnlySource(source: string, opts: DeviceCodeOptions = {}, seen = new Set<string>()): DeviceCode {
  const filename = opts.filename ?? "kernel.cu";
  const root = parseCuda(source).rootNode;
  const deviceMacros = deviceQualifierMacros(source, opts.deviceMacros);
  const edits: { start: number; end: number; text?: string }[] = [];
  const keptTypes: CudaNode[] = [];
  /** named types and typedefs kept (the item: the type, or the template declaring it), for dropUnusedTypes */
  const typeDecls: TypeDecl[] = [];
  const keepType = (t: CudaNode, item: CudaNode) => {
    keptTypes.push(t);
    // an explicit specialisation (`template <> struct SharedMemory<float>`) is named by its template's name
    // (its arguments first: `AtomicAddDecimalImpl<at::Half, 2>` is AtomicAddDecimalImpl's)
    const name = field(t, "name")
      ?.text.replace(/\s*<[\s\S]*$/, "")
      .replace(/^.*::/, "");
    if (name) typeDecls.push({ item, names: [name] });
  };
  const isTop = seen.size === 0;
  const dropped: string[] = [];
  const line = (n: CudaNode) => n.startPosition.row + 1;
  const drop = (n: CudaNode, why: string) => {
    edits.push({ start: n.startIndex, end: n.endIndex });
    dropped.push(`line ${line(n)}: ${why}`);
  };
  /** types dropped as host declarations: a declaration naming one is host code too (`template <> struct TorchArgDef<Result>`) */
  const hostTypes = new Set<string>();
  const dropHostDeclaration = (decl: CudaNode, whole: CudaNode) => {
    const name = (TYPE_SPECIFIERS.has(decl.type) ? field(decl, "name") : undefined)?.text.replace(/\s*<[\s\S]*$/, "");
    if (name) hostTypes.add(name);
    drop(whole, `declaration naming a host library's type (${(HOST_LIBRARY_NAME.exec(decl.text)?.[0] ?? name ?? "") + "..."})`);
  };
  const visit = (n: CudaNode): void => {
    switch (n.type) {
      case "preproc_include": {
        const path = field(n, "path");
        const name = path?.type === "system_lib_string" ? path.text.slice(1, -1) : path?.type === "string_literal" ? path.text.slice(1, -1) : undefined;
        const system = path?.type === "system_lib_string";
        // a header of the project (found by the resolver, `<helper_cuda.h>` through -I too) is followed;
        // a system header is kept by its name when the emulator has it: the C and C++ standard
        // libraries and c2m's CUDA stubs, never an absolute path or a way out (`#include </dev/zero>`)
        const found = name && !HOST_INCLUDE.test(name) && SYSTEM_HEADER.test(name) ? opts.resolveInclude?.(name) : undefined;
        if (!found && system && name && !HOST_INCLUDE.test(name) && SYSTEM_HEADER.test(name) && emulatorHasHeader(name)) return;
        if (!found) return drop(n, `#include ${path?.text ?? "?"} (${!system ? "local header not followed" : "not a header the emulator has"})`);
        if (seen.has(found.path)) return drop(n, `#include ${path!.text} (already included)`);
        seen.add(found.path);
        const inner = deviceOnlySource(found.text, { ...opts, filename: name, deviceMacros }, seen);
        dropped.push(...inner.dropped.map((d) => `${name}: ${d}`));
        edits.push({ start: n.startIndex, end: n.endIndex, text: `#line 1 "${name}"\n${inner.source}\n#line ${line(n) + 1} "${filename}"\n` });
        return;
      }
      case "preproc_if":
      case "preproc_ifdef":
      case "preproc_elif":
      case "preproc_elifdef":
      case "preproc_else":
        for (const c of named(n)) if (c.fieldName !== "name" && c.fieldName !== "condition") visit(c);
        return;
      case "linkage_specification": {
        // `extern "C" void host(...) {...}`: when its one item goes, `extern "C"` goes with it (left alone it
        // would bind to whatever follows)
        const body = field(n, "body");
        if (!body || body.type === "declaration_list") break;
        const before = edits.length;
        visit(body);
        const e = edits[edits.length - 1];
        if (edits.length > before && e && e.start === body.startIndex && e.end === body.endIndex && e.text === undefined) e.start = n.startIndex;
        return;
      }
      case "type_definition": {
        // `typedef float float;`: the preprocessor followed the alias (floatX → float) into its own typedef
        const type = field(n, "type")?.text.trim();
        if (type && fields(n, "declarator").every((d) => d.text.trim() === type)) return drop(n, `typedef of ${type} to itself`);
        typeDecls.push({ item: n, names: fields(n, "declarator").map((d) => d.text.replace(/[*&\s]/g, "")) });
        return;
      }
      default:
        break;
    }
    switch (n.type) {
      case "namespace_definition":
      case "linkage_specification":
      case "declaration_list":
        for (const c of named(n)) if (c.fieldName !== "name" && c.type !== "string_literal") visit(c);
        return;
      case "function_definition":
        return visitFunction(n, n);
      case "template_declaration": {
        const inner = named(n).find((c) => c.type !== "template_parameter_list");
        if (inner?.type === "function_definition") return visitFunction(inner, n);
        if (inner && namesHostLibrary(inner, hostTypes)) return dropHostDeclaration(inner, n);
        if (inner && isPrototype(inner)) return;
        if (inner && TYPE_SPECIFIERS.has(inner.type))
          return staticMemberRunsCode(inner) ? drop(n, "type with a static data member whose initialiser calls code") : keepType(inner, n);
        return drop(n, "template that is not a device function or a type");
      }
      case "declaration":
        if (namesHostLibrary(n, hostTypes)) return dropHostDeclaration(n, n);
        if (isPrototype(n)) {
          // a host function's prototype may name what the emulator forbids (`std::ofstream &`): kept only where kept code names it
          // `extern "C" uint f(...);` goes with its linkage: left alone, the `extern "C"` would take the next declaration
          const item = n.parent?.type === "linkage_specification" ? n.parent : n;
          if (!deviceCallable(n, deviceMacros, source)) typeDecls.push({ item, names: prototypeNames(n), what: "host prototype" });
          return;
        }
        if (isPlainVariable(n)) return;
        return drop(n, `file-scope object ${n.text.split("\n")[0]!.slice(0, 60)} (only arithmetic values whose initialisers call nothing are kept)`);
      default:
        // `using at::Tensor;`, `using phalf = at::Half;` (mmcv's pytorch_cuda_helper.hpp): names from torch's headers,
        // which the emulator does not have and device code does not use
        if ((n.type === "using_declaration" || n.type === "alias_declaration") && TORCH_NAME.test(n.text)) return drop(n, `${n.text.trim().slice(0, 60)} (a torch name)`);
        if (n.type === "alias_declaration" && field(n, "name")) typeDecls.push({ item: n, names: [field(n, "name")!.text] });
        if (namesHostLibrary(n, hostTypes)) return dropHostDeclaration(n, n);
        if (DECLARES_ONLY.has(n.type)) return;
        if (TYPE_SPECIFIERS.has(n.type)) return staticMemberRunsCode(n) ? drop(n, "type with a static data member whose initialiser calls code") : keepType(n, n);
        if (n.type === ";") return;
        if (declaresDeviceCode(n, root)) return;
        return drop(n, `${n.type.replace(/_/g, " ")} that is not device code`);
    }
  };
  const visitFunction = (fn: CudaNode, whole: CudaNode) => {
    const quals = qualifierWords(fn);
    const name = field(fn, "declarator")?.text.split("(")[0]?.trim() ?? "?";
    if (!deviceCallable(fn, deviceMacros, source)) return drop(whole, `host function ${name}`);
    if (quals.some((q) => /\b(constructor|destructor)\b/.test(q))) return drop(whole, `function ${name} with a constructor/destructor attribute`);
  };
  for (const c of named(root)) visit(c);
  const unused = isTop ? dropUnusedTypes(source, edits, typeDecls, drop) : [];
  // inside the types that stay: member functions that are not device code (constructors included)
  // can never be called from a kernel, and would run host code if anything constructed the type
  for (const t of keptTypes) {
    if (unused.some((u) => t.startIndex >= u.startIndex && t.endIndex <= u.endIndex)) continue;
    walk(t, (c) => {
      if (c === t || c.type !== "function_definition") return c.type !== "lambda_expression";
      if (!deviceCallable(c, deviceMacros, source)) drop(c, `host member function ${field(c, "declarator")?.text.split("(")[0]?.trim() ?? "?"}`);
      return false;
    });
  }
  edits.sort((a, b) => a.start - b.start);
  let out = "";
  let pos = 0;
  for (const e of edits) {
    if (e.start < pos) continue;
    out += source.slice(pos, e.start) + (e.text ?? source.slice(e.start, e.end).replace(/[^\n]/g, " "));
    pos = e.end;
  }
  out += source.slice(pos);
  return { source: out, dropped };
}

/**
 * `ATOMIC(Add)` at file scope: an invocation of a function-like macro of the file whose body declares
 * device code (pytorch_scatter's atomics.cuh stamps out `Atomic##NAME##IntegerImpl` templates so) and
 * calls nothing at file scope (no host function, no object with an initialiser outside a function).
 */
function declaresDeviceCode(n: CudaNode, root: CudaNode): boolean {
  const call = n.type === "expression_statement" ? named(n)[0] : undefined;
  const name = call?.type === "call_expression" ? field(call, "function") : undefined;
  if (name?.type !== "identifier") return false;
  const def = named(root).find((d) => d.type === "preproc_function_def" && field(d, "name")?.text === name.text);
  const body = def ? (field(def, "value")?.text ?? "") : "";
  return /__device__/.test(body) && !/__host__(?![\s\\]*__device__)|__global__|\bmain\s*\(/.test(body);
}

/**
 * A named type of the file that nothing kept names (not a kernel, a device function, a macro, nor a
 * kept type that is itself named) goes: host-side types (`struct MultiGpuConfig { ncclComm_t comm; }`)
 * may name what only the host's headers declare, which the emulator does not have. So does a host
 * function's prototype (`void print_matrix(..., std::ofstream &fs);`, SGEMM_CUDA's runner.cuh).
 */
interface TypeDecl {
  item: CudaNode;
  names: string[];
  /** what the report calls it (default: type) */
  what?: string;
}

function dropUnusedTypes(source: string, edits: { start: number; end: number; text?: string }[], decls: TypeDecl[], drop: (n: CudaNode, why: string) => void): CudaNode[] {
  const blanked = [...edits, ...decls.map((t) => ({ start: t.item.startIndex, end: t.item.endIndex }))].sort((a, b) => a.start - b.start);
  let rest = "";
  let pos = 0;
  for (const e of blanked) {
    if (e.start < pos) continue;
    rest += source.slice(pos, e.start) + " ";
    pos = e.end;
  }
  rest += source.slice(pos);
  const used = new Set(rest.match(/[A-Za-z_]\w*/g) ?? []);
  const reached = new Set<TypeDecl>();
  for (let grew = true; grew; ) {
    grew = false;
    for (const t of decls) {
      if (reached.has(t) || !t.names.some((n) => used.has(n))) continue;
      reached.add(t);
      grew = true;
      for (const id of t.item.text.match(/[A-Za-z_]\w*/g) ?? []) used.add(id);
    }
  }
  const unused = decls.filter((t) => !reached.has(t));
  for (const t of unused) drop(t.item, `${t.what ?? "type"} ${t.names.join(", ")} that no device code names`);
  return unused.map((t) => t.item);
}

/**
 * A prototype, type or alias that names a host library's type (`at::Tensor`, `at::optional<...>`), or a type
 * dropped for that: the library's headers are never compiled for the emulator (HOST_INCLUDE), and device code
 * cannot use a host-side declaration.
 * Function definitions are not asked: a kernel's `at::PackedTensorAccessor32` parameters are device code.
 */
function namesHostLibrary(n: CudaNode, hostTypes: Set<string>): boolean {
  if (n.type === "function_definition" || n.type === "comment" || n.type.startsWith("preproc_")) return false;
  // c10's Half and BFloat16 the emulator has (emu_torch.hpp): pytorch_scatter's `template <> struct AtomicAddDecimalImpl<at::Half, 2>`
  const text = n.text.replace(/\/\/.*$|\/\*[\s\S]*?\*\//gm, "").replace(EMULATED_TORCH_TYPES, " ");
  return HOST_LIBRARY_NAME.test(text) || (hostTypes.size > 0 && (text.match(/[A-Za-z_]\w*/g) ?? []).some((id) => hostTypes.has(id)));
}

/** The C and C++ standard headers (the emulator compiles with the system's g++). */
const STANDARD_HEADERS = new Set(
  (
    "assert.h ctype.h errno.h float.h inttypes.h limits.h math.h stdbool.h stddef.h stdint.h stdio.h stdlib.h string.h time.h " +
    "algorithm array atomic bitset cassert cctype cerrno cfloat cinttypes climits cmath complex cstddef cstdint cstdio cstdlib " +
    "cstring ctime deque functional initializer_list iomanip iosfwd iostream istream iterator limits list map memory numeric " +
    "ostream queue random set sstream stack stdexcept string tuple type_traits unordered_map unordered_set utility vector fstream chrono variant optional"
  ).split(" "),
);

/** A standard header, or one of c2m's CUDA stubs (include/stubs: cuda_runtime.h, cooperative_groups.h...). */
function emulatorHasHeader(name: string): boolean {
  return STANDARD_HEADERS.has(name) || existsSync(join(includeDir(), "stubs", name));
}

/**
 * A function device code can call: `__global__`, `__device__`, `constexpr` (nvcc's relaxed constexpr),
 * or a defaulted/deleted one (`Packed128() = default;`), which runs nothing of the user's.
 */
function deviceCallable(fn: CudaNode, deviceMacros: ReadonlySet<string> = new Set(), source = ""): boolean {
  const quals = qualifierWords(fn);
  if (quals.includes("__global__") || quals.includes("__device__") || quals.includes("constexpr")) return true;
  const lead = fn.text.slice(0, (field(fn, "declarator")?.startIndex ?? fn.startIndex) - fn.startIndex);
  if (/\bconstexpr\b/.test(lead)) return true;
  // `HOST_DEVICE_INLINE T f(...)` (detectron2): a macro of the file that spells `__host__ __device__`, which the
  // parser may leave outside the function's node (a member `HOST_DEVICE_INLINE Point operator+(...)`)
  const before =
    source
      .slice(Math.max(0, fn.startIndex - 200), fn.startIndex)
      .split(/[;{}]/)
      .pop() ?? "";
  if (`${before} ${lead}`.match(/[A-Za-z_]\w*/g)?.some((w) => deviceMacros.has(w))) return true;
  return named(fn).some((c) => c.type === "default_method_clause" || c.type === "delete_method_clause");
}

/**
 * The object-like macros of `source` whose expansion holds `__device__` or `__global__`
 * (`#define HOST_DEVICE __host__ __device__`, `#define HOST_DEVICE_INLINE HOST_DEVICE __forceinline__`),
 * with those `known` from an including file.
 */
function deviceQualifierMacros(source: string, known: ReadonlySet<string> = new Set()): Set<string> {
  // every definition counts (`#if __CUDACC__ ... #else #define HOST_DEVICE #endif` unpreprocessed): one that spells it is enough
  const defs = [...source.matchAll(/^[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)(?![\w(])[ \t]*(.*)$/gm)].map((m) => [m[1]!, m[2]!] as const);
  const out = new Set(known);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [name, value] of defs) {
      if (out.has(name)) continue;
      if (/\b__(?:device|global)__\b/.test(value) || (value.match(/[A-Za-z_]\w*/g) ?? []).some((w) => out.has(w))) {
        out.add(name);
        grew = true;
      }
    }
  }
  return out;
}

/** The names a prototype declares (`int host(int), other(float);`: host, other). */
function prototypeNames(n: CudaNode): string[] {
  return named(n)
    .filter((c) => c.fieldName === "declarator")
    .map((d) => field(d, "declarator")?.text.replace(/^.*::/, "").trim() ?? "")
    .filter(Boolean);
}

/** `__global__ void k(float*);`, `int host(int);`: declares functions only. */
function isPrototype(n: CudaNode): boolean {
  if (n.type !== "declaration") return false;
  const ds = named(n).filter((c) => c.fieldName === "declarator");
  return ds.length > 0 && ds.every((d) => d.type === "function_declarator");
}

/** A file-scope variable of arithmetic or CUDA vector type whose initialiser runs nothing. */
function isPlainVariable(n: CudaNode): boolean {
  const type = field(n, "type");
  if (!type || !ARITHMETIC_TYPE.test(type.text.replace(/\s+/g, " ").trim())) return false;
  return !runsCode(n);
}

/**
 * Whether evaluating a declaration could run code: a call, `new`, a lambda anywhere in it (an
 * initialiser, a static data member's default, an array bound). Functional casts (`float(1)`) count
 * as calls: the check errs on the side of leaving the declaration out.
 */
function runsCode(n: CudaNode): boolean {
  let found = false;
  walk(n, (c) => {
    if (found) return false;
    // member functions of a type run only when called, from code that is itself kept or not
    if (c.type === "function_definition") return false;
    if (RUNS_CODE.has(c.type)) found = true;
    return !found;
  });
  return found;
}

/**
 * A type whose static data member has a dynamic initialiser (`static inline int x = f();`) runs that
 * initialiser at start-up; other members run only when code that is kept constructs or calls them.
 */
function staticMemberRunsCode(type: CudaNode): boolean {
  let found = false;
  walk(type, (c) => {
    if (found || c.type === "function_definition") return false;
    if ((c.type === "field_declaration" || c.type === "declaration") && qualifierWords(c).includes("static") && runsCode(c)) found = true;
    return !found;
  });
  return found;
}
