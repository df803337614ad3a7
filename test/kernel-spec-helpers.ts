/**
 * What the kernel tests share: a verify spec written inline, "translates, then verifies", the folders of
 * fixture kernels each verified against its spec, and the `c2m kernel` CLI run with its stderr captured.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileKernels } from "../src/kernel/index.js";
import { runKernel } from "../src/commands/kernel.js";
import { verifyAgainstSpec, type SpecVerification } from "../src/kernel/verify.js";
import { packageRoot } from "../src/python.js";
import type { GoldenBuffer, GoldenLaunch, GoldenSpec } from "../src/verify/golden.js";

export function spec(name: string, sizes: GoldenSpec["sizes"], buffers: GoldenBuffer[], launches: GoldenLaunch[]): GoldenSpec {
  return { name, file: `${name}.cu`, sizes, buffers, launches };
}

/** Verifies an already translated `compiled` (its CUDA original: `source`, else the translated text) against `s`, and expects every comparison to agree. */
export async function verifies(
  compiled: ReturnType<typeof compileKernels>,
  s: GoldenSpec,
  opts: Parameters<typeof verifyAgainstSpec>[3] & { source?: string } = {},
): Promise<SpecVerification> {
  const { source, ...rest } = opts;
  const rep = await verifyAgainstSpec(compiled, source ?? compiled.source, s, rest);
  expect(rep.ok, rep.lines.join("\n")).toBe(true);
  return rep;
}

/** Translates `src`, expects its kernels to translate without errors, and verifies them against `s` (Metal also through clang). */
export async function translatesAndVerifies(src: string, s: GoldenSpec): Promise<ReturnType<typeof compileKernels>> {
  const r = compileKernels(src, { filename: s.file });
  expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  expect(r.refused).toEqual([]);
  await verifies(r, s, { clangCheck: true });
  return r;
}

/** One test per `*.spec.json` in the fixture folder `folder` (relative to the package): its kernel file translates without errors and verifies. */
export function describeFixturesMatchCuda(title: string, folder: string): void {
  const dir = join(packageRoot(), folder);
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".spec.json"))
    .sort();
  describe(title, () => {
    for (const file of files) {
      const s = JSON.parse(readFileSync(join(dir, file), "utf8")) as GoldenSpec;
      it(`${s.name}: ${s.sizes.length} sizes`, async () => {
        const source = readFileSync(join(dir, s.file), "utf8");
        const compiled = compileKernels(source, { filename: s.file });
        expect(compiled.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
        await verifies(compiled, s, { source });
      }, 240_000);
    }
  });
}

/**
 * The `c2m kernel` CLI in process, in a temporary folder made before the file's tests and removed after,
 * with what it writes to stderr captured per run.
 */
export function kernelCliHarness(prefix: string): { dir: () => string; run: (file: string, opts: Parameters<typeof runKernel>[1]) => Promise<{ code: number; stderr: string }> } {
  let dir = "";
  const captured: string[] = [];
  let restore: () => void = () => undefined;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), prefix));
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string | Uint8Array) => {
      captured.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
    restore = () => void (process.stderr.write = write);
  });
  afterAll(() => {
    restore();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    dir: () => dir,
    run: async (file, opts) => {
      captured.length = 0;
      const code = await runKernel(file, { output: file.replace(/\.cu$/, "_mlx.py"), ...opts });
      return { code, stderr: captured.join("") };
    },
  };
}

/** llm.c's Packed128 with load128/store128 (llmc/cuda_utils.cuh, cut down), and `f128` its float form: the 128-bit accesses the in-place proofs follow. */
export const PACKED128_CUDA = `
template<class ElementType>
struct alignas(16) Packed128 {
    Packed128() = default;
    __device__ explicit Packed128(int4 bits) { memcpy(&payload, &bits, sizeof(bits)); }
    __device__ ElementType& operator[](int index) { return payload[index]; }
    __device__ const ElementType& operator[](int index) const { return payload[index]; }
    __device__ int4 get_bits() const { int4 bits; memcpy(&bits, &payload, sizeof(bits)); return bits; }
    static constexpr const int size = sizeof(int4) / sizeof(ElementType);
    ElementType payload[size];
};
typedef Packed128<float> f128;
template<class ElementType>
__device__ Packed128<ElementType> load128(const ElementType* address) { return Packed128<ElementType>{*reinterpret_cast<const int4*>(address)}; }
template<class ElementType>
__device__ void store128(ElementType* target, Packed128<ElementType> value) { *reinterpret_cast<int4*>(target) = value.get_bits(); }
`;
