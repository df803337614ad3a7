/**
 * A part of the ownership proof (ownership.ts): an owner index built from the digits of one thread index
 * in a mixed radix, recombined in another order, e.g. llm.c's attention_softmax_kernel1
 *   h = idx % NH;  t = (idx / NH) % T;  b = idx / (NH * T);   owner = b*NH*T + h*T + t
 * The digits h ∈ [0, NH), t ∈ [0, T) and b (the top digit, unbounded) are idx written in the radices NH, T;
 * the owner writes the same digits in the radices T, NH (each digit's coefficient the product of the
 * moduli of the digits below it), with the top digit on top. Both are one-to-one, so no two threads share
 * an owner. Holds when every owner term is one digit times its coefficient, every digit is of one base that
 * is itself one per thread, the digits' divisors chain (each the product of the moduli below it, the top's
 * all of them), and the coefficients chain the same way in the owner's order. Pure: reads texts.
 */

interface Digit {
  name: string;
  /** the divisors' factors, sorted */
  div: string[];
  /** the modulus (absent for the top digit) */
  mod?: string;
  /** the owner term's other factors, sorted */
  coef: string[];
}

const norm = (s: string) => s.replace(/\s+/g, "");

function stripParens(t: string): string {
  let s = t;
  while (/^\(.*\)$/.test(s) && balancedInside(s)) s = s.slice(1, -1);
  return s;
}

/** `(a)(b)` is not one group: the parentheses opened first close last. */
function balancedInside(s: string): boolean {
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    depth += s[i] === "(" ? 1 : s[i] === ")" ? -1 : 0;
    if (depth === 0 && i < s.length - 1) return false;
  }
  return depth === 0;
}

/** Splits at `sep` outside parentheses. */
function topLevel(s: string, sep: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === "(") depth++;
    else if (s[i] === ")") depth--;
    else if (s[i] === sep && depth === 0) {
      out.push(s.slice(start, i));
      start = i + 1;
    }
  }
  out.push(s.slice(start));
  return out;
}

const NAME = /^[A-Za-z_][\w.]*$|^\d+$/;

/** `(base / D1 / (D2 * D3)) % M` → its base, divisor factors and modulus; undefined for any other shape. */
function digitOf(text: string): { base: string; div: string[]; mod?: string } | undefined {
  let e = stripParens(norm(text));
  let mod: string | undefined;
  const parts = topLevel(e, "%");
  if (parts.length === 2) {
    mod = stripParens(parts[1]!);
    if (!NAME.test(mod)) return undefined;
    e = stripParens(parts[0]!);
  } else if (parts.length > 2) return undefined;
  const [base, ...divisors] = topLevel(e, "/").map(stripParens);
  if (!base || !/^[A-Za-z_]\w*$/.test(base)) return undefined;
  const div = divisors.flatMap((d) => topLevel(d, "*").map(stripParens));
  if (!div.every((d) => NAME.test(d))) return undefined;
  return { base, div: div.sort(), mod };
}

const sameList = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * Whether `owner` (normalised, `a*b+c`) is a mixed-radix recombination of one base's digits, the base one
 * per thread (`perThread` of its expansion).
 */
export function mixedRadixOwner(owner: string, defs: Map<string, string>, perThread: (name: string) => boolean): boolean {
  const digits: Digit[] = [];
  let base: string | undefined;
  for (const term of topLevel(norm(owner), "+")) {
    const factors = topLevel(term, "*").map(stripParens);
    const found = factors.map((f) => ({ f, d: defs.get(f) ? digitOf(defs.get(f)!) : undefined })).filter((x) => x.d);
    if (found.length !== 1) return false;
    const { f, d } = found[0]!;
    if (base !== undefined && d!.base !== base) return false;
    base = d!.base;
    const coef = [...factors];
    coef.splice(coef.indexOf(f), 1);
    if (!coef.every((c) => NAME.test(c)) || digits.some((x) => x.name === f)) return false;
    digits.push({ name: f, div: d!.div, mod: d!.mod, coef: coef.sort() });
  }
  const top = digits.filter((d) => d.mod === undefined);
  if (!base || top.length !== 1 || !perThread(base)) return false;
  // idx's own order: each bounded digit's divisors are the moduli of the digits below it, the top's all of them
  const below = digits.filter((d) => d.mod !== undefined).sort((a, b) => a.div.length - b.div.length);
  const mods: string[] = [];
  for (const d of below) {
    if (!sameList(d.div, [...mods].sort())) return false;
    mods.push(d.mod!);
  }
  if (!sameList(top[0]!.div, [...mods].sort())) return false;
  // the owner's order: each coefficient the moduli of the digits after it, the top digit first
  const order = [...digits].sort((a, b) => b.coef.length - a.coef.length);
  if (order[0] !== top[0]) return false;
  return order.every((d, i) =>
    sameList(
      d.coef,
      order
        .slice(i + 1)
        .map((x) => x.mod!)
        .sort(),
    ),
  );
}
