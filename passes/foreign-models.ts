/**
 * foreign-models: a module class of this file that ends up in a model whose weight map this file does not emit.
 * The map of a model class is emitted with the model's own file, from what that file can see; timm's res2net.py
 * passes its Bottle2neck to resnet.py's ResNet (`build_model_with_cfg(ResNet, …, **dict(block=Bottle2neck, …))`), and
 * mobilevit.py registers MobileVitBlock into byobnet.py's block registry (`register_block('mobilevit',
 * MobileVitBlock)`) for ByobNet to build by name. ResNet's and ByobNet's maps hold none of those blocks' rules, so
 * the weights load under the wrong names or layouts: C2M-E032 at the call in this file, naming the class.
 *
 * Reads: the values the module tree's interpreter computed for a call made by a model function of this file (not a
 * constructor: a class built inside this file's constructors is mapped with them). Writes: diagnostics.
 */
import { callArgs, namedChildren, type SyntaxNode } from "../grammar/python.js";
import type { DiagnosticBag } from "../ir/diagnostics.js";
import type { ModVal, ModuleIR } from "../ir/module.js";
import { splatKeywords } from "./keyword-splats.js";
import { foreignFunction } from "./package-classes.js";

type Evaluate = (n: SyntaxNode) => ModVal;

/** This file's module classes a value holds, as given (not built), through unions, containers and dicts. */
function homeClasses(v: ModVal, home: ModuleIR, out: Set<string>): Set<string> {
  if (v.k === "classref" && !v.ext && home.classes.has(v.name)) out.add(v.name);
  else if (v.k === "union") v.options.forEach((o) => homeClasses(o, home, out));
  else if ((v.k === "list" || v.k === "seq") && (v.items || v.elem)) [...(v.items ?? []), ...(v.elem ? [v.elem] : [])].forEach((o) => homeClasses(o, home, out));
  else if (v.k === "dict") [...(v.entries?.values() ?? []), ...(v.elem ? [v.elem] : [])].forEach((o) => homeClasses(o, home, out));
  return out;
}

const foreignModel = (v: ModVal): string | undefined => (v.k === "classref" && v.ext ? `${v.name} (${v.ext.mod.file})` : undefined);

/**
 * A call of a model function of this file that gives another file's module class and classes of this file together
 * (`build_model_with_cfg(ResNet, …, block=Bottle2neck)`, `ResNet(block=Bottle2neck)`): the model is that other class,
 * its map emitted with its file.
 */
export function noteClassesForForeignModel(diags: DiagnosticBag, home: ModuleIR, call: SyntaxNode, expr: Evaluate): void {
  const args = callArgs(call);
  const callee = expr(call.childForFieldName("function")!);
  const positional = args.positional.filter((a) => a.type !== "list_splat" && a.type !== "dictionary_splat").map(expr);
  // the model built: the class called, or the class a factory is given first (`build_model_with_cfg(ResNet, …)`)
  const model = foreignModel(callee) ?? (positional[0] ? foreignModel(positional[0]) : undefined);
  if (!model) return;
  const values = [...positional, ...[...args.keyword.values()].map(expr), ...splatKeywords(args, expr).values()];
  const given = new Set<string>();
  for (const v of values) homeClasses(v, home, given);
  // (in a package compile the model's class parameters also hold classes known only at run time, passes/module-tree.ts,
  // but a class may pass through helpers on its way to the construction, timm's to_ntuple(block), where that is lost:
  // still an error)
  for (const name of given)
    diags.report("C2M-E032", call.startPosition, `${name} is given to ${model} here: that model's weight map is emitted with its own file and does not hold ${name}'s rules`);
}

/**
 * Module-level calls that register a class of this file into another file's table (`register_block('mobilevit',
 * MobileVitBlock)`, whose body is `_block_registry[block_type] = block_fn`): a model there builds it by name.
 */
export function noteRegisteredClasses(diags: DiagnosticBag, home: ModuleIR, collect: (m: ModuleIR) => void): void {
  for (const stmt of namedChildren(home.root)) {
    const call = stmt.type === "expression_statement" ? namedChildren(stmt)[0] : undefined;
    if (call?.type !== "call") continue;
    const args = callArgs(call);
    const classes = [...args.positional, ...args.keyword.values()].filter((a) => a.type === "identifier" && home.classes.has(a.text));
    if (!classes.length) continue;
    const ext = foreignFunction(home, call.childForFieldName("function")!, collect);
    const table = ext && registryOf(ext.def);
    if (!table) continue;
    for (const c of classes) {
      // in a package compile the table's file sees its registering function named here: what it gives is known
      // only at run time there, and the model's map leaves those keys to run time (passes/module-globals.ts)
      if (home.namedByOtherFiles)
        diags.report(
          "C2M-W024",
          call.startPosition,
          `${c.text} is registered into ${table} of ${ext.mod.file}: a model there that builds blocks by name resolves their weights when it loads`,
        );
      else
        diags.report(
          "C2M-E032",
          call.startPosition,
          `${c.text} is registered into ${table} of ${ext.mod.file}: a model there that builds blocks by name has a weight map without ${c.text}'s rules`,
        );
    }
  }
}

/** The module-level table a function stores a parameter into (`_block_registry[block_type] = block_fn`), if it does. */
export function registryOf(fn: SyntaxNode): string | undefined {
  const params = new Set(
    namedChildren(fn.childForFieldName("parameters")!).map((p) => (p.type === "identifier" ? p.text : (p.childForFieldName("name")?.text ?? namedChildren(p)[0]?.text))),
  );
  for (const a of fn.descendantsOfType("assignment")) {
    const left = a.childForFieldName("left");
    const right = a.childForFieldName("right");
    if (left?.type === "subscript" && left.childForFieldName("value")?.type === "identifier" && right?.type === "identifier" && params.has(right.text))
      return left.childForFieldName("value")!.text;
  }
  return undefined;
}
