/**
 * The CLI bundle: dist/src/cli-bundle.cjs holds src/program.ts and the compile path (commander, the
 * passes, the emitter) in one CommonJS file, made after tsc by src/tools/bundle-cli.ts. `c2m compile`
 * on one file starts about 50 ms sooner from it (a fifth of its time) than from the same code as ES
 * modules, with a third less CPU time on all threads: one file instead of some thirty module
 * resolutions and loads, and V8's code cache (the compiled functions of a training compile, written by
 * the build) instead of parsing and compiling those functions again on every start. Node 20 caches code
 * only for scripts, not for ES modules: hence CommonJS run through vm.Script.
 *
 * The bundle runs only while every file it was made from is unchanged (listed in cli-bundle.json with
 * size, mtime and hash; the hash is read only for a file whose mtime moved, as after a copy or a
 * rebuild by tsc), so it never runs stale code: the ES modules run instead.
 * Modules outside the compile path (the other commands, batch runs, plugins) stay ES modules, which the
 * bundle loads through `__c2mImport`: code compiled from a code cache cannot call import() in Node 20
 * ("A dynamic import callback was not specified").
 */
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { createRequire } from "node:module";
import { Script } from "node:vm";

export const BUNDLE_FILE = "cli-bundle.cjs";
export const MANIFEST_FILE = "cli-bundle.json";

export interface BundleManifest {
  /** every file the bundle was made from, and the bundle itself: [path from the package root, size, mtimeMs, sha256 (hex)] */
  files: [string, number, number, string][];
  /** the code cache's file name, next to the bundle (named after the bundle's hash, as V8 checks only the source's length) */
  cache: string;
}

/**
 * What the bundle's code sees besides its own names: CommonJS's five, then `__c2mImport(path)` (import()
 * of an ES module, by its path under dist/) and `__c2mUrl(path)` (what `import.meta.url` was for that
 * module under dist/).
 */
export const BUNDLE_PARAMETERS = ["exports", "require", "module", "__filename", "__dirname", "__c2mImport", "__c2mUrl"] as const;

/** Environment variables: set → run the ES modules; a path → write the code cache there at exit (the build); set → say on stderr how the CLI started. */
export const ENV = { noBundle: "C2M_NO_BUNDLE", writeCodeCache: "C2M_WRITE_CODE_CACHE", report: "C2M_BUNDLE_REPORT" } as const;

/**
 * Runs the bundle (`distSrc` is dist/src) and returns true, or returns false without running anything
 * when there is no bundle, it is out of date, or C2M_NO_BUNDLE is set.
 */
export function runBundle(distSrc: string): boolean {
  if (process.env[ENV.noBundle]) return report("ES modules (C2M_NO_BUNDLE)");
  const root = join(distSrc, "..", "..");
  let manifest: BundleManifest;
  try {
    manifest = JSON.parse(readFileSync(join(distSrc, MANIFEST_FILE), "utf8")) as BundleManifest;
    for (const [file, size, mtimeMs, hash] of manifest.files) {
      const path = join(root, file);
      const st = statSync(path);
      if (st.size !== size || (st.mtimeMs !== mtimeMs && fileHash(path) !== hash)) return report(`ES modules (bundle out of date: ${file} changed)`);
    }
  } catch {
    return report("ES modules (no bundle)");
  }
  const bundle = join(distSrc, BUNDLE_FILE);
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(join(distSrc, manifest.cache));
  } catch {
    cachedData = undefined; // no code cache yet (the build's training run makes it): V8 compiles as usual
  }
  const script = new Script(`(function (${BUNDLE_PARAMETERS.join(", ")}) {${readFileSync(bundle, "utf8")}\n})`, { filename: bundle, cachedData });
  report(`bundle (code cache ${cachedData ? (script.cachedDataRejected ? "rejected" : "used") : "absent"})`);
  const cacheOut = process.env[ENV.writeCodeCache];
  if (cacheOut) process.once("exit", () => writeFileSync(cacheOut, script.createCachedData()));
  const dist = pathToFileURL(join(root, "dist", "/"));
  const module = { exports: {} };
  (script.runInThisContext() as (...args: unknown[]) => void)(
    module.exports,
    createRequire(bundle),
    module,
    bundle,
    distSrc,
    (path: string): Promise<unknown> => import(new URL(path, dist).href),
    (path: string): string => new URL(path, dist).href,
  );
  return true;
}

/** sha256 of a file's bytes, in hex (node:crypto loads only when a file's mtime moved). */
export function fileHash(path: string): string {
  const { createHash } = createRequire(import.meta.url)("node:crypto") as typeof import("node:crypto");
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

function report(how: string): false {
  if (process.env[ENV.report]) process.stderr.write(`c2m: started from ${how}\n`);
  return false;
}
