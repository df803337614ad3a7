/**
 * The template language of the mapping tables (see ir/tables.ts): binding a torch call's arguments
 * to a signature, and rendering an MLX template from them.
 *
 * Arguments are Python source text, never evaluated: `bindArgs(["in_channels", "stride=1"], ["3", "stride=2"])`
 * gives `{ in_channels: "3", stride: "2" }`.
 */

export interface SigParam {
  name: string;
  /** the default as Python text; undefined when the parameter is required */
  default?: string;
  /** `*args`: collects the surplus positional arguments */
  varargs?: boolean;
  /** `**kwargs`: collects unknown keyword arguments (joined as `k=v, ...`) */
  varkw?: boolean;
}

/** Parses a table's `sig` ("name", "name=default", "*args", "**kwargs"). */
export function parseSig(sig: readonly string[]): SigParam[] {
  return sig.map((entry) => {
    if (entry.startsWith("**")) return { name: entry.slice(2), varkw: true };
    if (entry.startsWith("*")) return { name: entry.slice(1), varargs: true };
    const eq = entry.indexOf("=");
    if (eq < 0) return { name: entry.trim() };
    return { name: entry.slice(0, eq).trim(), default: entry.slice(eq + 1).trim() };
  });
}

/** Splits Python argument text at its top-level commas (brackets and string literals respected). */
export function splitArgs(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      if (ch === "\\") i++;
      else if (ch === quote) quote = null;
      continue;
    }
    if (ch === "'" || ch === '"') quote = ch;
    else if ("([{".includes(ch)) depth++;
    else if (")]}".includes(ch)) depth--;
    else if (ch === "," && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  const trimmed = parts.map((p) => p.trim());
  // a trailing comma leaves one empty piece
  if (trimmed.length > 0 && trimmed[trimmed.length - 1] === "") trimmed.pop();
  return trimmed;
}

const KEYWORD_ARG = /^([A-Za-z_][A-Za-z0-9_]*)\s*=(?!=)\s*([\s\S]*)$/;

/**
 * Binds a call's arguments (Python texts, positional then `name=value`) to `sig`. The result maps
 * each parameter the call gave to its text; a `*args` parameter maps to its arguments joined with ", ".
 * Throws an Error with a readable message on a surplus, unknown, duplicate or unbindable argument.
 */
export function bindArgs(sig: readonly string[], args: readonly string[] | string): Map<string, string> {
  const params = parseSig(sig);
  const texts = typeof args === "string" ? splitArgs(args) : args;
  const bound = new Map<string, string>();
  const positional = params.filter((p) => !p.varargs && !p.varkw);
  const varargs = params.find((p) => p.varargs);
  const varkw = params.find((p) => p.varkw);
  const rest: string[] = [];
  const extraKw: string[] = [];
  let next = 0;
  for (const text of texts) {
    if (text.startsWith("*")) throw new Error(`cannot bind unpacked argument '${text}' statically`);
    const kw = KEYWORD_ARG.exec(text);
    if (kw) {
      const [, name, value] = kw as unknown as [string, string, string];
      if (!positional.some((p) => p.name === name)) {
        if (varkw) {
          extraKw.push(`${name}=${value}`);
          continue;
        }
        throw new Error(`unknown keyword argument '${name}'`);
      }
      if (bound.has(name)) throw new Error(`argument '${name}' given twice`);
      bound.set(name, value);
      continue;
    }
    if (bound.size > next) throw new Error(`positional argument '${text}' follows a keyword argument`);
    // positional parameters only up to a `*args` in the signature
    const limit = varargs ? params.indexOf(varargs) : positional.length;
    if (next < limit) {
      bound.set(positional[next]!.name, text);
      next++;
    } else if (varargs) {
      rest.push(text);
    } else {
      throw new Error(`too many positional arguments (at most ${positional.length})`);
    }
  }
  if (varargs && rest.length > 0) bound.set(varargs.name, rest.join(", "));
  if (varkw && extraKw.length > 0) bound.set(varkw.name, extraKw.join(", "));
  return bound;
}

