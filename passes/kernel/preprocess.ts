/**
 * Pass `kernel-preprocess`: the part of the C preprocessor a kernel's meaning depends on, run before the
 * CUDA source is parsed. Reads the text (and, through the host, the local headers it includes); writes a
 * new text with a line map back to the files the lines came from.
 *
 * 1. `#include "name"` (quoted: a local header) is replaced by the header's text, each header once
 *    (include guards and `#pragma once` then need nothing). Angle-bracket includes are system headers
 *    (cuda_runtime.h, torch, cub) and stay as they are.
 * 2. `#if`/`#ifdef`/`#ifndef`/`#elif`/`#else`/`#endif` are decided from the `#define`s seen so far and
 *    what nvcc's device pass predefines (NVCC_PREDEFINED); the lines of a branch not taken become empty
 *    lines, so line numbers stay. A condition that calls a function-like macro is not decided: that
 *    block stays as written.
 * `__align__(n)`, a macro of CUDA's own headers (never read here), is spelled `alignas(n)`, which the
 * parser, Metal and the emulator's C++ all know.
 * 3. A function-like macro whose body reads CUDA's thread coordinates (mmcv's `CUDA_1D_KERNEL_LOOP(i, n)`, a
 *    grid-stride `for` header) is expanded where it is used, on the use's line: the loop it declares is then
 *    code the ownership proof reads and the printer rewrites (carried as a macro, its `blockIdx` would reach
 *    Metal, which has none, and its loop variable would be a name the proof cannot see declared).
 * 3b. An object-like macro that spells function qualifiers only (detectron2's `HOST_DEVICE_INLINE`, `__host__
 *    __device__ __forceinline__`) is expanded where it is used: the parser knows the qualifiers, not the name.
 * 4. A file-scope alias of a scalar or vector type (`typedef __nv_bfloat16 floatX;`,
 *    `using data_t = float;`) is followed: every later use of the name is spelled as the type it names,
 *    which is what the parameter analysis and both printers understand. The alias line becomes empty.
 * Pure: the host reads files; nothing here touches the file system.
 */
import { SCALAR_TYPES, VECTOR_TYPES } from "./tables.js";
import { GLM_TYPES, canonicalGlmType } from "./glm.js";
import { nameTable } from "../../ir/tables.js";

export interface PreprocessHost {
  /** the header `#include "name"` in `fromFile` names (next to it, then each -I folder), with its text */
  include(name: string, fromFile: string): { path: string; text: string } | undefined;
}

export interface LineOrigin {
  file: string;
  /** 1-based */
  line: number;
}

export interface Preprocessed {
  text: string;
  /** per output line (0-based index), where it came from */
  origins: LineOrigin[];
  /** headers inlined, in order */
  included: string[];
  /** aliases followed: name → type it names */
  typedefs: Map<string, string>;
}

/** What nvcc defines in its device compilation pass (an sm_80-class target: bf16 and friends exist). */
export const NVCC_PREDEFINED: Record<string, string> = nameTable({
  __CUDACC__: "1",
  __NVCC__: "1",
  __CUDA_ARCH__: "800",
  __CUDACC_VER_MAJOR__: "12",
  __CUDACC_VER_MINOR__: "4",
  CUDART_VERSION: "12040",
  CUDA_VERSION: "12040",
  __CUDA_BF16_TYPES_EXIST__: "1",
  __cplusplus: "201703",
});

interface Line {
  text: string;
  origin: LineOrigin;
}

/** Logical lines: a directive continued with `\` keeps its physical lines together. */
function splitLines(text: string, file: string): Line[][] {
  const phys = text.split("\n");
  const out: Line[][] = [];
  for (let i = 0; i < phys.length; i++) {
    const group: Line[] = [{ text: phys[i]!, origin: { file, line: i + 1 } }];
    while (/^\s*#/.test(group[0]!.text) && /\\\s*$/.test(group[group.length - 1]!.text) && i + 1 < phys.length) {
      i++;
      group.push({ text: phys[i]!, origin: { file, line: i + 1 } });
    }
    out.push(group);
  }
  return out;
}

type Frame = { taking: boolean; taken: boolean; verbatim: boolean; parentTaking: boolean };

