/**
 * Block shapes a kernel's own code implies, for synthesised launches (synth-spec.ts candidateLaunches): the extents
 * it asserts, and the width it strides threadIdx.x by over a shared or global array.
 */

/**
 * The block extents a kernel asserts (`assert(blockDim.x == 4)`, `assert(blockDim.y == bdy)` with `constexpr
 * int bdy = 32 / bdx;` folded), as integers; a dimension whose assertion does not fold is left out. With
 * `gridDim`, the grid extents it asserts (`assert(gridDim.x == 1)`).
 */
export function assertedBlock(source: string, builtin: "blockDim" | "gridDim" = "blockDim"): Partial<Record<"x" | "y" | "z", number>> {
  const consts = new Map<string, string>();
  for (const m of source.matchAll(/\bconstexpr\s+(?:const\s+)?(?:int|unsigned(?:\s+int)?|size_t)\s+(\w+)\s*=\s*([^;]+);/g)) consts.set(m[1]!, m[2]!);
  const out: Partial<Record<"x" | "y" | "z", number>> = {};
  for (const m of source.matchAll(new RegExp(`\\bassert\\s*\\(\\s*${builtin}\\s*\\.\\s*([xyz])\\s*==\\s*([^;]+?)\\)\\s*;`, "g"))) {
    let e = m[2]!;
    for (let i = 0; i < 4; i++) e = e.replace(/[A-Za-z_]\w*/g, (id) => (consts.has(id) ? `(${consts.get(id)})` : id));
    const v = integerValue(e);
    if (v !== undefined && v > 0) out[m[1] as "x" | "y" | "z"] = v;
  }
  return out;
}

/** `32 / (4)`, `(6 * (1U << 5))`: integer arithmetic as C evaluates it (division truncates); undefined for anything else. */
function integerValue(text: string): number | undefined {
  // integer suffixes dropped (`1U << 5`); shifts bind looser than + and -, as in C
  const tokens = text.replace(/\b(\d+)[uUlL]+\b/g, "$1").match(/\d+|<<|>>|[-+*/%()]|\S/g) ?? [];
  let i = 0;
  const factor = (): number => {
    const t = tokens[i++];
    if (t === "(") {
      const v = shift();
      if (tokens[i++] !== ")") throw new Error("')'");
      return v;
    }
    if (t === "-") return -factor();
    if (t !== undefined && /^\d+$/.test(t)) return Number(t);
    throw new Error(`'${t}'`);
  };
  const product = (): number => {
    let v = factor();
    while (tokens[i] === "*" || tokens[i] === "/" || tokens[i] === "%") {
      const op = tokens[i++];
      const r = factor();
      if (op !== "*" && r === 0) throw new Error("division by zero");
      v = op === "*" ? v * r : op === "/" ? Math.trunc(v / r) : v % r;
    }
    return v;
  };
  const sum = (): number => {
    let v = product();
    while (tokens[i] === "+" || tokens[i] === "-") v = tokens[i++] === "+" ? v + product() : v - product();
    return v;
  };
  const shift = (): number => {
    let v = sum();
    while (tokens[i] === "<<" || tokens[i] === ">>") {
      const op = tokens[i++];
      const r = sum();
      if (r < 0 || r > 30) throw new Error("shift");
      v = op === "<<" ? v * 2 ** r : Math.floor(v / 2 ** r);
    }
    return v;
  };
  try {
    const v = shift();
    return i === tokens.length ? v : undefined;
  } catch {
    return undefined;
  }
}

/** Object-like `#define NAME value` and `constexpr int NAME = value;` of a kernel's code, by name. */
function constants(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of text.matchAll(/^[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)[ \t]+([^\n]*?)[ \t]*(?:\/\/[^\n]*)?$/gm)) out.set(m[1]!, m[2]!);
  for (const m of text.matchAll(/\bconstexpr\s+(?:const\s+)?(?:int|unsigned(?:\s+int)?|size_t)\s+(\w+)\s*=\s*([^;]+);/g)) out.set(m[1]!, m[2]!);
  return out;
}

/** An operand of `threadIdx.x + …`: a name, a literal, or a parenthesised expression (balanced). */
const OPERAND = String.raw`(?:[A-Za-z_]\w*|\d+\w*|\((?:[^()]|\((?:[^()]|\([^()]*\))*\))*\))`;

/**
 * The widths a kernel strides threadIdx.x by where it fills an array a block at a time, as integers in 32..1024:
 * `s[threadIdx.x + i * C]` (cuda-samples' histogram256 clears `s_Hist` so, C = HISTOGRAM256_THREADBLOCK_SIZE = 192) and
 * `s[threadIdx.x + C]` (bitonicSortShared1 loads two halves of its shared array, C = SHARED_SIZE_LIMIT / 2 = 512):
 * the kernel expects a block of C threads, and with fewer it reads what nobody wrote. Macros and constexpr names
 * are folded; a width that does not fold is left out.
 */
export function stridedWidths(text: string): number[] {
  const consts = constants(text);
  const fold = (e: string): number | undefined => {
    for (let i = 0; i < 6; i++) e = e.replace(/[A-Za-z_]\w*/g, (id) => (consts.has(id) ? `(${consts.get(id)})` : id));
    return integerValue(e);
  };
  const out = new Set<number>();
  const re = new RegExp(String.raw`\bthreadIdx\s*\.\s*x\s*\+\s*(?:[A-Za-z_]\w*\s*\*\s*(${OPERAND})|(${OPERAND})(?:\s*\*\s*[A-Za-z_]\w*)?)(?=\s*[\])])`, "g");
  for (const m of text.matchAll(re)) {
    const v = fold(m[1] ?? m[2]!);
    if (v !== undefined && v >= 32 && v <= 1024) out.add(v);
  }
  return [...out];
}
