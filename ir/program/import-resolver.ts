/**
 * Where an import leads, in pyright's order: torch (known from c2m's tables, its source never read) →
 * relative to the importing file (leading dots) → the importing file's own package root → the project root
 * holding the file (the folder compiled: Python's sys.path entry, above any namespace folders) → each library
 * search path. A module is `name.py` or `name/__init__.py`; a folder without `__init__.py` is a namespace
 * package. Nothing found is `missing`, which the binder turns into an unknown, never a guess.
 */
import { dirname, isLibraryPath, isUnder, joinPath, type Host } from "./host.js";

export type ModuleLocation =
  | { kind: "torch"; name: string }
  /** Python's standard library: no class of it is an nn.Module */
  | { kind: "stdlib"; name: string }
  | { kind: "file"; path: string; origin: "user" | "library"; importRoot: string }
  | { kind: "namespace"; dir: string; origin: "user" | "library"; importRoot: string }
  | { kind: "missing"; name: string };

export const isTorchModule = (name: string) => name === "torch" || name.startsWith("torch.");

/** Standard-library modules model code imports (the top-level name decides). */
const STDLIB = new Set(
  "__future__ abc argparse ast asyncio base64 bisect builtins collections contextlib copy copyreg csv dataclasses datetime decimal enum errno functools gc glob hashlib heapq importlib inspect io itertools json logging math numbers operator os pathlib pickle platform pprint queue random re shutil signal socket string struct subprocess sys tempfile textwrap threading time timeit traceback types typing typing_extensions unittest urllib uuid warnings weakref zipfile".split(
    " ",
  ),
);
export const isStdlibModule = (name: string) => STDLIB.has(name.split(".")[0]);

/** The folder absolute imports start from for a file: the parent of its outermost package, else its own folder. */
export function importRootOf(host: Host, file: string): string {
  let dir = dirname(file);
  let root = dir;
  while (dir && host.isFile(joinPath(dir, "__init__.py"))) {
    const up = dirname(dir);
    if (up === dir) break;
    root = up;
    dir = up;
  }
  return root;
}

export class ImportResolver {
  private cache = new Map<string, ModuleLocation>();

  constructor(private host: Host) {}

  /**
   * The module `module` imported with `level` leading dots from the file at `from` (whose absolute
   * imports start at `importRoot`).
   */
  resolve(from: string, importRoot: string, module: string, level: number): ModuleLocation {
    if (level === 0 && isTorchModule(module)) return { kind: "torch", name: module };
    if (level === 0 && isStdlibModule(module)) return { kind: "stdlib", name: module };
    const key = `${level ? dirname(from) : importRoot}\0${module}\0${level}`;
    let hit = this.cache.get(key);
    if (!hit) this.cache.set(key, (hit = this.resolveUncached(from, importRoot, module, level)));
    return hit;
  }

  private resolveUncached(from: string, importRoot: string, module: string, level: number): ModuleLocation {
    const parts = module ? module.split(".") : [];
    if (level > 0) {
      let dir = dirname(from);
      for (let i = 1; i < level; i++) dir = dirname(dir);
      // dots that climb above the folder the file's imports start from lead nowhere c2m may look (but within
      // the project root: out of a namespace folder into its parent package, as Python allows)
      const root = isUnder(dir, importRoot) ? importRoot : this.projectRootOf(from, dir);
      if (root === undefined) return { kind: "missing", name: ".".repeat(level) + module };
      return this.lookIn(dir, parts, this.originOf(from), root) ?? { kind: "missing", name: ".".repeat(level) + module };
    }
    const local = this.lookIn(importRoot, parts, this.originOf(from), importRoot);
    if (local) return local;
    const project = this.projectRootOf(from);
    const fromProject = project !== undefined && project !== importRoot ? this.lookIn(project, parts, "user", project) : undefined;
    if (fromProject) return fromProject;
    for (const sp of this.host.searchPaths) {
      const found = this.lookIn(sp, parts, "library", sp);
      // an installed package translated with the program (host.translatedLibraries) is the program's own
      if (found) return found.kind === "file" || found.kind === "namespace" ? { ...found, origin: this.originOf(found.kind === "file" ? found.path : found.dir) } : found;
    }
    return { kind: "missing", name: module };
  }

  /** The project root holding the user's file `from` (and `dir`, when given), if any: the deepest such root. */
  private projectRootOf(from: string, dir = from): string | undefined {
    if (this.originOf(from) === "library") return undefined;
    const roots = (this.host.projectRoots ?? []).filter((r) => isUnder(from, r) && isUnder(dir, r));
    return roots.sort((a, b) => b.length - a.length)[0];
  }

  private originOf(path: string): "user" | "library" {
    return isLibraryPath(this.host, path) ? "library" : "user";
  }

  private lookIn(base: string, parts: string[], origin: "user" | "library", importRoot: string): ModuleLocation | undefined {
    if (parts.length === 0) {
      const init = joinPath(base, "__init__.py");
      if (this.host.isFile(init)) return { kind: "file", path: init, origin, importRoot };
      return this.host.isDir(base) ? { kind: "namespace", dir: base, origin, importRoot } : undefined;
    }
    const dir = joinPath(base, ...parts);
    const init = joinPath(dir, "__init__.py");
    if (this.host.isFile(init)) return { kind: "file", path: init, origin, importRoot };
    const file = `${dir}.py`;
    if (this.host.isFile(file)) return { kind: "file", path: file, origin, importRoot };
    if (this.host.isDir(dir)) return { kind: "namespace", dir, origin, importRoot };
    return undefined;
  }
}
