/**
 * Which names of a file other files of its package write: in a folder compile, a module class another file may
 * build (diffusers' ResnetBlock2D, built by unet_2d_blocks.py and used inside resnet.py too) must keep torch's
 * layout at its forward, as a caller in another file passes it (passes/walk/module-calls.ts foreignModuleCall); within its
 * own file alone the class would take whatever layout its callers there hand it. A name counts when it occurs as
 * a word in another file: an over-approximation, which costs transposes. A file that defines the name itself at its
 * top level (`class ResnetBlock`: ldm's and taming's diffusionmodules/model.py, compiled as one folder) means its
 * own by the bare word; only an import of the name or an attribute (`model.ResnetBlock`, a dotted target string)
 * there can mean another file's.
 */
import type { PackageInfo } from "../emit/verify/index.js";
import type { Program } from "../ir/program/program.js";

/** per program and package root (the user's folder, or the search path a translated library is read from): word → the package files (relative paths) it occurs in */
const indexes = new WeakMap<Program, Map<string, Map<string, string[]>>>();

/** Whether a file of the package other than this one (`pkg.path`) contains the word `name`. */
export function usedByOtherFiles(program: Program, filename: string, pkg: PackageInfo): (name: string) => boolean {
  const naming = otherFilesNaming(program, filename, pkg);
  return (name) => naming(name).length > 0;
}

/** The files of the package other than this one (`pkg.path`) that contain the word `name`, as paths the program reads. */
export function otherFilesNaming(program: Program, filename: string, pkg: PackageInfo): (name: string) => string[] {
  const root = filename.endsWith(pkg.path) ? filename.slice(0, filename.length - pkg.path.length) : "";
  const perRoot = indexes.get(program) ?? indexes.set(program, new Map()).get(program)!;
  const index = perRoot.get(root) ?? perRoot.set(root, indexPackage(program, root, pkg)).get(root)!;
  return (name) => (index.get(name) ?? []).filter((f) => f !== pkg.path).map((f) => root + f);
}

function indexPackage(program: Program, root: string, pkg: PackageInfo): Map<string, string[]> {
  const index = new Map<string, string[]>();
  for (const f of pkg.files) {
    const text = program.host.readFile(root + f);
    if (!text) continue;
    for (const word of namedWords(text)) {
      const where = index.get(word);
      if (where === undefined) index.set(word, [f]);
      else if (where[where.length - 1] !== f) where.push(f);
    }
  }
  return index;
}

/** A file's top-level `class NAME` / `def NAME` */
const TOP_DEFINITION = /^(?:async[ \t]+)?(?:class|def)[ \t]+([A-Za-z_]\w*)/gm;
/** an import statement, its parenthesised or backslash-continued lines included */
const IMPORT_STATEMENT = /^[ \t]*(?:from[ \t]+\S+[ \t]+)?import[ \t]+(?:\([^)]*\)|[^\n]*(?:\\\n[^\n]*)*)/gm;

/** The words of a file that may name another file's definition: every word but those the file defines itself, which still count after a `.` or in an import. */
function namedWords(text: string): Set<string> {
  const words = new Set(text.match(/[A-Za-z_]\w*/g) ?? []);
  const own = new Set([...text.matchAll(TOP_DEFINITION)].map((m) => m[1]));
  if (!own.size) return words;
  const foreign = new Set<string>();
  for (const m of text.matchAll(/\.\s*([A-Za-z_]\w*)/g)) foreign.add(m[1]);
  for (const m of text.matchAll(IMPORT_STATEMENT)) for (const w of m[0].match(/[A-Za-z_]\w*/g) ?? []) foreign.add(w);
  for (const name of own) if (!foreign.has(name)) words.delete(name);
  return words;
}
