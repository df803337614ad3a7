/**
 * A macro the kernel uses is carried into the Metal source as written (`#define IMUL(a, b) __mul24(a, b)`), and
 * Metal's preprocessor expands it there: CUDA intrinsics in its body must be Metal's by then. The body's calls of
 * the math table's functions are rewritten as the printer rewrites calls in code (cuda-samples' scalarProd: its
 * `IMUL` left `__mul24` undeclared in Metal, which the clang check caught).
 */
import { MATH_FUNCTIONS } from "../passes/kernel/tables.js";

/** The macro's text with each call of a table function (`__mul24(a, b)`) in Metal's spelling. */
export function metalMacroText(text: string): string {
  const header = /^#define\s+\w+(\([^)]*\))?/.exec(text)?.[0] ?? "";
  return header + rewriteCalls(text.slice(header.length));
}

const CUDA_ONLY = /^(__\w+|umin|umax)$/;

function rewriteCalls(body: string): string {
  let out = "";
  let i = 0;
  const call = /\b([A-Za-z_]\w*)\s*\(/g;
  for (let m = call.exec(body); m; m = call.exec(body)) {
    // only CUDA's own intrinsics: the C math names (sqrtf(2.0f / M_PI)) keep the spelling the Metal prelude
    // declares for them, whose float overloads a macro's untyped text needs
    const template = CUDA_ONLY.test(m[1]) ? MATH_FUNCTIONS[m[1]] : undefined;
    if (template === undefined) continue;
    const open = m.index + m[0].length - 1;
    const close = matchingParen(body, open);
    if (close < 0) continue;
    // a macro's arguments are substituted as text: each is parenthesised, as a function's argument is one value
    const args = splitArgs(body.slice(open + 1, close)).map((a) => `(${rewriteCalls(a.trim())})`);
    out += body.slice(i, m.index) + (template.includes("{0}") ? template.replace(/\{(\d+)\}/g, (_, k: string) => args[Number(k)] ?? "") : `${template}(${args.join(", ")})`);
    i = close + 1;
    call.lastIndex = close + 1;
  }
  return out + body.slice(i);
}

function matchingParen(s: string, open: number): number {
  let depth = 0;
  for (let k = open; k < s.length; k++) {
    if (s[k] === "(") depth++;
    else if (s[k] === ")" && --depth === 0) return k;
  }
  return -1;
}

function splitArgs(s: string): string[] {
  const args: string[] = [];
  let depth = 0;
  let start = 0;
  for (let k = 0; k < s.length; k++) {
    if (s[k] === "(" || s[k] === "[") depth++;
    else if (s[k] === ")" || s[k] === "]") depth--;
    else if (s[k] === "," && depth === 0) {
      args.push(s.slice(start, k));
      start = k + 1;
    }
  }
  args.push(s.slice(start));
  return args;
}
