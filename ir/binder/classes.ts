/**
 * The class hierarchy across files and libraries: a class is an nn.Module when any base, followed through
 * the user's files and installed libraries' source, reaches a torch module class (torch.nn.Module, a layer,
 * a container). The torch class reached first along the first module base (Python's MRO order) is the
 * class's `torchBase`: `class Conv1d(nn.Conv1d)` has torchBase torch.nn.Conv1d and is that layer unless some
 * class on the way overrides `forward`.
 */
import { namedChildren, type SyntaxNode } from "../../grammar/python.js";
import type { Program } from "../program/program.js";
import type { SourceFile } from "../program/source-file.js";
import { resolveExpression } from "./resolve.js";

export type ClassKind =
  | {
      kind: "module";
      /** the torch class the first module base leads to (`torch.nn.Module`, `torch.nn.Conv1d`) */
      torchBase: string;
      /** this class or a class between it and torchBase defines forward */
      overridesForward: boolean;
      /** the classes passed on the way, nearest first (`GPT2PreTrainedModel`, `PreTrainedModel`) */
      via: string[];
    }
  | { kind: "other" }
  /** a base c2m cannot follow: whether the class is a module is not known */
  | { kind: "unknown"; reason: string; base: SyntaxNode };

const kinds = new WeakMap<SyntaxNode, ClassKind>();
const inProgress = new WeakSet<SyntaxNode>();

/** What the class defined by `node` in `file` is (cached per class node). */
export function classKind(program: Program, file: SourceFile, node: SyntaxNode): ClassKind {
  let k = kinds.get(node);
  if (k) return k;
  if (inProgress.has(node)) return { kind: "unknown", reason: "the class derives from itself through its bases", base: node };
  inProgress.add(node);
  try {
    k = computeKind(program, file, node);
  } finally {
    inProgress.delete(node);
  }
  kinds.set(node, k);
  return k;
}

export function definesMethod(classNode: SyntaxNode, name: string): boolean {
  const body = classNode.childForFieldName("body");
  if (!body) return false;
  return namedChildren(body).some((m) => {
    const fn = m.type === "decorated_definition" ? m.childForFieldName("definition") : m;
    return fn?.type === "function_definition" && fn.childForFieldName("name")!.text === name;
  });
}

/** The base expressions of a class (keyword arguments such as `metaclass=` left out). */
export function baseExpressions(classNode: SyntaxNode): SyntaxNode[] {
  const bases = classNode.childForFieldName("superclasses");
  return bases ? namedChildren(bases).filter((b) => b.type !== "keyword_argument" && b.type !== "dictionary_splat") : [];
}

function computeKind(program: Program, file: SourceFile, node: SyntaxNode): ClassKind {
  const ownForward = definesMethod(node, "forward");
  let unknown: ClassKind | undefined;
  for (const base of baseExpressions(node)) {
    const k = baseKind(program, file, base);
    if (k.kind === "module") return { ...k, overridesForward: ownForward || k.overridesForward };
    if (k.kind === "unknown") unknown ??= k;
  }
  return unknown ?? { kind: "other" };
}

function baseKind(program: Program, file: SourceFile, base: SyntaxNode): ClassKind {
  if (base.type === "list_splat") return { kind: "unknown", reason: "bases are unpacked from a computed list", base };
  const r = resolveExpression(program, file, base);
  switch (r.kind) {
    case "torch":
      return program.options.isTorchModuleClass(r.name) ? { kind: "module", torchBase: r.name, overridesForward: false, via: [] } : { kind: "other" };
    case "class": {
      const k = classKind(program, r.file, r.node);
      if (k.kind === "module") return { ...k, via: [r.name, ...k.via] };
      if (k.kind === "unknown") return { kind: "unknown", reason: `base ${base.text}: ${k.reason}`, base };
      return k;
    }
    case "builtin":
    case "stdlib":
      return { kind: "other" };
    case "unknown":
      return { kind: "unknown", reason: r.reason, base };
    default:
      return { kind: "unknown", reason: `base ${base.text} is computed at run time`, base };
  }
}
