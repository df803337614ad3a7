/**
 * Renders a mapping-table template (language documented in ir/tables.ts) against a call's arguments,
 * already bound to torch parameter names.
 */
export interface TemplateArgs {
  /** bound argument text by torch parameter name (varargs: the list of texts) */
  given: Map<string, string | string[]>;
  /** torch defaults by parameter name (from the signature), used for `{name}` holes the call omits */
  defaults: Map<string, string>;
  /** varargs parameters given one argument the checker knows is a list or tuple (`torch.meshgrid(t)`, t a list): spread like a display */
  sequences?: ReadonlySet<string>;
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
      const spread = spec.endsWith("...");
      const name = spec.slice(1).replace(/\.\.\.$/, "");
      const v = args.given.get(name);
      if (v === undefined) return optional ? undefined : "";
      // torch reads one list or tuple given for varargs as the varargs (`torch.meshgrid([a, b])`); MLX takes them spread
      if (spread && Array.isArray(v) && v.length === 1 && (isSequenceDisplay(v[0]) || args.sequences?.has(name))) return `*${paren(v[0])}`;
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
        // `{self}.reshape(...)` with self = `a + b` must read `(a + b).reshape(...)`
        out += text[end + 1] === "." || (text[end + 1] === "[" && !isOptionalPiece(text, end + 1)) ? paren(v) : v;
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
  // `({*size})` with one argument passes that argument as it is: `mx.ones(4)`, `mx.zeros(x.shape)`; one
  // `*shape` splat stays a tuple: `mx.zeros((*shape,))`, also as a later argument (`mx.tile(x, (*reps,))`)
  // (a lookbehind scan of every template is dear: only those that hold the form at all)
  if (template.includes("({*"))
    template = template.replace(/(?<=\(|, )\(\{\*(\w+)\}\)/g, (whole, name: string) => {
      const v = args.given.get(name);
      if (!Array.isArray(v) || v.length !== 1) return whole;
      return v[0].startsWith("*") ? `({*${name}},)` : `{*${name}}`;
    });
  // an optional first argument that was left out leaves "(, " behind
  const text = fill(template, false)!.replace(/\(\s*,\s*/g, "(");
  return missing ? { ok: false, missing } : { ok: true, text, helpers };
}

/** A list display `[a, b]` or a tuple display `(a, b)` (a top-level comma: `(x)` is only parentheses), whole. */
function isSequenceDisplay(text: string): boolean {
  const open = text[0];
  if (open !== "[" && open !== "(") return false;
  let depth = 0;
  let comma = false;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quote) {
      if (ch === "\\") i++;
      else if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if ("([{".includes(ch)) depth++;
    else if (")]}".includes(ch)) {
      if (--depth === 0 && i !== text.length - 1) return false;
    } else if (ch === "," && depth === 1) comma = true;
  }
  return depth === 0 && (open === "[" || comma);
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
  /** `**name`: collects the keywords no other parameter takes, each rendered `keyword=value` */
  varkw?: boolean;
  kwOnly?: boolean;
}

/** Signatures parsed so far: table rows live as long as the process, and one row is read at every call it maps. */
const parsedSigs = new WeakMap<readonly string[], readonly SigParam[]>();

/** Parses ["input", "dim=None", "*shape", "*", "keepdim=False"] into parameters (cached per signature array; read-only). */
export function parseSig(sig: readonly string[]): SigParam[] {
  let params = parsedSigs.get(sig);
  if (!params) parsedSigs.set(sig, (params = Object.freeze(parseSigUncached(sig).map((p) => Object.freeze(p)))));
  return params as SigParam[];
}

function parseSigUncached(sig: readonly string[]): SigParam[] {
  const out: SigParam[] = [];
  let kwOnly = false;
  for (const s of sig) {
    if (s === "*") {
      kwOnly = true;
      continue;
    }
    if (s.startsWith("**")) {
      out.push({ name: s.slice(2), varkw: true, kwOnly: true });
      continue;
    }
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
  /** the keyword of each argument a `**name` parameter collected (it renders as `keyword=value`) */
  keywordOf: Map<T, string>;
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
  const varkw = params.find((p) => p.varkw);
  const keywordOf = new Map<T, string>();
  for (const [k, v] of keyword) {
    if (params.some((p) => p.name === k && !p.varargs && !p.varkw)) byName.set(k, v);
    // torch's `x.reshape(shape=(-1, h, w))`, `x.permute(dims=(0, 2, 1))`: the keyword holds the varargs as one sequence
    else if (params.some((p) => p.name === k && p.varargs) && !byName.has(k)) byName.set(k, [v]);
    else if (varkw) {
      byName.set(varkw.name, [...((byName.get(varkw.name) as T[] | undefined) ?? []), v]);
      keywordOf.set(v, k);
    } else unknown.push(k);
  }
  return { byName, unknown, extra, keywordOf };
}

/** One argument of a template's call: `{p}` (positional), `kw={p}` (keyword), or `kw=literal` (MLX-only). */
type TemplateArg = { kind: "pos"; param: string } | { kind: "kw"; name: string; param: string } | { kind: "lit"; name: string; text: string };

/**
 * Reads a template of the plain shape `callee(args)` whose holes pass torch arguments through unchanged.
 * Returns undefined for anything fancier (helpers with computed arguments, renamed or reshaped values).
 */
export function plainCallTemplate(template: string): { callee: string; args: TemplateArg[] } | undefined {
  const m = /^([\w.]+|\{@\w+\})\((.*)\)$/s.exec(template);
  if (!m) return undefined;
  const callee = m[1];
  const inner = m[2].replace(/\[|\]/g, "");
  const args: TemplateArg[] = [];
  for (const raw of inner
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)) {
    let a: RegExpExecArray | null;
    if ((a = /^\{(\w+)(=[^}]*)?\}$/.exec(raw))) args.push({ kind: "pos", param: a[1] });
    else if ((a = /^(\w+)=\{(\w+)(=[^}]*)?\}$/.exec(raw))) args.push({ kind: "kw", name: a[1], param: a[2] });
    else if ((a = /^(\w+)=([^{}]+)$/.exec(raw))) args.push({ kind: "lit", name: a[1], text: a[2] });
    else return undefined;
  }
  return { callee, args };
}

