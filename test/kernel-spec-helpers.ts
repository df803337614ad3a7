/** What the kernel-corpus mechanism tests share: a verify spec written inline, and "translates, then verifies". */
import { expect } from "vitest";
import { compileKernels } from "../src/kernel/index.js";
import { verifyAgainstSpec } from "../src/kernel/verify.js";
import type { GoldenBuffer, GoldenLaunch, GoldenSpec } from "../src/verify/golden.js";

export function spec(name: string, sizes: GoldenSpec["sizes"], buffers: GoldenBuffer[], launches: GoldenLaunch[]): GoldenSpec {
  return { name, file: `${name}.cu`, sizes, buffers, launches };
}

/** Translates `src`, expects its kernels to translate without errors, and verifies them against `s` (Metal also through clang). */
export async function translatesAndVerifies(src: string, s: GoldenSpec): Promise<ReturnType<typeof compileKernels>> {
  const r = compileKernels(src, { filename: s.file });
  expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  expect(r.refused).toEqual([]);
  const rep = await verifyAgainstSpec(r, r.source, s, { clangCheck: true });
  expect(rep.ok, rep.lines.join("\n")).toBe(true);
  return r;
}
