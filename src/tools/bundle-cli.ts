/**
 * `npm run build`, after tsc: bundles the CLI's compile path into dist/src/cli-bundle.cjs, lists what
 * it was made from in cli-bundle.json, and writes V8's code cache for it by running one compile
 * (why, and how the executable uses them: src/cli-bundle.ts).
 *
 * The bundle is made from tsc's output (dist/), so both ways of starting run the same JavaScript.
 * What it leaves out: packages with native or wasm parts (loaded by require at run time), and every
 * module that the bundled code imports dynamically other than the compile command; those stay ES
 * modules, loaded through `__c2mImport`.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { build, type Plugin } from "esbuild";
import { BUNDLE_FILE, ENV, fileHash, MANIFEST_FILE, type BundleManifest } from "../cli-bundle.js";
import { packageRoot } from "../python.js";

/** Packages that load native bindings or wasm next to their own files: required from node_modules, not bundled. */
const NATIVE_PACKAGES = ["tree-sitter", "tree-sitter-python", "web-tree-sitter", "tree-sitter-cuda"];

/** Dynamic imports (paths under dist/) that the bundle includes: the command whose start-up counts. */
const BUNDLED_DYNAMIC_IMPORTS = new Set(["src/commands/compile.js"]);

/** The input of the code cache's training run: one compile through the bundle. */
const TRAINING_INPUT = "examples/resnet18.py";

const EXTERNAL_PREFIX = "c2m-dist:";

export async function bundleCli(root: string): Promise<void> {
  const dist = join(root, "dist");
  const distSrc = join(dist, "src");
  // outputs of an earlier build go first: if this one fails, the ES modules run
  for (const f of readdirSync(distSrc)) if (f === MANIFEST_FILE || f === BUNDLE_FILE || /^cli-bundle\..*\.cache$/.test(f)) rmSync(join(distSrc, f));

  const result = await build({
    absWorkingDir: root,
    entryPoints: [join(distSrc, "program.js")],
    bundle: true,
    format: "cjs",
    platform: "node",
    target: "node20",
    write: false,
    metafile: true,
    logLevel: "silent",
    // input paths as seen from the package root, also through a symlinked node_modules: the manifest lists them relative to the root
    preserveSymlinks: true,
    // ES modules are strict code; the bundle's wrapper function (src/cli-bundle.ts) is made strict by this directive
    banner: { js: '"use strict";' },
    external: NATIVE_PACKAGES,
    plugins: [dynamicImportsOutside(dist), importMetaUrl(dist)],
  });
  if (result.warnings.length) throw new Error(`bundle-cli: ${result.warnings.map((w) => `${w.location?.file ?? ""}: ${w.text}`).join("\n")}`);

  const text = result.outputFiles[0].text.replace(/\bimport\("c2m-dist:([^"]+)"\)/g, (_m, path: string) => `__c2mImport(${JSON.stringify(path)})`);
  const leftover = /\bimport\s*\(|\bimport\.meta\b/.exec(text);
  if (leftover) throw new Error(`bundle-cli: the bundle still uses ${leftover[0]} (…${text.slice(Math.max(0, leftover.index - 120), leftover.index + 80)}…)`);
  const bundlePath = join(distSrc, BUNDLE_FILE);
  writeFileSync(bundlePath, text);

  const files = [...Object.keys(result.metafile.inputs), relative(root, bundlePath)].map((file): [string, number, number, string] => {
    const st = statSync(join(root, file));
    return [file, st.size, st.mtimeMs, fileHash(join(root, file))];
  });
  const cache = `cli-bundle.${createHash("sha256").update(text).digest("hex").slice(0, 16)}.cache`;
  const manifest: BundleManifest = { files, cache };
  writeFileSync(join(distSrc, MANIFEST_FILE), `${JSON.stringify(manifest, null, 1)}\n`);

  // the executable, runnable as it is (tsc writes it without the x bit; npx sets it only when it links a package)
  chmodSync(join(distSrc, "cli.js"), 0o755);

  // the training run: the executable takes the bundle (the manifest is fresh) and writes the code cache at exit
  const out = mkdtempSync(join(tmpdir(), "c2m-bundle-"));
  try {
    const run = spawnSync(process.execPath, [join(distSrc, "cli.js"), "compile", join(root, TRAINING_INPUT), "-o", join(out, "model.py")], {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, [ENV.writeCodeCache]: join(distSrc, cache), [ENV.report]: "1", [ENV.noBundle]: "" },
    });
    if (run.status !== 0 || !existsSync(join(distSrc, cache))) throw new Error(`bundle-cli: the training compile did not run from the bundle (exit ${run.status}):\n${run.stderr}`);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  const kib = (n: number) => `${Math.round(n / 1024)} KiB`;
  process.stdout.write(`bundle-cli: ${relative(root, bundlePath)} (${files.length - 1} files, ${kib(text.length)}), code cache ${kib(statSync(join(distSrc, cache)).size)}\n`);
}

/** Dynamic imports of our modules become external (`c2m-dist:<path under dist>`), except BUNDLED_DYNAMIC_IMPORTS. */
function dynamicImportsOutside(dist: string): Plugin {
  return {
    name: "dynamic-imports-outside",
    setup(b) {
      b.onResolve({ filter: /^\./ }, (args) => {
        if (args.kind !== "dynamic-import") return undefined;
        const path = relative(dist, resolve(args.resolveDir, args.path)).split("\\").join("/");
        if (BUNDLED_DYNAMIC_IMPORTS.has(path)) return undefined;
        return { path: `${EXTERNAL_PREFIX}${path}`, external: true };
      });
    },
  };
}

/** `import.meta.url` in a module of dist/ becomes `__c2mUrl("<its path under dist>")`, which the executable resolves where the bundle runs. */
function importMetaUrl(dist: string): Plugin {
  return {
    name: "import-meta-url",
    setup(b) {
      b.onLoad({ filter: /\.js$/ }, (args) => {
        if (!args.path.startsWith(dist)) return undefined;
        const source = readFileSync(args.path, "utf8");
        if (!source.includes("import.meta")) return undefined;
        const path = relative(dist, args.path).split("\\").join("/");
        const contents = source.replace(/\bimport\.meta\.url\b/g, `__c2mUrl(${JSON.stringify(path)})`);
        if (/\bimport\.meta\b/.test(contents)) return { errors: [{ text: `${path} uses import.meta beyond import.meta.url, which the bundle cannot give it` }] };
        return { contents, loader: "js" };
      });
    },
  };
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(packageRoot(), "dist", "src", "tools", "bundle-cli.js")) {
  bundleCli(packageRoot()).catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
