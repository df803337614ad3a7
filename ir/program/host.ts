/**
 * What the program reads files through. src/ implements it over node:fs (the user's folder, the .venv's
 * site-packages, `--python-path`); tests implement it over an in-memory map. Nothing in ir/ or passes/
 * reads a file any other way. Paths are POSIX strings, absolute or relative to one base, never mixed.
 */
export interface Host {
  /** the text of a file, or undefined when it does not exist or cannot be read */
  readFile(path: string): string | undefined;
  isFile(path: string): boolean;
  isDir(path: string): boolean;
  /** folders installed libraries are looked up in, in order (site-packages, --python-path) */
  readonly searchPaths: readonly string[];
  /**
   * the folders the user's code runs from (a folder compile's root, which Python would have on sys.path): a file
   * in a namespace folder (no `__init__.py`, as in many repositories: `models/convnext.py`) imports its
   * siblings' packages from there, absolutely (`from dinov2.layers import Mlp`) or with dots that climb out of it
   */
  readonly projectRoots?: readonly string[];
  /** the absolute form of a path (to tell whether a file lies under a search path); identity when absent */
  absolute?(path: string): string;
  /**
   * installed packages translated with the user's files (`<site-packages>/timm`, a module file `<site-packages>/six.py`):
   * their files are the program's own, not a library's, though they are found on a search path (src/libraries)
   */
  readonly translatedLibraries?: readonly string[];
}

/** Whether `path` lies under one of the host's search paths (a library's file, not the user's). */
export function isLibraryPath(host: Host, path: string): string | undefined {
  const abs = host.absolute ? host.absolute(path) : path;
  if (host.translatedLibraries?.some((lib) => (lib.endsWith(".py") ? abs === lib : isUnder(abs, lib)))) return undefined;
  return host.searchPaths.find((sp) => isUnder(abs, sp));
}

/** A host over a fixed set of files (tests, and `compile()` of a source string with no folder). */
export function memoryHost(files: Record<string, string>, searchPaths: readonly string[] = []): Host {
  const dirs = new Set<string>();
  for (const p of Object.keys(files)) for (let d = dirname(p); d && !dirs.has(d); d = dirname(d)) dirs.add(d);
  return {
    readFile: (p) => files[p],
    isFile: (p) => p in files,
    isDir: (p) => dirs.has(p),
    searchPaths,
  };
}

export function dirname(path: string): string {
  const i = path.lastIndexOf("/");
  return i < 0 ? "" : i === 0 ? "/" : path.slice(0, i);
}

export function joinPath(dir: string, ...parts: string[]): string {
  let out = dir;
  for (const p of parts) out = out === "" ? p : out.endsWith("/") ? out + p : `${out}/${p}`;
  return out;
}

export function isUnder(path: string, dir: string): boolean {
  return dir === "" || path === dir || path.startsWith(dir.endsWith("/") ? dir : `${dir}/`);
}
