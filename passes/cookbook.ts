/**
 * cookbook: finds the idioms of the loaded rules (grammar/rules.ts) in the input and leaves a rewrite for
 * each match in the context; the translator emits the replacement instead of translating the match. The
 * match itself is cookbook-matcher.ts (CST against CST), a rule's conditions cookbook-conditions.ts, and which
 * patterns are tried on a node cookbook-prefilter.ts. The first rule that matches a node wins, and a node
 * another pass already rewrote is left alone.
 */
import { nodeKey, type SyntaxNode } from "../grammar/python.js";
import { dedent, type Pattern, type Rule } from "../grammar/rule-patterns.js";
import type { ModuleIR } from "../ir/module.js";
import type { PassContext, Rewrite } from "../ir/pipeline.js";
import { holds } from "./cookbook-conditions.js";
import { bindingText, Matcher, parts, patternParts, stripParens, type Env } from "./cookbook-matcher.js";
import { Candidate, mayMatch, prefilterOf, type Prefilter } from "./cookbook-prefilter.js";
import { nameTable } from "../ir/tables.js";
import { readAfter } from "./walk/names-after.js";

/** The first pattern of `rule` that matches `node` (with its conditions), as bindings. */
export function matchRule(rule: Rule, node: SyntaxNode, aliases: Map<string, string>): Env | undefined {
  return matchPatterns(rule, rule.patterns, node, new Matcher(aliases));
}

function matchPatterns(rule: Rule, patterns: readonly Pattern[], node: SyntaxNode, m: Matcher): Env | undefined {
  for (const p of patterns) {
    const env = m.matchNode(p.root, node);
    if (env && rule.conditions.every((c) => holds(c, env))) return env;
  }
  return undefined;
}

// ---------------------------------------------------------------- which patterns can match a node

/** The node type a pattern matches at its root. */
function rootType(p: Pattern): string {
  return stripParens(p.root).type;
}

/** Reindents a multi-line replacement so that its later lines sit at `column` (the first line is placed by the emitter). */
function reindent(text: string, column: number): string {
  const pad = " ".repeat(column);
  return text
    .split("\n")
    .map((l, i) => (i === 0 || !l.trim() ? l : pad + l))
    .join("\n");
}

const SPLAT_STARS: Record<string, string> = { list_splat: "*", dictionary_splat: "**" };

/** The rewrite a match leaves: expression replacements get their metavariables translated, others as written. */
export function rewriteFor(rule: Rule, kind: Pattern["kind"], node: SyntaxNode, env: Env): Rewrite {
  const base = { rule: rule.name, helpers: rule.helpers.length ? rule.helpers : undefined, imports: rule.imports.length ? rule.imports : undefined };
  if (kind === "expression") {
    const bindings: Record<string, SyntaxNode> = nameTable({});
    let text = rule.replace.replace(/\$\.\.\.([A-Za-z_]\w*)/g, (_, name: string) => `$${name}`);
    for (const [name, b] of env) {
      if (!Array.isArray(b)) bindings[name] = b;
      else {
        // a keyword argument or a splat is bound by its value (the translator parenthesises what it
        // substitutes, and `(**kwargs)` is not Python); the name or the stars stay in the template
        const items = b.map((n, i) => {
          const stars = SPLAT_STARS[n.type] ?? "";
          const value = n.type === "keyword_argument" ? n.childForFieldName("value") : stars ? n.namedChildren[0] : null;
          bindings[`${name}__${i}`] = value ?? n;
          return n.type === "keyword_argument" ? `${n.childForFieldName("name")!.text}=$${name}__${i}` : `${stars}$${name}__${i}`;
        });
        text = text.replace(new RegExp(`\\$${name}\\b`, "g"), () => items.join(", "));
      }
    }
    return { ...base, text, bindings };
  }
  // reindent first, then substitute: multi-line bindings carry their own indentation
  const names = [...env.keys()].sort((a, b) => b.length - a.length);
  const text = reindent(rule.replace, node.startPosition.column);
  const raw = names.length ? text.replace(new RegExp(`\\$(?:\\.\\.\\.)?(${names.join("|")})\\b`, "g"), (_, n: string) => bindingText(env.get(n)!)) : text;
  return { ...base, text: raw };
}

