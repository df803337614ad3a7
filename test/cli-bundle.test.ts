/**
 * The CLI bundle (src/cli-bundle.ts): runs only while it is up to date, gives the bundled code its
 * import() and import.meta.url, and starts the same CLI as the ES modules.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUNDLE_FILE, ENV, fileHash, MANIFEST_FILE, runBundle, type BundleManifest } from "../src/cli-bundle.js";
import { packageRoot } from "../src/python.js";

const root = packageRoot();
const cli = join(root, "dist", "src", "cli.js");
const scratch = mkdtempSync(join(tmpdir(), "c2m-bundle-test-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A fake package: dist/src/ with a bundle that records what it was given, and an ES module it imports. */
function fakePackage(name: string): { distSrc: string; manifest: BundleManifest } {
  const distSrc = join(scratch, name, "dist", "src");
  mkdirSync(distSrc, { recursive: true });
  writeFileSync(join(distSrc, "other.mjs"), "export const answer = 42;\n");
  writeFileSync(
    join(distSrc, BUNDLE_FILE),
    `"use strict";
globalThis.__c2mBundleTest = { url: __c2mUrl("src/python.js"), strict: this === undefined, loaded: __c2mImport("src/other.mjs") };
`,
  );
  const files: [string, number, number, string][] = ["other.mjs", BUNDLE_FILE].map((f) => {
    const st = statSync(join(distSrc, f));
    return [`dist/src/${f}`, st.size, st.mtimeMs, fileHash(join(distSrc, f))];
  });
  const manifest = { files, cache: "cli-bundle.none.cache" };
  writeFileSync(join(distSrc, MANIFEST_FILE), JSON.stringify(manifest));
  return { distSrc, manifest };
}

describe("CLI bundle", () => {
  const inherited = process.env[ENV.noBundle];
  beforeAll(() => {
    delete process.env[ENV.noBundle];
  });
  afterAll(() => {
    if (inherited !== undefined) process.env[ENV.noBundle] = inherited;
  });

  it("runs an up-to-date bundle as strict code, with import() and import.meta.url relative to dist/", async () => {
    const { distSrc } = fakePackage("fresh");
    expect(runBundle(distSrc)).toBe(true);
    const seen = (globalThis as unknown as { __c2mBundleTest: { url: string; strict: boolean; loaded: Promise<{ answer: number }> } }).__c2mBundleTest;
    expect(seen.url).toBe(pathToFileURL(join(distSrc, "python.js")).href);
    expect(seen.strict).toBe(true);
    expect((await seen.loaded).answer).toBe(42);
  });

  it("runs a bundle whose inputs were rewritten unchanged (new mtime, same bytes), as after tsc or a copy", () => {
    const { distSrc } = fakePackage("touched");
    const other = join(distSrc, "other.mjs");
    utimesSync(other, new Date(2001, 0, 1), new Date(2001, 0, 1));
    (globalThis as Record<string, unknown>).__c2mBundleTest = undefined;
    expect(runBundle(distSrc)).toBe(true);
    expect((globalThis as Record<string, unknown>).__c2mBundleTest).toBeDefined();
  });

  it("does not run a bundle when a file it was made from changed, or when C2M_NO_BUNDLE is set", () => {
    const { distSrc } = fakePackage("stale");
    // same size, new content
    writeFileSync(join(distSrc, "other.mjs"), "export const answer = 43;\n");
    (globalThis as Record<string, unknown>).__c2mBundleTest = undefined;
    expect(runBundle(distSrc)).toBe(false);
    expect((globalThis as Record<string, unknown>).__c2mBundleTest).toBeUndefined();

    const fresh = fakePackage("off");
    process.env[ENV.noBundle] = "1";
    try {
      expect(runBundle(fresh.distSrc)).toBe(false);
    } finally {
      delete process.env[ENV.noBundle];
    }
    expect((globalThis as Record<string, unknown>).__c2mBundleTest).toBeUndefined();
  });

  it("the built CLI prints the same from the bundle as from the ES modules", () => {
    const run = (noBundle: boolean, ...args: string[]) =>
      spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: "utf8", env: { ...process.env, [ENV.noBundle]: noBundle ? "1" : "", [ENV.report]: "1" } });
    const compile = ["compile", "golden/models/resnet18/input.py"];
    const fromBundle = run(false, ...compile);
    // tsc alone since the last `npm run build` makes the bundle stale: then both runs are the ES modules
    expect(fromBundle.stderr).toMatch(/^c2m: started from (bundle \(code cache used\)|ES modules \(bundle out of date)/);
    for (const args of [compile, ["kernel", "golden/kernels/softmax_warp.cu"], ["--help"], ["compile", "--bogus"]]) {
      const a = run(false, ...args);
      const b = run(true, ...args);
      expect(a.status).toBe(b.status);
      expect(a.stdout).toBe(b.stdout);
      expect(a.stderr.split("\n").slice(1)).toEqual(b.stderr.split("\n").slice(1));
    }
    expect(readFileSync(join(root, "dist", "src", MANIFEST_FILE), "utf8")).toContain("dist/src/program.js");
  });
});
