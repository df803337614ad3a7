/**
 * Renders a mapping-table template (language documented in ir/tables.ts) against a call's arguments,
 * already bound to torch parameter names.
 */
export interface TemplateArgs {
  /** bound argument text by torch parameter name (varargs: the list of texts) */
  given: Map<string, string | string[]>;
  /** torch defaults by parameter name (from the signature), used for `{name}` holes the call omits */
  defaults: Map<string, string>;
}

export type RenderResult = { ok: true; text: string; helpers: string[] } | { ok: false; missing: string };

export function renderTemplate(template: string, args: TemplateArgs): RenderResult {
  const helpers: string[] = [];
  let missing: string | undefined;
  const hole = (spec: string, optional: boolean): string | undefined => {
    if (spec.startsWith("@")) {
      helpers.push(spec.slice(1));
      return spec.slice(1);
    }
    if (spec.startsWith("*")) {
      const v = args.given.get(spec.slice(1));
      if (v === undefined) return optional ? undefined : "";
      return Array.isArray(v) ? v.join(", ") : v;
    }
    const eq = spec.indexOf("=");
    const name = eq >= 0 ? spec.slice(0, eq) : spec;
    const v = args.given.get(name);
    if (v !== undefined) return Array.isArray(v) ? v.join(", ") : v;
    if (optional) return undefined;
    if (eq >= 0) return spec.slice(eq + 1);
    const d = args.defaults.get(name);
    if (d !== undefined) return d;
    missing ??= name;
    return "";
  };
  const fill = (text: string, optional: boolean): string | undefined => {
    let out = "";
    for (let i = 0; i < text.length; i++) {
      const ch = text[i];
      if (ch === "{") {
        const end = text.indexOf("}", i);
        const v = hole(text.slice(i + 1, end), optional);
        if (v === undefined) return undefined;
        out += v;
        i = end;
      } else if (ch === "[" && isOptionalPiece(text, i)) {
        const end = matching(text, i);
        const piece = fill(text.slice(i + 1, end), true);
        if (piece !== undefined) out += piece;
        i = end;
      } else out += ch;
    }
    return out;
  };
  // an optional first argument that was left out leaves "(, " behind
  const text = fill(template, false)!.replace(/\(\s*,\s*/g, "(");
  return missing ? { ok: false, missing } : { ok: true, text, helpers };
}

/** `[` opens an optional piece only when the bracketed text holds a hole; otherwise it is Python indexing. */
function isOptionalPiece(text: string, open: number): boolean {
  const end = matching(text, open);
  return end > open && /\{[^@][^}]*\}/.test(text.slice(open + 1, end));
}

function matching(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === "[") depth++;
    else if (text[i] === "]" && --depth === 0) return i;
  }
  return -1;
}

export interface SigParam {
  name: string;
  default?: string;
  varargs?: boolean;
  kwOnly?: boolean;
}

/** Parses ["input", "dim=None", "*shape", "*", "keepdim=False"] into parameters. */
export function parseSig(sig: string[]): SigParam[] {
  const out: SigParam[] = [];
  let kwOnly = false;
  for (const s of sig) {
    if (s === "*") {
      kwOnly = true;
      continue;
    }
    if (s.startsWith("**")) continue;
    if (s.startsWith("*")) {
      out.push({ name: s.slice(1), varargs: true });
      kwOnly = true;
      continue;
    }
    const eq = s.indexOf("=");
    out.push(eq >= 0 ? { name: s.slice(0, eq), default: s.slice(eq + 1), kwOnly } : { name: s, kwOnly });
  }
  return out;
}

export interface Binding<T> {
  byName: Map<string, T | T[]>;
  /** keyword names the signature does not have */
  unknown: string[];
  /** positional arguments beyond the signature */
  extra: number;
}

/** Binds positional and keyword arguments to signature parameters, as Python would. */
export function bindArgs<T>(params: SigParam[], positional: T[], keyword: Map<string, T>): Binding<T> {
  const byName = new Map<string, T | T[]>();
  let i = 0;
  let extra = 0;
  for (const p of params) {
    if (p.varargs) {
      const rest = positional.slice(i);
      if (rest.length) byName.set(p.name, rest);
      i = positional.length;
      continue;
    }
    if (p.kwOnly) continue;
    if (i < positional.length) byName.set(p.name, positional[i++]);
  }
  if (i < positional.length) extra = positional.length - i;
  const unknown: string[] = [];
  for (const [k, v] of keyword) {
    if (params.some((p) => p.name === k && !p.varargs)) byName.set(k, v);
    else unknown.push(k);
  }
  return { byName, unknown, extra };
}