/**
 * A def rule replaces the function's body: the first statement (after the docstring) takes the replacement's
 * body, the others are removed. The def line stays the input's (the emitter renames `forward` itself).
 */
function rewriteBody(ctx: PassContext, rule: Rule, fn: SyntaxNode, env: Env): void {
  const stmts = parts(fn.childForFieldName("body")!);
  if (!stmts.length || stmts.some((s) => ctx.rewrites.has(nodeKey(s)))) return;
  const body = /^def\b/.test(rule.replace) ? dedent(rule.replace.split("\n").slice(1).join("\n")) : rule.replace;
  ctx.rewrites.set(nodeKey(stmts[0]), rewriteFor({ ...rule, replace: body }, "function", stmts[0], env));
  for (const s of stmts.slice(1)) ctx.rewrites.set(nodeKey(s), { text: "", rule: rule.name });
}

/** Sequence rules: each run of consecutive statements of a block that matches a pattern's statements. */
function applySequences(mod: ModuleIR, ctx: PassContext, rules: { rule: Rule; patterns: Pattern[] }[], block: SyntaxNode): void {
  const stmts = parts(block);
  const m = new Matcher(mod.aliases);
  for (let i = 0; i < stmts.length; i++) {
    // one per statement, made on first need: it memoises the statement's callee for every pattern tried
    let candidate: Candidate | undefined;
    for (const { rule, patterns } of rules) {
      let done = false;
      for (const p of patterns) {
        const ps = patternParts(p);
        if (i + ps.length > stmts.length || ps[0].type !== stmts[i].type || !mayMatch(prefilterOf(ps[0]), (candidate ??= new Candidate(stmts[i], mod.aliases)))) continue;
        const run = stmts.slice(i, i + ps.length);
        if (run.some((s) => ctx.rewrites.has(nodeKey(s)))) continue;
        const env = m.matchList(ps, run);
        if (!env || !rule.conditions.every((c) => holds(c, env))) continue;
        const rewrite = rewriteFor(rule, "sequence", run[0], env);
        if (dropsNameReadAfter(run, rewrite.text)) continue;
        ctx.rewrites.set(nodeKey(run[0]), rewrite);
        for (const s of run.slice(1)) ctx.rewrites.set(nodeKey(s), { text: "", rule: rule.name });
        i += ps.length - 1;
        done = true;
        break;
      }
      if (done) break;
    }
  }
}

/**
 * Whether the statements a sequence rule replaces assign a name its replacement no longer assigns, and the function
 * reads that name after them: DINO's Attention fuses `attn = (q @ k.transpose(-2, -1)) * scale; attn = attn.softmax(-1);
 * x = (attn @ v)…` into one fused call, yet returns `x, attn`. Such a run is left as written.
 */
function dropsNameReadAfter(run: SyntaxNode[], replacement: string): boolean {
  let fn: SyntaxNode | null = run[0].parent;
  while (fn && fn.type !== "function_definition") fn = fn.parent;
  if (!fn) return false;
  const kept = new Set([...replacement.matchAll(/^[ \t]*([A-Za-z_][\w \t,]*?)[ \t]*=(?!=)/gm)].flatMap((m) => m[1].split(",").map((n) => n.trim())));
  const last = run[run.length - 1];
  return run.some((stmt) => assignedNames(stmt).some((name) => !kept.has(name) && readAfter(fn!, last, name)));
}

/** The plain names an assignment statement binds (`a = …`, `a, b = …`, `a += …`). */
function assignedNames(stmt: SyntaxNode): string[] {
  const a = stmt.type === "expression_statement" ? stmt.namedChildren[0] : undefined;
  if (!a || (a.type !== "assignment" && a.type !== "augmented_assignment")) return [];
  const left = a.childForFieldName("left");
  if (!left) return [];
  if (left.type === "identifier") return [left.text];
  return left.type === "pattern_list" || left.type === "tuple_pattern" ? left.namedChildren.filter((n) => n.type === "identifier").map((n) => n.text) : [];
}

