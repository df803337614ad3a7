/** resolve-imports: map local names to fully qualified torch names, and find the import statements. */
import { dottedName, namedChildren, type SyntaxNode } from "../grammar/python.js";
import type { ImportIR } from "../ir/module.js";
import { TABLED_LIBRARIES } from "./tables/einops.js";

export interface ImportInfo {
  aliases: Map<string, string>;
  imports: ImportIR[];
}

export function resolveImports(root: SyntaxNode): ImportInfo {
  const aliases = new Map<string, string>();
  const imports: ImportIR[] = [];
  for (const stmt of namedChildren(root)) {
    if (stmt.type === "import_statement") {
      let torch = false;
      for (const n of namedChildren(stmt)) {
        if (n.type === "dotted_name") {
          const full = n.text;
          if (isTabled(full)) torch = true;
          aliases.set(full.split(".")[0], full.split(".")[0]);
        } else if (n.type === "aliased_import") {
          const full = dottedName(n.childForFieldName("name")) ?? n.childForFieldName("name")!.text;
          if (isTabled(full)) torch = true;
          aliases.set(n.childForFieldName("alias")!.text, full);
        }
      }
      imports.push({ node: stmt, torch });
    } else if (stmt.type === "import_from_statement") {
      const mod = stmt.childForFieldName("module_name")!.text;
      const torch = isTabled(mod);
      for (const n of stmt.childrenForFieldName("name")) {
        if (n.type === "dotted_name") aliases.set(n.text, canonicalTorchName(`${mod}.${n.text}`));
        else if (n.type === "aliased_import") {
          aliases.set(n.childForFieldName("alias")!.text, canonicalTorchName(`${mod}.${n.childForFieldName("name")!.text}`));
        }
      }
      imports.push({ node: stmt, torch });
    }
  }
  return { aliases, imports };
}

/** Whether a qualified name is torch's own (`torch`, `torch.nn.X`), not merely spelled like it (`torchvision.ops`). */
export const isTorch = (name: string) => name === "torch" || name.startsWith("torch.");

/**
 * Whether the tables translate a qualified name: torch's own, or a library they carry rows for (einops,
 * passes/tables/einops.ts). Its imports go like torch's and its names are translated where they are used.
 */
export const isTabled = (name: string) => isTorch(name) || TABLED_LIBRARIES.some((lib) => name === lib || name.startsWith(`${lib}.`));

/** Fully qualified name of an identifier/attribute chain under the file's imports (`nn.Conv2d` → `torch.nn.Conv2d`). */
export function qualify(node: SyntaxNode | null, aliases: Map<string, string>): string | undefined {
  const name = dottedName(node) ?? throughGetattr(node);
  if (!name) return undefined;
  const dot = name.indexOf(".");
  const target = aliases.get(dot < 0 ? name : name.slice(0, dot));
  if (!target) return undefined;
  return dot < 0 ? target : canonicalTorchName(target + name.slice(dot));
}

/**
 * A torch.nn class named by the module that defines it (`from torch.nn.modules.instancenorm import InstanceNorm2d`:
 * torchvision's RAFT imports its norms so) is the class torch.nn exports, the name the tables know it by.
 */
export const canonicalTorchName = (q: string): string => (q.startsWith("torch.nn.modules") ? q.replace(/^torch\.nn\.modules(?:\.[a-z_]\w*)?\.(?=[A-Z])/, "torch.nn.") : q);

/** `getattr(torch, "version").hip` is `torch.version.hip`: a getattr with a constant name and no default, in an attribute chain. */
function throughGetattr(node: SyntaxNode | null): string | undefined {
  if (!node) return undefined;
  if (node.type === "identifier") return node.text;
  if (node.type === "attribute") {
    const obj = throughGetattr(node.childForFieldName("object"));
    return obj ? `${obj}.${node.childForFieldName("attribute")!.text}` : undefined;
  }
  if (node.type !== "call" || node.childForFieldName("function")?.text !== "getattr") return undefined;
  const args = namedChildren(node.childForFieldName("arguments")!).filter((c) => c.type !== "comment");
  if (args.length !== 2 || args[1].type !== "string" || !/^["'][\w]+["']$/.test(args[1].text)) return undefined;
  const obj = throughGetattr(args[0]);
  return obj ? `${obj}.${args[1].text.slice(1, -1)}` : undefined;
}
