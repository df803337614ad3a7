/**
 * The program's Host over node:fs: the user's files as they are on disk, and the folders installed
 * libraries are read from (never imported): `--python-path` folders, $C2M_PYTHON_PATH, and the
 * site-packages of the active virtual environment ($VIRTUAL_ENV) or of ./.venv.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Host } from "../ir/program/host.js";

/** `projectRoots`: the folders compiled (ir/program/host.ts), in the form the files' paths are given in. */
/** `translatedLibraries`: installed packages compiled with the user's files (src/libraries.ts), absolute. */
export function nodeHost(searchPaths: readonly string[], projectRoots: readonly string[] = [], translatedLibraries: readonly string[] = []): Host {
  const stats = new Map<string, "file" | "dir" | "none">();
  const kind = (p: string) => {
    let k = stats.get(p);
    if (!k) {
      const st = statSync(p === "" ? "." : p, { throwIfNoEntry: false });
      k = st?.isFile() ? "file" : st?.isDirectory() ? "dir" : "none";
      stats.set(p, k);
    }
    return k;
  };
  return {
    readFile: (p) => {
      try {
        return readFileSync(p, "utf8");
      } catch {
        return undefined;
      }
    },
    isFile: (p) => kind(p) === "file",
    isDir: (p) => kind(p) === "dir",
    searchPaths,
    projectRoots,
    absolute: (p) => resolve(p),
    translatedLibraries,
  };
}

/** A compiled folder as a project root, in the form findSources gives its files' paths (`join(dir, name)`). */
export function projectRootPath(dir: string): string {
  const root = join(dir);
  return root === "." ? "" : root.replace(/\/$/, "");
}

/** Library folders, in the order they are searched. */
export function defaultSearchPaths(extra: readonly string[] = []): string[] {
  const out = [...extra.map((p) => resolve(p))];
  for (const p of (process.env.C2M_PYTHON_PATH ?? "").split(":")) if (p) out.push(resolve(p));
  const venv = process.env.VIRTUAL_ENV ?? (existsSync(".venv") ? ".venv" : undefined);
  if (venv) out.push(...sitePackages(resolve(venv)));
  return [...new Set(out)];
}

function sitePackages(venv: string): string[] {
  const lib = join(venv, "lib");
  try {
    return readdirSync(lib)
      .filter((d) => d.startsWith("python"))
      .map((d) => join(lib, d, "site-packages"))
      .filter((p) => existsSync(p));
  } catch {
    return [];
  }
}