/** Applies `rules` to every node of the module; leaves nodes that already have a rewrite alone. */
export function applyRules(mod: ModuleIR, ctx: PassContext, rules: readonly Rule[]): void {
  if (!rules.length) return;
  // a pattern whose literal words are not all in the file matches nowhere in it (most idioms are rare)
  // (patterns share words, and each test scans the whole source: one scan per distinct word)
  const present = new Map<string, boolean>();
  const inSource = (w: string) => {
    let has = present.get(w);
    if (has === undefined) present.set(w, (has = mod.source.includes(w)));
    return has;
  };
  const inFile = (p: Pattern) => prefilterOf(p.root).words.every(inSource);
  const live = rules.map((rule) => ({ rule, patterns: rule.patterns.filter(inFile) })).filter((r) => r.patterns.length);
  const sequences = live.filter((r) => r.rule.patterns[0].kind === "sequence");
  if (sequences.length) {
    const blocks = [mod.root, ...mod.root.descendantsOfType("block")];
    for (const b of blocks) applySequences(mod, ctx, sequences, b);
  }
  // per node type, the rules (in order) with a pattern rooted there; every pattern of such a rule is tried
  const byType = new Map<string, { rule: Rule; kind: Pattern["kind"]; patterns: { p: Pattern; f: Prefilter }[] }[]>();
  for (const { rule, patterns } of live) {
    if (rule.patterns[0].kind === "sequence") continue;
    const entry = { rule, kind: rule.patterns[0].kind, patterns: patterns.map((p) => ({ p, f: prefilterOf(p.root) })) };
    for (const t of new Set(patterns.map(rootType))) {
      if (!byType.has(t)) byType.set(t, []);
      byType.get(t)!.push(entry);
    }
  }
  if (!byType.size) return;
  const m = new Matcher(mod.aliases);
  // the candidates of every type in one document-order list (a match can take nodes other rules would
  // have matched, so the order is the walk's), without import statements' insides and parenthesised nodes
  const tree = mod.root.tree;
  const candidates = mergeInOrder([...byType.keys()].filter((t) => t !== "parenthesized_expression").map((t) => tree.nodesOfType(t)));
  const imports = mergeInOrder([tree.nodesOfType("import_statement"), tree.nodesOfType("import_from_statement")]);
  let imp = 0;
  for (const n of candidates) {
    while (imp < imports.length && imports[imp].endIndex <= n.startIndex) imp++;
    if (imp < imports.length && imports[imp].startIndex <= n.startIndex && n.endIndex <= imports[imp].endIndex) continue;
    const c = new Candidate(n, mod.aliases);
    for (const { rule, kind, patterns } of byType.get(n.type)!) {
      const possible = patterns.filter(({ f }) => mayMatch(f, c));
      if (!possible.length || ctx.rewrites.has(nodeKey(n))) continue;
      const env = matchPatterns(
        rule,
        possible.map(({ p }) => p),
        n,
        m,
      );
      if (env) {
        if (kind === "function") rewriteBody(ctx, rule, n, env);
        else ctx.rewrites.set(nodeKey(n), rewriteFor(rule, kind, n, env));
        break;
      }
    }
  }
}

/** Node lists in document order merged into one (by the tree's walk numbers). */
function mergeInOrder(lists: readonly (readonly SyntaxNode[])[]): SyntaxNode[] {
  const nonEmpty = lists.filter((l) => l.length);
  if (nonEmpty.length <= 1) return [...(nonEmpty[0] ?? [])];
  const out: SyntaxNode[] = [];
  const at = nonEmpty.map(() => 0);
  for (;;) {
    let best = -1;
    for (let i = 0; i < nonEmpty.length; i++) {
      if (at[i] < nonEmpty[i].length && (best < 0 || nonEmpty[i][at[i]].preorder < nonEmpty[best][at[best]].preorder)) best = i;
    }
    if (best < 0) return out;
    out.push(nonEmpty[best][at[best]++]);
  }
}