/**
 * The call as the user wrote it, with only what must change changed: the callee renamed, arguments MLX
 * has no use for dropped, keywords MLX spells differently renamed, MLX-only literals appended.
 * `mlxParams` are the MLX constructor's parameter names in order (passes/tables/mlx-signatures.json):
 * an argument stays positional only where MLX has the same parameter at that position. Undefined when
 * the original arguments cannot be kept.
 */
export function minimalCall(
  template: string,
  params: SigParam[],
  positional: { text: string }[],
  keyword: Map<string, { text: string }>,
  mlxParams?: string[],
): { callee: string; args: string[]; helpers: string[] } | undefined {
  const plain = plainCallTemplate(template);
  // the keywords a `**name` parameter collects are the template's to render
  if (!plain || params.some((p) => p.varkw)) return undefined;
  const posParams = params.filter((p) => !p.varargs && !p.kwOnly);
  if (positional.length > posParams.length) return undefined;
  const pieceFor = (param: string) =>
    plain.args.find((a) => (a.kind === "pos" || a.kind === "kw") && a.param === param) as { kind: "pos"; param: string } | { kind: "kw"; name: string; param: string } | undefined;
  /** MLX's name for a piece: the keyword it is passed by, or (for a positional hole) the MLX parameter there */
  const mlxName = (piece: { kind: "pos"; param: string } | { kind: "kw"; name: string; param: string }) => {
    if (piece.kind === "kw") return piece.name;
    const at = plain.args.filter((a) => a.kind === "pos").indexOf(piece);
    return mlxParams?.[at];
  };
  const args: string[] = [];
  const used = new Set<string>();
  let positionalOut = 0;
  for (let i = 0; i < positional.length; i++) {
    const piece = pieceFor(posParams[i].name);
    if (!piece) continue; // torch-only argument (inplace, padding_mode='zeros' ...): dropped
    const name = mlxName(piece);
    const atSamePlace = piece.kind === "pos" ? plain.args.indexOf(piece) === positionalOut : !!mlxParams && mlxParams.indexOf(piece.name) === positionalOut;
    if (!atSamePlace) {
      if (!name) return undefined;
      args.push(`${name}=${positional[i].text}`);
    } else {
      if (args.length !== positionalOut) return undefined; // a keyword already went out
      args.push(positional[i].text);
      positionalOut++;
    }
    used.add(piece.param);
  }
  for (const [k, v] of keyword) {
    const piece = pieceFor(k);
    if (!piece) continue;
    const name = mlxName(piece);
    if (!name) return undefined;
    args.push(`${name}=${v.text}`);
    used.add(k);
  }
  for (const a of plain.args) if (a.kind === "pos" && !used.has(a.param)) return undefined;
  for (const a of plain.args) if (a.kind === "lit") args.push(`${a.name}=${a.text}`);
  const helper = /^\{@(\w+)\}$/.exec(plain.callee);
  return { callee: helper ? helper[1] : plain.callee, args, helpers: helper ? [helper[1]] : [] };
}

/** Wraps `t` in parentheses unless it is already one primary expression (name, attribute, call, subscript, literal). */
export function paren(t: string): string {
  if (/^[\w.]+$/.test(t)) return t;
  let depth = 0;
  let inString: string | undefined;
  for (let i = 0; i < t.length; i++) {
    const c = t[i];
    if (inString) {
      if (c === inString && t[i - 1] !== "\\") inString = undefined;
      continue;
    }
    if (c === "'" || c === '"') inString = c;
    else if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") depth--;
    else if (depth === 0 && !/[\w.]/.test(c)) return `(${t})`;
  }
  return t;
}
