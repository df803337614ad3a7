/**
 * `c2m compile DIR -o OUTDIR`: 200 generated model files (variants of three small golden models) compiled on worker threads give byte for byte
 * what compiling each file alone gives, on more than one thread; an error in one file writes nothing for
 * it and stops nothing else; the output folder never overlaps the input files.
 */
import { beforeAll, describe, expect, it, vi } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join, relative } from "node:path";
import { runCompile } from "../src/commands/compile.js";
import { runKernel } from "../src/commands/kernel.js";
import { packageRoot } from "../src/python.js";

const root = packageRoot();
const cli = join(root, "dist", "src", "cli.js");
const c2m = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: "utf8", cwd: root, maxBuffer: 64 << 20 });

/** the smaller golden models: 200 variants of them compile in seconds */
const BASES = ["mlp", "lstm_lm", "transformer_classifier"].map((n) => readFileSync(join(root, "golden/models", n, "input.py"), "utf8"));

/** Every file under `dir`, relative path → bytes. */
function tree(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string) => {
    for (const n of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, n.name);
      if (n.isDirectory()) walk(p);
      else out.set(relative(dir, p), readFileSync(p));
    }
  };
  walk(dir);
  return out;
}

let work: string;
let input: string;
const N = 200;

beforeAll(() => {
  if (!existsSync(cli)) throw new Error("build first: npm run build (npm test does)");
  work = mkdtempSync(join(tmpdir(), "c2m-batch-"));
  input = join(work, "models");
  for (let i = 0; i < N; i++) {
    // each file differs: its own header, and sizes shifted so that layer arguments and weight maps differ
    const src = `# generated model ${i}\n` + BASES[i % BASES.length].replace(/\b(\d{2,3})\b/g, (n) => String(Number(n) + (i % 7)));
    const sub = join(input, `group${i % 10}`);
    mkdirSync(sub, { recursive: true });
    writeFileSync(join(sub, `model_${i}.py`), src);
  }
});

describe("c2m compile DIR -o OUTDIR", () => {
  it("compiles 200 files on more than one worker thread, byte-identical to file-by-file compiles", async () => {
    const out = join(work, "out-batch");
    const r = c2m("compile", input, "-o", out, "--json");
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.summary).toMatchObject({ files: N, ok: N, failed: 0 });
    if (availableParallelism() > 1) expect(report.summary.workersUsed).toBeGreaterThan(1);

    // the same files compiled one at a time through the single-file command
    const single = join(work, "out-single");
    const quiet = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      for (const f of tree(input).keys()) {
        mkdirSync(join(single, f, ".."), { recursive: true });
        expect(await runCompile(join(input, f), { output: join(single, f) })).toBe(0);
      }
    } finally {
      quiet.mockRestore();
    }
    const a = tree(out);
    const b = tree(single);
    expect(a.size).toBe(2 * N); // each module and its source map
    expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
    for (const [k, v] of a) expect(v.equals(b.get(k)!), k).toBe(true);

    // and through the binary itself, for a few of them
    for (const f of ["group0/model_0.py", "group3/model_13.py", "group9/model_199.py"]) {
      const o = join(work, "one", f);
      mkdirSync(join(o, ".."), { recursive: true });
      expect(c2m("compile", join(input, f), "-o", o).status).toBe(0);
      expect(readFileSync(o).equals(a.get(f)!)).toBe(true);
      expect(readFileSync(`${o}.map`).equals(a.get(`${f}.map`)!)).toBe(true);
    }
  });

  it("an error in one file writes nothing for it and does not stop the others; progress lines and a summary when not a TTY", () => {
    const dir = join(work, "mixed");
    mkdirSync(join(dir, "sub"), { recursive: true });
    writeFileSync(join(dir, "good.py"), BASES[0]);
    writeFileSync(join(dir, "sub", "broken.py"), "import torch\nclass Net(nn.Module:\n");
    writeFileSync(join(dir, "sub", "binary.py"), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 1]));
    writeFileSync(join(dir, "also_good.py"), BASES[1]);
    const out = join(work, "mixed-out");
    const r = c2m("compile", dir, "-o", out);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^\[\d\/4\] .*good\.py: ok$/m);
    expect(r.stderr).toMatch(/broken\.py:2:\d+: error C2M-E001: syntax error/);
    expect(r.stderr).toMatch(/>\s+2 \| class Net\(nn\.Module:/); // the code frame
    expect(r.stderr).toMatch(/binary\.py.*C2M-E002/);
    expect(r.stderr).toMatch(/c2m compile: 4 files: 2 written, 2 failed/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect([...tree(out).keys()].sort()).toEqual(["also_good.py", "also_good.py.map", "good.py", "good.py.map"]);
  });

  it.skipIf(spawnSync("script", ["--version"]).status !== 0)("on a terminal: a progress bar redrawn in place and colour; piped: plain lines, no escape codes", () => {
    const dir = join(work, "tty");
    mkdirSync(dir, { recursive: true });
    for (const [i, src] of BASES.slice(0, 3).entries()) writeFileSync(join(dir, `m${i}.py`), src);
    writeFileSync(join(dir, "broken.py"), "import torch\nclass Net(nn.Module:\n");
    const tty = spawnSync(
      "script",
      ["-qec", `${JSON.stringify(process.execPath)} ${JSON.stringify(cli)} compile ${JSON.stringify(dir)} -o ${JSON.stringify(join(work, "tty-out"))}`, "/dev/null"],
      { encoding: "utf8", cwd: root },
    );
    expect(tty.stdout).toMatch(/\r\x1b\[2K\[#+\.*\] \d\/4 /);
    expect(tty.stdout).toContain("\x1b[31;1merror\x1b[0m C2M-E001");
    const piped = c2m("compile", dir, "-o", join(work, "piped-out"));
    expect(piped.stderr).not.toContain("\x1b");
  });

  it("refuses to write into the input folder, and needs -o", () => {
    const dir = join(work, "mixed");
    const same = c2m("compile", dir, "-o", dir);
    expect(same.status).toBe(2);
    expect(same.stderr).toMatch(/C2M-E005/);
    const none = c2m("compile", dir);
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/needs -o OUTDIR/);
    // an output folder inside the input tree is skipped on the next run (its files are not inputs)
    const inner = join(dir, "mlx");
    expect(c2m("compile", dir, "-o", inner).status).toBe(1);
    const again = c2m("compile", dir, "-o", inner, "--json");
    expect(JSON.parse(again.stdout).summary.files).toBe(4);
  });
});

describe("c2m kernel DIR -o OUTDIR", () => {
  it("translates every .cu file of the golden tree, byte-identical to one-file runs; files without kernels are skipped, not failed", async () => {
    const out = join(work, "kernels-batch");
    const r = c2m("kernel", "golden/kernels", "-o", out, "--json");
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    const written = report.files.filter((f: { status: string }) => f.status === "ok");
    const skipped = report.files.filter((f: { status: string }) => f.status === "skipped");
    expect(written.length).toBeGreaterThanOrEqual(14); // every golden kernel file
    expect(skipped.every((f: { input: string }) => f.input.includes("fixtures/drivers/"))).toBe(true); // host-only driver programs
    const quiet = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      for (const f of written as { input: string; wrote: string[] }[]) {
        const single = join(work, "kernel-single.py");
        expect(await runKernel(f.input, { output: single })).toBe(0);
        expect(readFileSync(single).equals(readFileSync(f.wrote[0])), f.input).toBe(true);
      }
    } finally {
      quiet.mockRestore();
    }
    expect(c2m("kernel", "golden/kernels", "-o", out, "--verify").status).toBe(2);
  });
});
