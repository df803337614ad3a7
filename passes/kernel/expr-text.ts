/** Text helpers for the ownership proofs (ownership.ts): expressions compared as their whitespace-free text. Pure. */

/** `t` split at each `sep` outside parentheses. */
export function splitTopLevel(t: string, sep: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < t.length; i++) {
    depth += t[i] === "(" ? 1 : t[i] === ")" ? -1 : 0;
    if (t[i] === sep && depth === 0) {
      out.push(t.slice(start, i));
      start = i + 1;
    }
  }
  out.push(t.slice(start));
  return out;
}

/** `t` without the parentheses that enclose all of it. */
export function stripParens(t: string): string {
  let s = t;
  while (/^\(.*\)$/.test(s) && balanced(s.slice(1, -1))) s = s.slice(1, -1);
  return s;
}

/** Whether every parenthesis of `t` closes one opened before it, and all are closed. */
export function balanced(t: string): boolean {
  let depth = 0;
  for (const c of t) {
    depth += c === "(" ? 1 : c === ")" ? -1 : 0;
    if (depth < 0) return false;
  }
  return depth === 0;
}