export function preprocessCuda(source: string, file: string, host?: PreprocessHost, defines: Record<string, string> = {}): Preprocessed {
  const macros = new Map<string, string | null>(Object.entries({ ...NVCC_PREDEFINED, ...defines })); // null: function-like
  const out: Line[] = [];
  const included: string[] = [];
  const seen = new Set<string>([file]);
  const stack: Frame[] = [];
  const active = () => stack.every((f) => f.taking || f.verbatim);
  const verbatim = () => stack.some((f) => f.verbatim);
  const indexMacros = new Map<string, FunctionMacro>();
  /** every function-like macro c2m can expand (no `#x`, no varargs), for a declaration macro's use at file scope */
  const functionMacros = new Map<string, FunctionMacro>();
  const depth = new BraceDepth();
  /** object-like macros that spell function qualifiers only (`HOST_DEVICE_INLINE` → `__host__ __device__ __forceinline__`) */
  const qualifierMacros = new Map<string, string>();
  const blank = (g: Line[]) => out.push(...g.map((l) => ({ text: "", origin: l.origin })));
  // `-D NAME=VALUE` is a `#define` before the file's first line (nvcc's meaning): code that uses the name (RWKV's
  // `-D_N_=64` sizing its kernels' arrays and launches) gets the value, in Metal as in the CUDA original, expanded
  // in place so that lines keep their numbers; a name the file defines again or undefines is the file's from there
  const given = Object.entries(defines).filter(([n]) => /^[A-Za-z_]\w*$/.test(n));
  const expandGiven = (g: Line[]): Line[] => {
    const live = given.filter(([n, v]) => macros.get(n) === v);
    if (!live.length) return g;
    const values = new Map(live);
    return g.map((l) => ({
      ...l,
      text: l.text.replace(/"(?:\\.|[^"\\])*"|\/\/.*$|\b([A-Za-z_]\w*)\b/g, (m, id: string | undefined) => (id && values.has(id) ? values.get(id)! : m)),
    }));
  };

  const run = (text: string, path: string) => {
    for (const g of splitLines(text, path)) {
      const joined = g.map((l) => l.text.replace(/\\\s*$/, "")).join(" ");
      const d = /^\s*#\s*(\w+)\s*(.*)$/.exec(stripComments(joined));
      const kw = d?.[1];
      const arg = (d?.[2] ?? "").trim();
      if (kw === "if" || kw === "ifdef" || kw === "ifndef") {
        const parentTaking = active();
        if (verbatim()) {
          // inside a block kept as written, nested conditionals are kept too
          stack.push({ taking: true, taken: true, verbatim: true, parentTaking });
          out.push(...g);
          continue;
        }
        const value = !parentTaking ? false : kw === "if" ? evalCondition(arg, macros) : macros.has(arg.split(/\s/)[0]!) === (kw === "ifdef");
        if (value === undefined) {
          stack.push({ taking: true, taken: true, verbatim: true, parentTaking });
          out.push(...g);
        } else {
          stack.push({ taking: parentTaking && value, taken: value, verbatim: false, parentTaking });
          blank(g);
        }
        continue;
      }
      if ((kw === "elif" || kw === "else" || kw === "endif") && stack.length) {
        const f = stack[stack.length - 1]!;
        if (f.verbatim || stack.slice(0, -1).some((x) => x.verbatim)) {
          out.push(...g);
          if (kw === "endif") stack.pop();
          continue;
        }
        if (kw === "endif") stack.pop();
        else if (kw === "else") {
          f.taking = f.parentTaking && !f.taken;
          f.taken = true;
        } else {
          const value = f.taken || !f.parentTaking ? false : evalCondition(arg, macros);
          if (value === undefined) {
            // an #elif c2m cannot decide, after branches not taken (now empty lines): it opens the block kept as written
            f.verbatim = true;
            out.push({ ...g[0]!, text: g[0]!.text.replace(/#\s*elif/, "#if") }, ...g.slice(1));
            continue;
          }
          f.taking = value;
          f.taken ||= value;
        }
        blank(g);
        continue;
      }
      if (!active()) {
        blank(g);
        continue;
      }
      if (kw === "define" && !verbatim()) {
        const m = /^(\w+)(\()?\s*(.*)$/.exec(arg);
        if (m) macros.set(m[1]!, m[2] ? null : m[3]!.trim());
        const fn = m?.[2] ? functionMacro(arg) : undefined;
        if (fn) functionMacros.set(fn.name, fn);
        else if (m) functionMacros.delete(m[1]!);
        const coord = threadCoordinateMacro(arg) ?? accessorMacro(arg);
        if (coord) indexMacros.set(coord.name, coord);
        const spelled = m && !m[2] ? qualifierSpelling(m[3]!, qualifierMacros) : undefined;
        if (m && spelled !== undefined) qualifierMacros.set(m[1]!, spelled);
        else if (m) qualifierMacros.delete(m[1]!);
      } else if (kw === "undef" && !verbatim()) {
        macros.delete(arg.split(/\s/)[0]!);
        functionMacros.delete(arg.split(/\s/)[0]!);
        indexMacros.delete(arg.split(/\s/)[0]!);
        qualifierMacros.delete(arg.split(/\s/)[0]!);
      } else if (!kw && depth.at === 0 && !verbatim() && declarationMacroUse(g, functionMacros)) {
        // a macro that declares (pytorch_scatter's `ATOMIC(Add)`: structs and functions), used at file scope
        out.push({ ...g[0]!, text: declarationMacroUse(g, functionMacros)! });
        continue;
      } else if (!kw && (indexMacros.size || qualifierMacros.size) && !verbatim()) {
        for (const l of g) depth.advance(l.text);
        out.push(...expandGiven(g).map((l) => ({ ...l, text: expandQualifierMacros(expandMacroCalls(l.text, indexMacros), qualifierMacros) })));
        continue;
      } else if (kw === "include" && host && !verbatim()) {
        const name = /^"([^"]+)"/.exec(arg)?.[1];
        const found = name ? host.include(name, path) : undefined;
        if (found) {
          blank(g);
          if (!seen.has(found.path)) {
            seen.add(found.path);
            included.push(found.path);
            run(found.text, found.path);
          }
          continue;
        }
      } else if (kw === "pragma" && /^once\b/.test(arg)) {
        blank(g);
        continue;
      }
      if (!kw) for (const l of g) depth.advance(l.text);
      out.push(...(kw ? g : expandGiven(g)));
    }
  };
  run(source, file);
  for (const l of out) if (l.text.includes("__align__")) l.text = l.text.replace(/\b__align__(?=\s*\()/g, "alignas");
  // an explicit call of a conversion operator (`var.operator __half()`, pytorch_scatter's utils.cuh), which the
  // CUDA grammar cannot parse, is the cast it stands for (an explicit operator converts under static_cast too)
  for (const l of out) if (l.text.includes("operator")) l.text = l.text.replace(CONVERSION_CALL, (_, e: string, t: string) => `static_cast<${t.trim()}>(${e})`);
  const typedefs = followTypeAliases(out);
  return { text: out.map((l) => l.text).join("\n"), origins: out.map((l) => l.origin), included, typedefs };
}

/** `e.operator T()`: e a name or member chain, T a (qualified) type name, maybe a pointer. */
const CONVERSION_CALL = /\b([A-Za-z_]\w*(?:(?:\.|->)[A-Za-z_]\w*)*)\s*(?:\.|->)\s*operator\s+((?:const\s+)?[A-Za-z_][\w:]*(?:\s*\*)*)\s*\(\s*\)/g;
/** Words a macro may spell and still be a function's qualifiers (the parser reads them, the macro name it does not). */
const QUALIFIER_WORDS = new Set(["__host__", "__device__", "__global__", "__forceinline__", "__noinline__", "inline", "static", "constexpr"]);

/** A `#define`'s body as qualifier words (through macros already known as such), or undefined when it is anything else. */
function qualifierSpelling(body: string, known: Map<string, string>): string | undefined {
  const words = stripComments(body).trim().split(/\s+/).filter(Boolean);
  if (!words.length) return undefined;
  const out: string[] = [];
  for (const w of words) {
    if (QUALIFIER_WORDS.has(w)) out.push(w);
    else if (known.has(w)) out.push(known.get(w)!);
    else return undefined;
  }
  return out.join(" ");
}

function expandQualifierMacros(line: string, macros: Map<string, string>): string {
  if (!macros.size || line.trimStart().startsWith("#")) return line;
  return line.replace(/\b[A-Za-z_]\w*\b/g, (w) => macros.get(w) ?? w);
}

interface FunctionMacro {
  name: string;
  params: string[];
  body: string;
}

/** `NAME(a, b) body` of a `#define` whose body reads threadIdx/blockIdx/blockDim/gridDim (no `#`/`##`, no varargs). */
export function threadCoordinateMacro(arg: string): FunctionMacro | undefined {
  const m = /^(\w+)\(([^)]*)\)\s*(.*)$/.exec(stripComments(arg));
  if (!m || !/\b(threadIdx|blockIdx|blockDim|gridDim)\b/.test(m[3]!) || /#|\.\.\./.test(m[0])) return undefined;
  const params = m[2]!.split(",").map((p) => p.trim());
  if (params.some((p) => !/^[A-Za-z_]\w*$/.test(p))) return undefined;
  return { name: m[1]!, params, body: /"/.test(m[3]!) ? m[3]!.trim() : m[3]!.replace(/\s+/g, " ").trim() };
}

/** `NAME(a, b) body`: a function-like macro with named parameters that neither stringifies nor takes varargs. */
function functionMacro(arg: string): FunctionMacro | undefined {
  const m = /^(\w+)\(([^)]*)\)\s*(.*)$/.exec(stripComments(arg));
  if (!m || /\.\.\./.test(m[2]!) || /(^|[^#])#(?!#)/.test(m[3]!.replace(/##/g, ""))) return undefined;
  const params = m[2]!.trim() ? m[2]!.split(",").map((p) => p.trim()) : [];
  if (params.some((p) => !/^[A-Za-z_]\w*$/.test(p))) return undefined;
  return { name: m[1]!, params, body: m[3]!.replace(/\s+/g, " ").trim() };
}

/**
 * A line that is only the use of a macro declaring structs or functions (a body with a brace: pytorch_scatter's
 * `ATOMIC(Add)`, which defines `AtomicAddIntegerImpl` and its kin): the expansion, on the use's line, with the
 * function-like macros defined at this point expanded inside it (its `OP(X, Y)`, redefined before each use).
 */
function declarationMacroUse(g: Line[], macros: Map<string, FunctionMacro>): string | undefined {
  if (g.length !== 1) return undefined;
  const m = /^\s*([A-Za-z_]\w*)\s*\(.*\)\s*;?\s*(\/\/.*)?$/.exec(g[0]!.text);
  const macro = m ? macros.get(m[1]!) : undefined;
  if (!macro || !/[{}]/.test(macro.body)) return undefined;
  const code = g[0]!.text.replace(/\/\/.*$/, "").replace(/;\s*$/, "");
  const expanded = expandMacroCalls(code, new Map([[macro.name, macro]]));
  if (expanded === code) return undefined;
  const inner = new Map([...macros].filter(([n]) => n !== macro.name));
  return expandMacroCalls(expanded, inner);
}

/** Braces open at the end of each code line, to tell file scope (depth 0) from a body. */
class BraceDepth {
  at = 0;
  advance(text: string): void {
    const code = text.replace(/"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'|\/\/.*$|\/\*.*?\*\//g, " ");
    for (const c of code) {
      if (c === "{") this.at++;
      else if (c === "}") this.at = Math.max(0, this.at - 1);
    }
  }
}

/**
 * `NAME(T, i, ...) ((T)[...])`: a macro that is an element of the buffer its first argument names (flownet2's
 * `DIM3_INDEX(TENSOR, xx, yy, zz, ww) ((TENSOR)[(xx) * TENSOR##_stride.x + ...])`), expanded where it is used so that
 * the buffer analysis sees the subscript (an atomicAdd on `&DIM3_INDEX(gradInput, ...)` then targets gradInput).
 * `##` pastes an argument that is a name; a macro that stringifies (`#x`) or takes varargs is not expanded.
 */
export function accessorMacro(arg: string): FunctionMacro | undefined {
  const m = /^(\w+)\(([^)]*)\)\s*(.*)$/.exec(stripComments(arg));
  if (!m || /\.\.\./.test(m[2]!) || /(^|[^#])#(?!#)/.test(m[3]!.replace(/##/g, ""))) return undefined;
  const params = m[2]!.split(",").map((p) => p.trim());
  if (params.some((p) => !/^[A-Za-z_]\w*$/.test(p))) return undefined;
  const body = m[3]!.replace(/\s+/g, " ").trim();
  const subscripted = /^\(*\s*([A-Za-z_]\w*)\s*\)?\s*\[/.exec(body)?.[1];
  if (!subscripted || !params.includes(subscripted) || /"/.test(body)) return undefined;
  return { name: m[1]!, params, body };
}

/** Each call `NAME(args)` of these macros on one line replaced by the macro's body, its parameters by the arguments as written. */
export function expandMacroCalls(line: string, macros: Map<string, FunctionMacro>, depth = 0): string {
  if (depth > 4 || line.trimStart().startsWith("#")) return line;
  let out = "";
  let pos = 0;
  const call = /"(?:\\.|[^"\\])*"|\/\/.*$|(?<![.\w])([A-Za-z_]\w*)\s*\(/g;
  for (let m = call.exec(line); m; m = call.exec(line)) {
    const macro = m[1] ? macros.get(m[1]) : undefined;
    if (!macro) continue;
    const open = m.index + m[0].length - 1;
    const args = callArguments(line, open);
    if (!args || args.list.length !== macro.params.length) continue;
    const byParam = new Map(macro.params.map((p, i) => [p, args.list[i]!.trim()]));
    // `a ## b` pastes the two (an argument in place of a parameter): only where what it pastes is a name
    let unpastable = false;
    const paste = (t: string) => {
      const v = byParam.get(t) ?? t;
      if (!/^[A-Za-z_]\w*$|^\d+$/.test(v)) unpastable = true;
      return v;
    };
    // `Atomic##NAME##Impl` pastes twice: each `##` in turn, left to right
    let pasted = macro.body;
    for (let prev = ""; prev !== pasted && !unpastable; ) {
      prev = pasted;
      pasted = pasted.replace(/([A-Za-z_]\w*)\s*##\s*([A-Za-z_]\w*)/, (_, a: string, b: string) => `${paste(a)}${paste(b)}`);
    }
    if (unpastable || /##/.test(pasted)) continue;
    const body = pasted.replace(/"(?:\\.|[^"\\])*"|[A-Za-z_]\w*/g, (t) => byParam.get(t) ?? t);
    out += line.slice(pos, m.index) + expandMacroCalls(body, macros, depth + 1);
    pos = args.end;
    call.lastIndex = args.end;
  }
  return out + line.slice(pos);
}

/** The comma-separated arguments of the call whose `(` is at `open`, and the index past its `)`; undefined when it does not close on the line. */
function callArguments(text: string, open: number): { list: string[]; end: number } | undefined {
  const list: string[] = [];
  let depth = 0;
  let start = open + 1;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") {
      if (--depth === 0) {
        list.push(text.slice(start, i));
        return { list: list.length === 1 && !list[0]!.trim() ? [] : list, end: i + 1 };
      }
    } else if (c === "," && depth === 1) {
      list.push(text.slice(start, i));
      start = i + 1;
    }
  }
  return undefined;
}

function stripComments(s: string): string {
  return s.replace(/\/\*.*?\*\//g, " ").replace(/\/\/.*$/, "");
}

const BUILTIN_TYPE = (t: string) => SCALAR_TYPES[t] !== undefined || VECTOR_TYPES[t] !== undefined || GLM_TYPES[t] !== undefined;

/**
 * GLM's float vectors and matrices (gsplat's `using vec3 = glm::vec<3, float>;`) under their canonical GLM
 * name (`glm::vec3`, `glm::mat3`): the translator maps them onto Metal's float3 / float3x3 (passes/kernel/glm.ts),
 * and the CUDA original, which --verify runs from this text, keeps GLM's meaning. GLM's packed default
 * gives a vec3 12 bytes, as a CUDA float3, so a buffer of them is read in Metal as packed_float3.
 */
function glmType(type: string): string {
  return canonicalGlmType(type) ?? type;
}

/** `typedef T name;` / `using name = T;` */
const ALIAS_RE = /^\s*(?:typedef\s+((?:const\s+)?[\w:]+(?:\s+[\w:]+)*?)\s+(\w+)\s*;|using\s+(\w+)\s*=\s*([\w:]+(?:\s+[\w:]+)*?|glm::(?:vec|mat)\s*<[\w\s,:]*>)\s*;)\s*(\/\/.*)?$/;
/** `typedef T* __restrict__ name;` / `using name = const T*;`: RWKV's `typedef bf * __restrict__ F_;` for every kernel parameter */
const POINTER = String.raw`(?:const\s+)?[\w:]+(?:\s+const)?\s*\*(?:\s*(?:__restrict__|const)\b)*`;
const POINTER_ALIAS_RE = new RegExp(String.raw`^\s*(?:typedef\s+(${POINTER})\s*(\w+)\s*;|using\s+(\w+)\s*=\s*(${POINTER})\s*;)\s*(\/\/.*)?$`);

/** The alias a line declares, its type as one spaced string; undefined when the line declares none. */
function aliasOf(text: string): { name: string; type: string } | undefined {
  const m = ALIAS_RE.exec(text) ?? POINTER_ALIAS_RE.exec(text);
  if (!m) return undefined;
  const type = (m[1] ?? m[4]!)
    .replace(/\s*\*\s*/, " * ")
    .replace(/\s+/g, " ")
    .trim();
  return { name: m[2] ?? m[3]!, type: glmType(type) };
}

/** The scalar or vector type an alias's type is made of: `const float` and `__nv_bfloat16 * __restrict__` name float and __nv_bfloat16. */
function baseOf(type: string): string {
  return type.replace(/^const /, "").replace(/(?: const)? \*[\s\S]*$/, "");
}

/**
 * `typedef T name;` / `using name = T;` with T a scalar or vector type, or a pointer to one (or an alias
 * already followed).
 */
function followTypeAliases(lines: Line[]): Map<string, string> {
  const aliases = new Map<string, string>();
  const scopes = new BraceScopes();
  for (const l of lines) {
    // a member alias (`template <> struct BytesToType<16> { using Type = uint4; }`) names the type in its class only
    const member = scopes.inClass();
    scopes.advance(l.text);
    if (member) {
      if (aliases.size) l.text = substitute(l.text, aliases);
      continue;
    }
    // the same alias declared again (llm.c: common.h's `typedef float floatX;`, then the file's own) is already followed
    const again = aliases.size ? aliasOf(l.text) : undefined;
    if (again && aliases.get(again.name) === again.type) {
      l.text = "";
      continue;
    }
    if (aliases.size) l.text = substitute(l.text, aliases);
    const alias = aliasOf(l.text);
    if (!alias || !BUILTIN_TYPE(baseOf(alias.type)) || BUILTIN_TYPE(alias.name)) continue;
    aliases.set(alias.name, alias.type);
    l.text = "";
  }
  return aliases;
}

/**
 * The braces open before a line, line by line: whether the line is inside a class body (struct, class,
 * union), where an alias is a member. Function bodies and namespaces do not count: an alias there was
 * always followed for the rest of the file.
 */
class BraceScopes {
  private open: boolean[] = [];
  private pendingClass = false;
  inClass(): boolean {
    return this.open.some((isClass) => isClass);
  }
  advance(text: string): void {
    const code = text.replace(/"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'|\/\/.*$|\/\*.*?\*\//g, " ");
    let from = 0;
    for (let i = 0; i < code.length; i++) {
      const c = code[i];
      if (c !== "{" && c !== "}" && c !== ";") continue;
      const before = code.slice(from, i);
      from = i + 1;
      if (c === "{") this.open.push(this.pendingClass || CLASS_HEAD.test(before));
      else if (c === "}") this.open.pop();
      this.pendingClass = false;
    }
    if (CLASS_HEAD.test(code.slice(from))) this.pendingClass = true;
  }
}
const CLASS_HEAD = /\b(?:struct|class|union)\s+[A-Za-z_][^;{}()=]*$|\b(?:struct|class|union)\s*$/;

/** Replaces alias names outside strings and comments, where a type name can stand (not after `.`/`->`/`::`). */
function substitute(text: string, aliases: Map<string, string>): string {
  // `const P x` with P a pointer alias is a const pointer: spelled `P const x`, the substituted text says the same
  const pointers = [...aliases].filter(([, t]) => t.includes("*")).map(([n]) => n);
  if (pointers.length) text = text.replace(new RegExp(String.raw`\bconst\s+(${pointers.join("|")})\b`, "g"), "$1 const");
  return text.replace(/"(?:\\.|[^"\\])*"|\/\/.*$|(?<![.\w]|->|::)([A-Za-z_]\w*)\b/g, (m, id: string | undefined) => (id && aliases.has(id) ? aliases.get(id)! : m));
}

/** The value of an `#if` expression, or undefined when it calls a function-like macro or does not parse. */
export function evalCondition(expr: string, macros: Map<string, string | null>, depth = 0): boolean | undefined {
  const v = evalIntExpr(expr, macros, depth);
  return v === undefined ? undefined : v !== 0;
}

function evalIntExpr(expr: string, macros: Map<string, string | null>, depth: number): number | undefined {
  const toks = stripComments(expr).match(/defined|\d+[uUlL]*|0[xX][0-9a-fA-F]+[uUlL]*|[A-Za-z_]\w*|&&|\|\||<<|>>|[<>=!]=|[-+*/%()!~<>&|^?:]/g) ?? [];
  let i = 0;
  let undecided = false;
  const peek = () => toks[i];
  const next = () => toks[i++];
  const atom = (): number => {
    const t = next();
    if (t === undefined) return ((undecided = true), 0);
    if (t === "(") {
      const v = ternary();
      if (next() !== ")") undecided = true;
      return v;
    }
    if (t === "!") return atom() ? 0 : 1;
    if (t === "~") return ~atom();
    if (t === "-") return -atom();
    if (t === "+") return atom();
    if (t === "defined") {
      const paren = peek() === "(";
      if (paren) next();
      const name = next() ?? "";
      if (paren && next() !== ")") undecided = true;
      return macros.has(name) ? 1 : 0;
    }
    if (/^\d|^0[xX]/.test(t)) return Number.parseInt(t.replace(/[uUlL]+$/, ""), /^0[xX]/.test(t) ? 16 : 10);
    if (/^[A-Za-z_]/.test(t)) {
      if (!macros.has(t)) return 0; // an unknown name is 0, as C says
      const body = macros.get(t);
      if (body === null || peek() === "(" || depth > 8) return ((undecided = true), 0);
      const v = body === "" ? 0 : evalIntExpr(body!, macros, depth + 1);
      if (v === undefined) undecided = true;
      return v ?? 0;
    }
    undecided = true;
    return 0;
  };
  const levels: string[][] = [["||"], ["&&"], ["|"], ["^"], ["&"], ["==", "!="], ["<", ">", "<=", ">="], ["<<", ">>"], ["+", "-"], ["*", "/", "%"]];
  const apply = (op: string, a: number, b: number): number => {
    switch (op) {
      case "||":
        return a || b ? 1 : 0;
      case "&&":
        return a && b ? 1 : 0;
      case "|":
        return a | b;
      case "^":
        return a ^ b;
      case "&":
        return a & b;
      case "==":
        return a === b ? 1 : 0;
      case "!=":
        return a !== b ? 1 : 0;
      case "<":
        return a < b ? 1 : 0;
      case ">":
        return a > b ? 1 : 0;
      case "<=":
        return a <= b ? 1 : 0;
      case ">=":
        return a >= b ? 1 : 0;
      case "<<":
        return a << b;
      case ">>":
        return a >> b;
      case "+":
        return a + b;
      case "-":
        return a - b;
      case "*":
        return a * b;
      case "/":
        return b === 0 ? ((undecided = true), 0) : Math.trunc(a / b);
      default:
        return b === 0 ? ((undecided = true), 0) : a % b;
    }
  };
  const binary = (level: number): number => {
    if (level === levels.length) return atom();
    let a = binary(level + 1);
    while (peek() !== undefined && levels[level]!.includes(peek()!)) {
      const op = next()!;
      a = apply(op, a, binary(level + 1));
    }
    return a;
  };
  const ternary = (): number => {
    const c = binary(0);
    if (peek() !== "?") return c;
    next();
    const a = ternary();
    if (next() !== ":") undecided = true;
    const b = ternary();
    return c ? a : b;
  };
  const v = ternary();
  if (i !== toks.length) undecided = true;
  return undecided ? undefined : v;
}