type Piece =
  | { kind: "text"; text: string }
  | { kind: "hole"; name: string; default?: string; varargs: boolean }
  | { kind: "helper"; name: string }
  | { kind: "optional"; body: Piece[] };

function parseTemplate(template: string): Piece[] {
  let pos = 0;
  function parseSeq(closing: string | null): Piece[] {
    const pieces: Piece[] = [];
    let text = "";
    const flush = () => {
      if (text) pieces.push({ kind: "text", text });
      text = "";
    };
    while (pos < template.length) {
      const ch = template[pos]!;
      if (closing && ch === closing) {
        pos++;
        flush();
        return pieces;
      }
      if (ch === "[") {
        pos++;
        flush();
        pieces.push({ kind: "optional", body: parseSeq("]") });
        continue;
      }
      if (ch === "{") {
        const end = template.indexOf("}", pos);
        if (end < 0) throw new Error(`template: unclosed '{' in ${JSON.stringify(template)}`);
        const inner = template.slice(pos + 1, end);
        pos = end + 1;
        flush();
        if (inner.startsWith("@")) pieces.push({ kind: "helper", name: inner.slice(1) });
        else if (inner.startsWith("*")) pieces.push({ kind: "hole", name: inner.slice(1).replace(/\.\.\.$/, ""), varargs: true });
        else {
          const eq = inner.indexOf("=");
          if (eq < 0) pieces.push({ kind: "hole", name: inner, varargs: false });
          else pieces.push({ kind: "hole", name: inner.slice(0, eq), default: inner.slice(eq + 1), varargs: false });
        }
        continue;
      }
      text += ch;
      pos++;
    }
    if (closing) throw new Error(`template: unclosed '[' in ${JSON.stringify(template)}`);
    flush();
    return pieces;
  }
  return parseSeq(null);
}

function holesOf(pieces: Piece[]): string[] {
  return pieces.flatMap((p) => (p.kind === "hole" ? [p.name] : p.kind === "optional" ? holesOf(p.body) : []));
}

/** The cookbook helpers a template names with `{@helper}`, in order of appearance. */
export function templateHelpers(template: string): string[] {
  const walk = (pieces: Piece[]): string[] => pieces.flatMap((p) => (p.kind === "helper" ? [p.name] : p.kind === "optional" ? walk(p.body) : []));
  return [...new Set(walk(parseTemplate(template)))];
}

/** The parameter names a template reads. */
export function templateHoles(template: string): string[] {
  return [...new Set(holesOf(parseTemplate(template)))];
}

/**
 * Renders `template` with the call's bound arguments (from `bindArgs`).
 * - `{name}`: the argument; when the call omitted it, `sig`'s default; else an Error (required).
 * - `{name=text}`: the argument, else `text`.   `{*name}`: the joined varargs, else nothing.
 * - `[...]`: kept only when every hole inside was given by the call.   `{@helper}`: the helper's name.
 * An argument list left starting with a comma by an omitted first optional piece is tidied:
 * `f(, x=1)` → `f(x=1)`.
 */
export function renderTemplate(template: string, args: Map<string, string>, sig?: readonly string[]): string {
  const defaults = new Map(parseSig(sig ?? []).flatMap((p) => (p.default !== undefined ? [[p.name, p.default] as const] : [])));
  const render = (pieces: Piece[]): string =>
    pieces
      .map((p) => {
        switch (p.kind) {
          case "text":
            return p.text;
          case "helper":
            return p.name;
          case "optional":
            return holesOf(p.body).every((name) => args.has(name)) ? render(p.body) : "";
          case "hole": {
            const given = args.get(p.name);
            if (given !== undefined) return given;
            if (p.varargs) return "";
            if (p.default !== undefined) return p.default;
            const fallback = defaults.get(p.name);
            if (fallback !== undefined) return fallback;
            throw new Error(`missing required argument '${p.name}'`);
          }
        }
      })
      .join("");
  return render(parseTemplate(template)).replace(/\(\s*,\s*/g, "(");
}
