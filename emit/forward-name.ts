/**
 * The name of a module class's forward method in the output. MLX calls a module through `__call__`, so `forward`
 * becomes `__call__`; yet Python code around the class may reach the method by its torch name or read its name:
 *
 *   - a base class written in Python (a package's or a library's, not torch's nn.Module: transformers'
 *     GradientCheckpointingLayer.__init_subclass__ reads `cls.forward`) or this file (`super().forward(x)`): the
 *     method is `__call__` and `forward = __call__` keeps the torch name too;
 *   - a decorator that is not torch's, on the method or on the class, sees the method as written: its `__name__`
 *     (transformers' `@auto_docstring` picks its rules by `func.__name__`, and raises for `__call__` outside
 *     processors), or `cls.forward` to wrap and rebind (`@use_experts_implementation`). The method keeps its name
 *     and `__call__` calls `self.forward`, as torch's Module.__call__ does, so a rebound forward is the one run.
 */
import type MagicString from "magic-string";
import { dottedName, namedChildren, type SyntaxNode } from "../grammar/python.js";
import type { ModuleIR } from "../ir/module.js";
import { lineEnd } from "./prune.js";

export function nameForwardMethods(s: MagicString, mod: ModuleIR): void {
  for (const cls of mod.classes.values()) {
    const fwd = cls.methods.get("forward");
    if (!fwd) {
      instanceForward(s, cls.node, cls.methods);
      continue;
    }
    const indent = " ".repeat(fwd.startPosition.column);
    // (a decorated method's definition node starts after its decorators; the alias goes after the whole method)
    const end = lineEnd(mod.source, fwd.endIndex);
    if (foreignDecorators(fwd, mod.aliases) || foreignDecorators(cls.node, mod.aliases)) {
      s.appendLeft(end, `\n${indent}def __call__(self, *args, **kwargs):\n${indent}    return self.forward(*args, **kwargs)\n`);
      continue;
    }
    const name = fwd.childForFieldName("name")!;
    s.overwrite(name.startIndex, name.endIndex, "__call__");
    const byName = hasCodeBase(cls.node, mod.aliases) || FORWARD_BY_NAME.test(mod.source) || forwardNamedElsewhere(mod, cls.name);
    if (byName) s.appendLeft(end, `\n${indent}forward = __call__\n`);
  }
}

const FORWARD_BY_NAME = /\.forward\b/;

/** Whether a file of the package other than `mod`'s reaches the class's forward by name: `Name.forward(self, …)`, or `super().forward(…)` in a file that names it (a subclass). */
function forwardNamedElsewhere(mod: ModuleIR, className: string): boolean {
  const host = mod.semantic?.program.host;
  if (!host || !mod.otherFilesNaming) return false;
  const byName = new RegExp(`(?:\\b${className}|\\bsuper\\([^)]*\\))\\s*\\.forward\\b`);
  return mod.otherFilesNaming(className).some((path) => byName.test(host.readFile(path) ?? ""));
}

/**
 * A class with no forward method that picks one per instance (timm's FasterNet Partial_conv3:
 * `self.forward = self.forward_slicing` in `__init__`): torch's Module.__call__ runs `self.forward`, so its `__call__`
 * does too (MLX calls a module through `__call__` alone).
 */
function instanceForward(s: MagicString, cls: SyntaxNode, methods: ReadonlyMap<string, SyntaxNode>): void {
  if (methods.has("__call__") || ![...methods.values()].some((m) => /\bself\.forward\s*=(?!=)/.test(m.text))) return;
  const body = cls.childForFieldName("body")!;
  const indent = " ".repeat(namedChildren(body)[0]?.startPosition.column ?? 4);
  s.appendLeft(body.endIndex, `\n\n${indent}def __call__(self, *args, **kwargs):\n${indent}    return self.forward(*args, **kwargs)`);
}

/** Whether a definition carries a decorator that is not torch's (qualified through the file's imports). */
function foreignDecorators(def: SyntaxNode, aliases: Map<string, string>): boolean {
  const decorated = def.parent?.type === "decorated_definition" ? def.parent : undefined;
  if (!decorated) return false;
  return namedChildren(decorated).some((d) => {
    if (d.type !== "decorator") return false;
    let e = namedChildren(d).find((c) => c.type !== "comment");
    if (e?.type === "call") e = e.childForFieldName("function") ?? undefined;
    const name = e ? dottedName(e) : undefined;
    return !name || !isTorchName(name, aliases);
  });
}

/** Whether a class derives from a class that is not torch's (its bases' names, qualified through the file's imports). */
function hasCodeBase(cls: SyntaxNode, aliases: Map<string, string>): boolean {
  const bases = cls.childForFieldName("superclasses");
  if (!bases) return false;
  return namedChildren(bases).some((b) => {
    if (b.type === "keyword_argument" || b.type === "comment") return false;
    const name = dottedName(b);
    return !!name && !isTorchName(name, aliases);
  });
}

export function isTorchName(name: string, aliases: Map<string, string>): boolean {
  const q = aliases.get(name.split(".")[0]);
  return q === "torch" || !!q?.startsWith("torch.");
}
