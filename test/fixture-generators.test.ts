// The fixture drivers draw their inputs in C++ (src/verify/fixtures.ts DRIVER_GENERATORS) instead of carrying them as
// literals: compiled with g++ on the host, every generator must give golden.ts's values bit for bit (the GPU recordings
// are compared with the emulator's run on golden.ts's inputs).
import { describe, expect, test } from "vitest";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DRIVER_GENERATORS, driverSpecBody, indexedCall } from "../src/verify/fixtures.js";
import { ascendingValues, bufferSeed, goldenBuffers, indexValues, integerDomain, lcgValues, outputValues, type GoldenSpec } from "../src/verify/golden.js";

function hasGxx(): boolean {
  try {
    execFileSync("g++", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** One generator call a case: its C++ call and golden.ts's values. */
const CASES: { call: string; want: number[] }[] = [];
const float32 = (vals: number[]) => Array.from(Float32Array.from(vals));
for (const seed of [0, 1, 0x811c9dc5, 4294967295, 2718281828]) {
  for (const n of [0, 1, 2, 3, 17, 1000]) {
    CASES.push({ call: `lcg(${seed}u, ${n}, true, 0u)`, want: float32(lcgValues(seed, n, true, 0)) });
    CASES.push({ call: `lcg(${seed}u, ${n}, false, 7u)`, want: lcgValues(seed, n, false, 7) });
    CASES.push({ call: `domain(lcg(${seed}u, ${n}, true, 0u), 0.001, 10)`, want: float32(lcgValues(seed, n, true, 0).map((v) => 0.001 + ((v + 2) / 4) * (10 - 0.001))) });
    for (const range of [n, n + 1, 3 * n + 5, 100000]) {
      if (range >= n) CASES.push({ call: `ascending(${seed}u, ${n}, ${range}u)`, want: ascendingValues(seed, n, range) });
    }
    for (const d of [
      [-2, 3],
      [0, 1],
      [-1000, -10],
      [5, 70000],
    ] as [number, number][]) {
      CASES.push({ call: `int_domain(${seed}u, ${n}, ${d[0]}LL, ${d[1]}LL)`, want: integerDomain(seed, n, d) });
    }
  }
}

// index buffers: evalExpr's arithmetic (real division, % on doubles, its functions), the graclus specs' ring among them
const GRACLUS_COL = "(floor(i / 5) + N + (1 - 2 * (i % 5 % 2)) * (floor((i % 5 + 1) / 2) + floor((i % 5 + 1) / 2) * (floor((i % 5 + 1) / 2) - 1) / 2 * (S - 2))) % N";
for (const [e, n, sizes] of [
  ["5 * i", 301, { N: 300 }],
  [GRACLUS_COL, 1500, { N: 300, S: 17 }],
  ["cdiv(i, 3) * 2 - 7", 50, {}],
  ["min(i, 5, N) % 4 + max(i / 4, 2.5)", 40, { N: 9 }],
  ["(i * 13 + 7) % N - N / 2", 64, { N: 10 }],
  ["-ceil(i / 3) + floor(-i / 3)", 20, {}],
  [7, 3, {}],
] as [string | number, number, Record<string, number>][]) {
  CASES.push({ call: indexedCall("t", "b", e, n, sizes), want: indexValues(e, n, sizes) });
}

describe.skipIf(!hasGxx())("the fixture drivers' C++ generators", () => {
  test("give golden.ts's values bit for bit (g++, host only)", () => {
    const dir = mkdtempSync(join(tmpdir(), "c2m-gen-"));
    try {
      // each case prints its floats' bits in hex, one line
      const body = CASES.map((c) => `  { auto v = ${c.call}; for (float x : v) { uint32_t b; std::memcpy(&b, &x, 4); std::printf("%08x ", b); } std::printf("\\n"); }`).join("\n");
      const src = `#include <algorithm>\n#include <cmath>\n#include <cstdint>\n#include <cstdio>\n#include <cstring>\n#include <initializer_list>\n#include <vector>\n${DRIVER_GENERATORS}\nint main() {\n${body}\n  return 0;\n}\n`;
      writeFileSync(join(dir, "gen.cpp"), src);
      execFileSync("g++", ["-O2", "-std=c++17", "-o", join(dir, "gen"), join(dir, "gen.cpp")]);
      const lines = execFileSync(join(dir, "gen"), { encoding: "utf8", maxBuffer: 64 << 20 }).split("\n");
      const hex = (vals: number[]) =>
        Array.from(new Uint32Array(Float32Array.from(vals).buffer))
          .map((b) => `${b.toString(16).padStart(8, "0")} `)
          .join("");
      CASES.forEach((c, i) => expect(lines[i], c.call).toBe(hex(c.want)));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

test("a driver draws ascending and integer-domain buffers with the generators (no literal lists), as goldenBuffers draws them", () => {
  const spec: GoldenSpec = {
    name: "gen_spec",
    file: "f.cu",
    sizes: [{ n: 5000 }],
    buffers: [
      { name: "ptr", dtype: "int64", count: "n", role: "input", ascending: true, range: "4 * n" },
      { name: "mark", dtype: "int64", count: "n", role: "input", domain: [-2, 3] },
      { name: "out", dtype: "float32", count: "n", role: "output" },
    ],
    launches: [{ kernel: "k", grid: [1, 1, 1], block: [32, 1, 1], args: [{ buffer: "ptr" }, { buffer: "mark" }, { buffer: "out" }] }],
  };
  const body = driverSpecBody(spec, spec.name);
  expect(body.length).toBeLessThan(2000);
  expect(body).toMatch(/upload<long long>\(ascending\(\d+u, 5000, 20000u\)\)/);
  expect(body).toMatch(/upload<long long>\(int_domain\(\d+u, 5000, -2LL, 3LL\)\)/);
  // the same seeds goldenBuffers uses
  const g = goldenBuffers(spec, 0);
  const seed = (name: string) => Number(new RegExp(`${name}_d = upload<long long>\\(\\w+\\((\\d+)u`).exec(body)![1]);
  expect(Array.from(g.ptr! as ArrayLike<number | bigint>, Number)).toEqual(ascendingValues(seed("ptr"), 5000, 20000));
  expect(Array.from(g.mark! as ArrayLike<number | bigint>, Number)).toEqual(integerDomain(seed("mark"), 5000, [-2, 3]));
});

test("a driver refuses an index buffer whose values its float inputs cannot hold exactly", () => {
  expect(() => indexedCall("t", "b", "i / 3", 4, {})).toThrow(/not all exact/);
  expect(() => indexedCall("t", "b", "i * 16777216 + 1", 4, {})).toThrow(/not all exact/);
});

test("a driver refuses an ascending buffer its float inputs cannot hold exactly", () => {
  const spec: GoldenSpec = {
    name: "big",
    file: "f.cu",
    sizes: [{ n: 4 }],
    buffers: [{ name: "ptr", dtype: "int64", count: "n", role: "input", ascending: true, range: 2 ** 25 }],
    launches: [],
  };
  expect(() => driverSpecBody(spec, spec.name)).toThrow(/past what the fixture driver's float inputs hold exactly/);
});
