import { spawnSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { validateVerifySpec } from "../src/kernel/verify-spec.js";
import { cudaProgram } from "../src/verify/cuda.js";
import { deviceOnlySource } from "../src/verify/device-code.js";
import { listGoldenSpecs, loadGoldenSpec } from "../src/verify/golden.js";
import { compileProgram, KernelCompileError, runProgram } from "../src/verify/native.js";
import { networkIsolation, runSandboxed, secureCacheDir } from "../src/verify/sandbox.js";
import { kernelCliHarness } from "./kernel-spec-helpers.js";

/**
 * `--verify` compiles and runs only the kernels, the device code they reach and the harness: the user's
 * host code (main, file-scope initialisers, host functions) never runs; compiled programs live in a
 * per-user cache that refuses what it does not own; programs run sandboxed; specs are validated.
 */

const cli = kernelCliHarness("c2m-verify-safe-");

const hostEvil = (marker: string) => `#include <cstdio>
#include <cstdlib>
#include <cuda_runtime.h>
#define N 3001
#define THREADS 128

static int planted = system("touch ${marker}");
struct Planter { Planter() { system("touch ${marker}"); } };
static Planter planter;
__attribute__((constructor)) void at_load() { system("touch ${marker}"); }

__global__ void vadd(const float* a, const float* b, float* c, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) c[i] = a[i] + b[i];
}

int main() {
  system("touch ${marker}");
  float *d_a, *d_b, *d_c;
  size_t bytes = N * sizeof(float);
  cudaMalloc(&d_a, bytes);
  cudaMalloc((void**)&d_b, bytes);
  cudaMalloc(&d_c, bytes);
  vadd<<<(N + THREADS - 1) / THREADS, THREADS>>>(d_a, d_b, d_c, N);
  return 0;
}
`;

describe("--verify never runs the user's host code", () => {
  it("a .cu whose file-scope initialisers, constructor and main run a command verifies without the command running", async () => {
    const marker = join(cli.dir(), "MARKER_host");
    const file = join(cli.dir(), "host_evil.cu");
    writeFileSync(file, hostEvil(marker));
    const { code, stderr } = await cli.run(file, { verify: true });
    expect(stderr).toMatch(/ok {3}host_evil_main_0_0 \[elements=3001\] d_c \(metal\): 3001 values/);
    expect(stderr).toMatch(/only the kernels and device code are compiled/);
    expect(code).toBe(0);
    expect(existsSync(marker)).toBe(false);
  }, 120_000);

  it("the device code cut out of that file keeps the kernel and blanks every host item, line numbers kept", () => {
    const src = hostEvil("/nowhere/MARKER");
    const { source, dropped } = deviceOnlySource(src);
    expect(source.split("\n").length).toBe(src.split("\n").length);
    expect(source).toContain("__global__ void vadd(");
    expect(source).not.toMatch(/system|main|planter|at_load|cudaMalloc/);
    expect(dropped.map((d) => d.replace(/ \(.*$/, ""))).toEqual([
      'line 7: file-scope object static int planted = system("touch /nowhere/MARKER");',
      "line 9: file-scope object static Planter planter;",
      "line 10: host function at_load",
      "line 17: host function main",
      "line 8: type Planter that no device code names",
    ]);
    // the type goes whole: no device code names it (a type a kernel uses stays, without host member functions)
    expect(source).not.toMatch(/Planter/);
  });

  it("local includes are followed only through the resolver, once, and only their device code is kept", () => {
    const headers: Record<string, string> = {
      "common.h": `#pragma once\n#include "inner.h"\ntypedef float floatX;\nvoid cudaCheck(int e) { if (e) system("touch /nowhere/MARKER"); }\n__device__ floatX twice(floatX v) { return 2 * v; }\n`,
      "inner.h": `#define SCALE 3\nstatic int boot = system("touch /nowhere/MARKER");\n`,
    };
    const src = `#include "common.h"\n#include "inner.h"\n#include "missing.h"\n#include </etc/passwd>\n__global__ void k(floatX* y) { y[threadIdx.x] = twice(SCALE); }\n`;
    const { source, dropped } = deviceOnlySource(src, { resolveInclude: (name) => (headers[name] ? { path: `/src/${name}`, text: headers[name]! } : undefined) });
    expect(source).toContain('#line 1 "common.h"');
    expect(source).toContain("typedef float floatX;");
    expect(source).toContain("#define SCALE 3");
    expect(source).toContain("__device__ floatX twice(");
    expect(source).not.toMatch(/system|cudaCheck|passwd/);
    expect(dropped).toEqual([
      'common.h: inner.h: line 2: file-scope object static int boot = system("touch /nowhere/MARKER"); (only arithmetic values whose initialisers call nothing are kept)',
      "common.h: line 4: host function cudaCheck",
      'line 2: #include "inner.h" (already included)',
      'line 3: #include "missing.h" (local header not followed)',
      "line 4: #include </etc/passwd> (not a header the emulator has)",
    ]);
  });

  it("keeps what device code may call of a type (defaulted members, constexpr) and drops headers the emulator does not have", () => {
    const src = `#include <cublas_v2.h>\n#include <cuda_runtime.h>\n#include <vector>\ntemplate <class T> struct alignas(16) Packed {\n  Packed() = default;\n  constexpr int size() const { return 4; }\n  void dump() { system("true"); }\n  __device__ T& operator[](int i) { return v[i]; }\n  T v[4];\n};\n__global__ void k(float* y) { Packed<float> p; p[0] = 1.0f; y[threadIdx.x] = p[0] * p.size(); }\n`;
    const { source, dropped } = deviceOnlySource(src);
    expect(source).toContain("Packed() = default;");
    expect(source).toContain("constexpr int size() const { return 4; }");
    expect(source).toContain("#include <cuda_runtime.h>\n#include <vector>");
    expect(source).not.toMatch(/cublas|dump|system/);
    expect(dropped).toEqual(["line 1: #include <cublas_v2.h> (not a header the emulator has)", "line 7: host member function dump"]);
  });

  it("a kernel calling system() is refused at translation (C2M-K018) and nothing is compiled or run", async () => {
    const marker = join(cli.dir(), "MARKER_kernel");
    const file = join(cli.dir(), "kernel_evil.cu");
    writeFileSync(file, `__global__ void k(float* x, int n) {\n  int i = blockIdx.x * blockDim.x + threadIdx.x;\n  if (i < n) { system("touch ${marker}"); x[i] = 1.0f; }\n}\n`);
    const { code, stderr } = await cli.run(file, { verify: true, size: ["n=64"] });
    expect(code).toBe(1);
    expect(stderr).toMatch(/kernel_evil\.cu:3:16: error C2M-K018: 'system' runs a shell command/);
    expect(stderr).not.toMatch(/--verify/);
    expect(existsSync(marker)).toBe(false);
  }, 60_000);

  it("should a command reach the compiler anyway, the emulator's headers refuse it (poisoned names)", async () => {
    const src = `__global__ void k(float* x) { system("true"); x[threadIdx.x] = 1.0f; }\n__device__ void f() { std::FILE* p = std::fopen("/tmp/x", "w"); (void)p; }\n__global__ void g() { asm("nop"); }\n`;
    const err = await compileProgram(cudaProgram(src, [{ kernel: "k" }])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KernelCompileError);
    const out = (err as KernelCompileError).compilerOutput;
    for (const name of ["system", "fopen", "asm"]) expect(out).toMatch(new RegExp(`poisoned "${name}"`));
  }, 120_000);
});

describe("the verify cache is the user's own", () => {
  const tiny = `#include "cuda_emu.hpp"\nint main(int argc, char** argv) { if (argc < 3) return 2; emu::Request q = emu::read_request(argv[1]); emu::write_response(argv[2], q); return 0; }\n`;

  it("is a 0700 folder owned by the user", () => {
    const st = statSync(secureCacheDir());
    expect(st.mode & 0o777).toBe(0o700);
    expect(st.uid).toBe(process.getuid!());
  });

  it("refuses a planted binary it does not own, or that anyone may write: rebuilt, never run", async () => {
    const exe = await compileProgram(tiny);
    const marker = join(cli.dir(), "MARKER_cache");
    for (const plant of ["world-writable", "not-owned"] as const) {
      writeFileSync(exe, `#!/bin/sh\ntouch ${marker}\n`);
      if (plant === "world-writable") chmodSync(exe, 0o777);
      else {
        chmodSync(exe, 0o755);
        chownSync(exe, 65534, 65534); // nobody (the tests run as root here; a normal user cannot plant this)
      }
      // run directly: refused
      await expect(runProgram(exe, [], [])).rejects.toThrow(/refusing to run/);
      expect(existsSync(exe)).toBe(false);
      // asked for again: rebuilt from source, an ELF of the user's, 0 group/world write
      const again = await compileProgram(tiny);
      expect(again).toBe(exe);
      expect(readFileSync(again).subarray(1, 4).toString()).toBe("ELF");
      expect(statSync(again).uid).toBe(process.getuid!());
      expect(statSync(again).mode & 0o022).toBe(0);
      await runProgram(again, [], []);
      expect(existsSync(marker)).toBe(false);
    }
  }, 120_000);

  it("refuses a cache folder owned by someone else, and closes one of its own that others could enter", () => {
    const saved = process.env.C2M_VERIFY_CACHE;
    try {
      const theirs = join(cli.dir(), "theirs");
      mkdirSync(theirs, { mode: 0o700 });
      chownSync(theirs, 65534, 65534);
      process.env.C2M_VERIFY_CACHE = theirs;
      expect(() => secureCacheDir()).toThrow(/refusing the cache folder .*owned by uid 65534/);
      const open = join(cli.dir(), "open");
      mkdirSync(open);
      chmodSync(open, 0o777);
      process.env.C2M_VERIFY_CACHE = open;
      expect(secureCacheDir()).toBe(open);
      expect(statSync(open).mode & 0o777).toBe(0o700);
    } finally {
      if (saved === undefined) delete process.env.C2M_VERIFY_CACHE;
      else process.env.C2M_VERIFY_CACHE = saved;
    }
  });
});

describe("programs run sandboxed", () => {
  it("with no core files, a CPU limit, a private working folder and a minimal environment", async () => {
    const cwd = mkdtempSync(join(cli.dir(), "run-"));
    process.env.C2M_SECRET_FOR_TEST = "leak";
    const r = await runSandboxed("sh", ["-c", 'ulimit -c; ulimit -t; pwd; echo "[$C2M_SECRET_FOR_TEST]"'], { cwd, timeoutMs: 10_000 });
    delete process.env.C2M_SECRET_FOR_TEST;
    expect(r.stdout.split("\n").slice(0, 4)).toEqual(["0", "15", cwd, "[]"]);
  });

  it("without a network where unprivileged user namespaces allow it (said plainly where not)", async () => {
    const cwd = mkdtempSync(join(cli.dir(), "net-"));
    // /proc/net/dev lists the interfaces of the process's network namespace
    const interfaces = (text: string) =>
      text
        .split("\n")
        .slice(2)
        .map((l) => l.split(":")[0]!.trim())
        .filter(Boolean)
        .sort();
    const r = await runSandboxed("cat", ["/proc/net/dev"], { cwd, timeoutMs: 10_000 });
    const host = interfaces(spawnSync("cat", ["/proc/net/dev"]).stdout.toString());
    if (networkIsolation()) expect(interfaces(r.stdout)).toEqual(["lo"]);
    else expect(interfaces(r.stdout)).toEqual(host);
  });
});

describe("spec values are validated, never pasted into source", () => {
  const kernels = [{ name: "saxpy", params: 4, templateParams: 0 }];
  const base = () => structuredClone(loadGoldenSpec("saxpy")) as unknown as Record<string, unknown> & { launches: Record<string, unknown>[] };

  it("every golden spec passes the schema", () => {
    for (const name of listGoldenSpecs()) {
      const spec = loadGoldenSpec(name);
      const ks = spec.launches.map((l) => ({ name: l.kernel, params: l.args.length, templateParams: l.templateArgs?.length ?? 0 }));
      expect(() => validateVerifySpec(spec, ks), name).not.toThrow();
    }
  });

  it("refuses text where a template argument, a kernel name, a buffer or an expression goes", () => {
    const cases: [(s: ReturnType<typeof base>) => void, RegExp][] = [
      [(s) => (s.launches[0]!.templateArgs = ['float>(); } int x = system("id"); //']), /template argument must be a scalar type/],
      [(s) => (s.launches[0]!.kernel = "saxpy(0); system"), /expected a name/],
      [(s) => (s.launches[0]!.kernel = "other"), /"other" is not a translated kernel/],
      [(s) => (s.launches[0]!.args = [{ buffer: "nope" }, { scalar: 1, type: "float" }, { buffer: "x" }, { buffer: "y" }]), /no buffer named "nope"/],
      [(s) => ((s.launches[0]!.grid as unknown[])[0] = 'n"); system("id'), /expected a number or an expression of the sizes/],
      [(s) => ((s.launches[0]!.args as Record<string, unknown>[])[0] = { scalar: "n", type: "int; system" }), /expected one of/],
      [(s) => ((s.buffers as Record<string, unknown>[])[0]!.count = "n * 100000000"), /not an element count/],
      [(s) => (s.extra = 1), /unknown key "extra"/],
    ];
    for (const [mutate, message] of cases) {
      const s = base();
      mutate(s);
      expect(() => validateVerifySpec(s, kernels)).toThrow(message);
    }
  });

  it("an input given as a pattern (index: an expression of the element's index i; ascending) passes, as the docs list it", () => {
    const spec = validateVerifySpec(
      {
        name: "t",
        sizes: [{ n: 4 }],
        buffers: [
          { name: "x", dtype: "int32", count: "n * 4", role: "input", index: "max(0, 1 - (i % 4)) * floor(i / 4)" },
          { name: "p", dtype: "int32", count: "n", role: "input", range: "n * 2", ascending: true },
          { name: "y", dtype: "float32", count: "n", role: "output" },
        ],
        launches: [{ kernel: "k", grid: [1, 1, 1], block: [32, 1, 1], args: [{ buffer: "x" }, { buffer: "p" }, { buffer: "y" }] }],
      },
      [{ name: "k", params: 3, templateParams: 0 }],
    );
    expect(spec.buffers[0]!.index).toBe("max(0, 1 - (i % 4)) * floor(i / 4)");
  });

  it("template arguments come back printed from their parsed values", () => {
    const spec = validateVerifySpec(
      {
        name: "t",
        sizes: [{ n: 4 }],
        buffers: [{ name: "x", dtype: "float32", count: "n", role: "inout" }],
        launches: [{ kernel: "k", templateArgs: ["float", "0256"], grid: [1, 1, 1], block: [32, 1, 1], args: [{ buffer: "x" }] }],
      },
      [{ name: "k", params: 1, templateParams: 2 }],
    );
    expect(spec.launches[0]!.templateArgs).toEqual(["float", "256"]);
  });

  it("the CUDA harness refuses an entry that is not a plain name or template argument", () => {
    expect(() => cudaProgram("", [{ kernel: 'k); system("id"' }])).toThrow(/is not a function name/);
    expect(() => cudaProgram("", [{ kernel: "k", templateArgs: ['float>(0); system("id"); f<int'] }])).toThrow(/is not a template argument/);
  });
});
