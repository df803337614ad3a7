/**
 * Finding the source files of a tree. Symbolic links are not followed (a link can point outside the tree
 * or into a loop); version-control, virtual-environment and cache folders are skipped; the output folder
 * is skipped when it sits inside the input tree, so a second run never reads the first run's output.
 */
import { existsSync, lstatSync, readdirSync, realpathSync } from "node:fs";
import { basename, join, relative, resolve, sep } from "node:path";

/** Folders no one means as model or kernel sources. */
const SKIPPED_DIRS = new Set(["node_modules", "__pycache__", ".git", ".hg", ".svn", ".venv", "venv", ".tox", ".mypy_cache", ".pytest_cache", "site-packages"]);

/**
 * The name a folder's modules import it by: a folder that is a package (its own __init__.py) imports itself by
 * its name; a plain folder holding packages (site-packages' `transformers/` copied out) imports each by its own.
 */
export const packageNameOf = (dir: string): string | undefined => (existsSync(join(dir, "__init__.py")) ? basename(resolve(dir)) : undefined);

export interface SourceFile {
  /** the path as the user would write it: the input folder joined with the relative path */
  path: string;
  /** relative to the input folder, with `/` separators */
  rel: string;
}

/**
 * Every file under `root` whose name ends with one of `extensions`, sorted by relative path (so that
 * reports and summaries do not depend on the order the file system lists folders in).
 */
export function findSources(root: string, extensions: readonly string[], exclude: readonly string[] = []): SourceFile[] {
  const excluded = new Set(exclude.map((p) => safeReal(p)));
  const out: SourceFile[] = [];
  const visit = (dir: string): void => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return; // unreadable folder: nothing to report per file, the summary shows what was found
    }
    for (const name of names.sort()) {
      const full = join(dir, name);
      let st;
      try {
        st = lstatSync(full);
      } catch {
        continue;
      }
      if (st.isSymbolicLink()) continue;
      if (st.isDirectory()) {
        if (SKIPPED_DIRS.has(name) || (name.startsWith(".") && name !== "." && name !== "..")) continue;
        if (excluded.has(safeReal(full))) continue;
        visit(full);
      } else if (st.isFile() && extensions.some((e) => name.endsWith(e))) {
        out.push({ path: full, rel: relative(root, full).split(sep).join("/") });
      }
    }
  };
  visit(root);
  return out.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
}

function safeReal(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return resolve(p);
  }
}

/** True when `inner` is `outer` or lies inside it (after resolving links of the existing parts). */
export function isInside(inner: string, outer: string): boolean {
  const rel = relative(safeReal(outer), safeReal(inner));
  return rel === "" || (!rel.startsWith("..") && !rel.startsWith(sep) && !/^[a-zA-Z]:/.test(rel));
}
