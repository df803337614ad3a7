/**
 * A helper whose name the file binds again. The helpers go above the file's code under their own names (the
 * Upsample helper is `class Upsample`); a file that defines that name itself (lucidrains' denoising-diffusion writes
 * `def Upsample(dim, dim_out=None): return nn.Sequential(nn.Upsample(scale_factor=2), ...)`) rebinds it below them,
 * and the translation's `Upsample(scale_factor=2)` then calls the file's function. The helper is kept under a second
 * name, `c2m_<name> = <name>` right after it, and the text the translation wrote calls that name; the file's own uses,
 * the text it did not write, are left as they are.
 */
import { namedChildren, type SyntaxNode } from "../grammar/python.js";

/** An edit the printer applies: the source span and the text that replaces it (an insert has start === end). */
interface Written {
  start: number;
  end: number;
  text: string;
}

/** The names the helpers' bodies define at their top level (`class X`, `def X`, `X = ...`). */
function helperDefinitions(bodies: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const body of bodies) for (const m of body.matchAll(/^(?:class|def)[ \t]+([A-Za-z_]\w*)|^([A-Za-z_]\w*)[ \t]*=(?!=)/gm)) out.add(m[1] ?? m[2]);
  return out;
}

/** The names the file's own module-level definitions and assignments bind (after the helpers, which go above them). */
function fileDefinitions(root: SyntaxNode): Set<string> {
  const out = new Set<string>();
  for (let n of namedChildren(root)) {
    if (n.type === "decorated_definition") n = n.childForFieldName("definition") ?? n;
    if (n.type === "class_definition" || n.type === "function_definition") out.add(n.childForFieldName("name")!.text);
    if (n.type === "expression_statement")
      for (const a of n.namedChildren.filter((c) => c.type === "assignment")) {
        const left = a.childForFieldName("left");
        if (left?.type === "identifier") out.add(left.text);
      }
  }
  return out;
}

/** Strings and comments, whose words name nothing. */
const QUOTED = /("""[\s\S]*?"""|'''[\s\S]*?'''|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|#[^\n]*)/;

/** `text` with each bare `name` (not an attribute, not in a string or comment) replaced by `alias`; and how many there were. */
function renameBare(text: string, name: string, alias: string): { text: string; count: number } {
  const word = new RegExp(`(?<![\\w.])${name}(?!\\w)`, "g");
  let count = 0;
  const parts = text.split(QUOTED).map((part, i) => (i % 2 === 1 ? part : part.replace(word, () => (count++, alias))));
  return { text: parts.join(""), count };
}

/**
 * The helpers the file shadows, each kept under `c2m_<name>`: the alias lines to put right after the helper bodies.
 * The edits and inserts are changed in place: a bare helper name in text the translation wrote over a span where the
 * source had none becomes the alias (a span that had the file's own use of the name keeps its text).
 */
export function aliasShadowedHelpers(root: SyntaxNode, source: string, bodies: readonly string[], written: Written[]): string[] {
  const own = fileDefinitions(root);
  const shadowed = [...helperDefinitions(bodies)].filter((n) => own.has(n)).sort();
  const lines: string[] = [];
  for (const name of shadowed) {
    const alias = `c2m_${name}`;
    let used = false;
    for (const w of written) {
      if (renameBare(source.slice(w.start, w.end), name, alias).count > 0) continue;
      const r = renameBare(w.text, name, alias);
      if (!r.count) continue;
      w.text = r.text;
      used = true;
    }
    if (used) lines.push(`${alias} = ${name}  # c2m: the file defines its own ${name} below`);
  }
  return lines;
}
