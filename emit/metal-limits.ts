/**
 * Metal's limit on a threadgroup's memory: Apple GPUs give a threadgroup 32 KiB (maxThreadgroupMemoryLength),
 * where CUDA gives a block 48 KiB of static `__shared__` memory (ChamferDistancePytorch's chamfer5D declares
 * `__shared__ float buf[2048 * 5]`, 40 KiB). A kernel whose static arrays need more cannot be expressed in
 * Metal as written: it is refused (C2M-K002) at its largest array. Sizes are evaluated from integer literals,
 * the kernel's own `const` integers, file-scope constants and object-like macros; an array whose size or element
 * type depends on anything else (a template parameter, a launch's dynamic shared memory) is not counted, so the
 * check only refuses what certainly does not fit. Pure: reads the unit and the analysis.
 */
import type { CudaNode } from "../grammar/cuda.js";
import type { KFunction, KType, KernelUnit, SharedArray } from "../ir/kernel.js";
import type { DiagnosticBag } from "../ir/diagnostics.js";
import { reportKernel } from "../ir/kernel-diagnostics.js";
import { field, fields, position, qualifierWords, walk } from "../passes/kernel/cst.js";
import { SCALAR_TYPES, VECTOR_TYPES } from "../passes/kernel/tables.js";

export const METAL_THREADGROUP_BYTES = 32768;

/** Reports the kernel when its static threadgroup arrays (its own and those hoisted from device functions) certainly exceed Metal's limit. */
export function checkThreadgroupMemory(unit: KernelUnit, k: KFunction, shared: SharedArray[], bag: DiagnosticBag): void {
  const values = constantValues(unit, k);
  const sized = shared.filter((s) => !s.dynamic).map((s) => ({ s, bytes: arrayBytes(s, values) }));
  // only what is known is counted: the known part alone may already be over the limit
  const known = sized.filter((x): x is { s: SharedArray; bytes: number } => x.bytes !== undefined);
  const total = known.reduce((a, x) => a + x.bytes, 0);
  if (total <= METAL_THREADGROUP_BYTES || !known.length) return;
  const largest = known.reduce((a, x) => (x.bytes > a.bytes ? x : a));
  const list = known.map((x) => `${x.s.name}: ${x.bytes}`).join(", ");
  reportKernel(
    bag,
    "C2M-K002",
    position(largest.s.node),
    `kernel '${k.name}' declares ${total} bytes of __shared__ memory (${list}); a Metal threadgroup holds at most ${METAL_THREADGROUP_BYTES} bytes (32 KiB on Apple GPUs, where CUDA gives a block 48 KiB): make the arrays smaller (process the data in smaller tiles)`,
  );
}

/** Bytes of one static array, or undefined when its element type or a dimension is not a known constant. */
function arrayBytes(s: SharedArray, values: Map<string, number>): number | undefined {
  const elem = elemBytes(s.elem);
  if (elem === undefined) return undefined;
  let n = 1;
  for (const d of s.dims) {
    const v = evalInt(d, values);
    if (v === undefined || v < 0) return undefined;
    n *= v;
  }
  return n * elem;
}

/** Metal's size of an element: double is computed as float, a 3-vector takes a 4-vector's room. */
function elemBytes(t: KType): number | undefined {
  if (t.kind === "scalar") return t.name === "double" ? 4 : SCALAR_TYPES[t.name] ? SCALAR_TYPES[t.name]!.bits / 8 : undefined;
  if (t.kind === "vector") {
    const v = VECTOR_TYPES[t.name];
    const e = v ? SCALAR_TYPES[v.elem] : undefined;
    return v && e ? (e.bits / 8) * (v.width === 3 ? 4 : v.width) : undefined;
  }
  return undefined;
}

/** Integer constants the sizes may name: object-like macros, file-scope constants, the kernel's own const locals. */
function constantValues(unit: KernelUnit, k: KFunction): Map<string, number> {
  const texts = new Map<string, string>();
  for (const m of unit.macros) {
    const d = /^\s*#\s*define\s+(\w+)\s+([^\n]+)$/.exec(m.text);
    if (d && !/^\w+\(/.test(m.text.replace(/^\s*#\s*define\s+/, ""))) texts.set(d[1]!, d[2]!.trim());
  }
  const fromDeclaration = (n: CudaNode) => {
    if (n.type !== "declaration" || !qualifierWords(n).some((q) => q === "const" || q === "constexpr")) return;
    for (const d of fields(n, "declarator")) {
      if (d.type !== "init_declarator") continue;
      const name = field(d, "declarator");
      const value = field(d, "value");
      if (name?.type === "identifier" && value) texts.set(name.text, value.text);
    }
  };
  for (const c of unit.constants) fromDeclaration(c.node);
  walk(k.body, (n) => {
    fromDeclaration(n);
  });
  const values = new Map<string, number>();
  const resolving = new Set<string>();
  const resolve = (name: string): number | undefined => {
    if (values.has(name)) return values.get(name);
    const t = texts.get(name);
    if (t === undefined || resolving.has(name)) return undefined;
    resolving.add(name);
    const v = evalInt(t, values, resolve);
    resolving.delete(name);
    if (v !== undefined) values.set(name, v);
    return v;
  };
  for (const name of texts.keys()) resolve(name);
  return values;
}

/** An integer expression of literals, names with known values, + - * / % << >> and parentheses; undefined otherwise. */
export function evalInt(text: string, values: Map<string, number>, resolve?: (name: string) => number | undefined): number | undefined {
  const tokens = text.match(/0[xX][0-9a-fA-F]+|\d+|[A-Za-z_]\w*|<<|>>|[-+*/%()]|\S/g) ?? [];
  let i = 0;
  const atom = (): number | undefined => {
    const t = tokens[i++];
    if (t === undefined) return undefined;
    if (t === "(") {
      const v = sum();
      return tokens[i++] === ")" ? v : undefined;
    }
    if (t === "-") {
      const v = atom();
      return v === undefined ? undefined : -v;
    }
    if (/^0[xX]/.test(t)) return Number.parseInt(t, 16);
    if (/^\d+$/.test(t)) {
      while (/^[uUlL]+$/.test(tokens[i] ?? "")) i++;
      return Number(t);
    }
    if (/^[A-Za-z_]/.test(t)) return values.get(t) ?? resolve?.(t);
    return undefined;
  };
  const product = (): number | undefined => {
    let v = atom();
    while (v !== undefined && (tokens[i] === "*" || tokens[i] === "/" || tokens[i] === "%")) {
      const op = tokens[i++];
      const r = atom();
      if (r === undefined || (op !== "*" && r === 0)) return undefined;
      v = op === "*" ? v * r : op === "/" ? Math.trunc(v / r) : v % r;
    }
    return v;
  };
  const sum = (): number | undefined => {
    let v = product();
    while (v !== undefined && (tokens[i] === "+" || tokens[i] === "-")) {
      const op = tokens[i++];
      const r = product();
      if (r === undefined) return undefined;
      v = op === "+" ? v + r : v - r;
    }
    while (v !== undefined && (tokens[i] === "<<" || tokens[i] === ">>")) {
      const op = tokens[i++];
      const r = sum();
      if (r === undefined) return undefined;
      v = op === "<<" ? v * 2 ** r : Math.floor(v / 2 ** r);
    }
    return v;
  };
  const v = sum();
  return i === tokens.length && v !== undefined && Number.isFinite(v) ? v : undefined;
}
