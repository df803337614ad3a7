/**
 * Which names of a file other files of its package write: in a folder compile, a module class another file may
 * build (diffusers' ResnetBlock2D, built by unet_2d_blocks.py and used inside resnet.py too) must keep torch's
 * layout at its forward, as a caller in another file passes it (passes/walk/module-calls.ts foreignModuleCall); within its
 * own file alone the class would take whatever layout its callers there hand it. A name counts when it occurs as
 * a word in another file: an over-approximation, which costs transposes, never correctness.
 */
import type { PackageInfo } from "../emit/verify/index.js";
import type { Program } from "../ir/program/program.js";

/** per program and package root (the user's folder, or the search path a translated library is read from): word → the one package file (relative path) it occurs in, or true when in several */
const indexes = new WeakMap<Program, Map<string, Map<string, string | true>>>();

/** Whether a file of the package other than this one (`pkg.path`) contains the word `name`. */
export function usedByOtherFiles(program: Program, filename: string, pkg: PackageInfo): (name: string) => boolean {
  const root = filename.endsWith(pkg.path) ? filename.slice(0, filename.length - pkg.path.length) : "";
  const perRoot = indexes.get(program) ?? indexes.set(program, new Map()).get(program)!;
  const index = perRoot.get(root) ?? perRoot.set(root, indexPackage(program, root, pkg)).get(root)!;
  return (name) => {
    const where = index.get(name);
    return where === true || (where !== undefined && where !== pkg.path);
  };
}

function indexPackage(program: Program, root: string, pkg: PackageInfo): Map<string, string | true> {
  const index = new Map<string, string | true>();
  for (const f of pkg.files) {
    const text = program.host.readFile(root + f);
    if (!text) continue;
    for (const word of new Set(text.match(/[A-Za-z_]\w*/g) ?? [])) {
      const where = index.get(word);
      if (where === undefined) index.set(word, f);
      else if (where !== f) index.set(word, true);
    }
  }
  return index;
}
