/**
 * program: the unit of compilation is a package. A Program owns the files of the user's folder and of the
 * libraries it imports, each parsed and bound only when some question needs it (`from transformers import
 * PreTrainedModel` reads two files of transformers, not the library). One file compiled alone is a program
 * of that file plus whatever it imports that the host can read.
 *
 * Reads: files through the Host. Answers: which module an import names (ImportResolver), and, through
 * ir/binder, what a name is and whether a class is an nn.Module (resolve.ts, classes.ts).
 */
import type { Tree } from "../../grammar/python.js";
import { isLibraryPath, isUnder, type Host } from "./host.js";
import { importRootOf, ImportResolver } from "./import-resolver.js";
import { SourceFile } from "./source-file.js";

export interface ProgramOptions {
  /** whether a torch name is an nn.Module class (Module itself, a layer, a container): c2m's tables decide */
  isTorchModuleClass(name: string): boolean;
}

/** What an import names, with files turned into SourceFiles. */
export type ModuleRef =
  | { kind: "torch"; name: string }
  | { kind: "stdlib"; name: string }
  | { kind: "file"; file: SourceFile }
  | { kind: "namespace"; dir: string; origin: "user" | "library"; importRoot: string }
  | { kind: "missing"; name: string };

export class Program {
  private files = new Map<string, SourceFile>();
  readonly resolver: ImportResolver;

  constructor(
    readonly host: Host,
    readonly options: ProgramOptions,
  ) {
    this.resolver = new ImportResolver(host);
  }

  /**
   * The file at `path` (read through the host when first asked). The file being compiled passes its tree,
   * so it is parsed once.
   */
  file(path: string, tree?: Tree): SourceFile {
    let f = this.files.get(path);
    if (!f) {
      // a library file imports from its search path; a user's file from its package's parent
      const searchPath = this.host.searchPaths.find((sp) => isUnder(path, sp));
      const origin = isLibraryPath(this.host, path) ? "library" : "user";
      f = new SourceFile(path, origin, searchPath ?? importRootOf(this.host, path), () => this.host.readFile(path), tree);
      this.files.set(path, f);
    }
    return f;
  }

  /** The file at `path` if the program has it already. */
  peek(path: string): SourceFile | undefined {
    return this.files.get(path);
  }

  /** Replaces what the program holds for `path` by this tree (the text being compiled differs from the file on disk). */
  setFile(path: string, tree: Tree): SourceFile {
    this.files.delete(path);
    return this.file(path, tree);
  }

  /** The module `module` (with `level` leading dots) as imported from `from`. */
  resolveModule(from: SourceFile, module: string, level: number): ModuleRef {
    const loc = this.resolver.resolve(from.path, from.importRoot, module, level);
    if (loc.kind === "file") {
      const f = this.files.get(loc.path) ?? new SourceFile(loc.path, loc.origin, loc.importRoot, () => this.host.readFile(loc.path));
      this.files.set(loc.path, f);
      return { kind: "file", file: f };
    }
    return loc;
  }

  /** Files read so far (for measurements and tests). */
  get loadedFiles(): SourceFile[] {
    return [...this.files.values()];
  }
}
