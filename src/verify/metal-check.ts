// The Metal front-end check: the exact source MLX would hand Metal's compiler (mlx-source.ts) is compiled
// by clang — Metal's compiler is clang — as C++ against the MSL shim (include/metal_emu.hpp) with
// warnings as errors and syntax only. The emulator runs what g++ accepts; clang rejects what Metal's
// compiler would: a `#pragma unroll` in front of a statement that is not a loop, a name that nothing
// declares (a type from an include that was not followed, a cooperative-groups name copied as is),
// a narrowing conversion in braces, an implicit fallthrough warning turned error.
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { normalizeDtype } from "./dtypes.js";
import { mlxKernelSource, type KernelInputInfo } from "./mlx-source.js";
import type { MetalKernelSpec } from "./metal.js";
import { headersKey, includeDir } from "./native.js";
import { privateWorkDir, runSandboxed, secureCacheDir, trustedCacheFile } from "./sandbox.js";

/** The clang driver: `C2M_CLANG`, else `clang++` from PATH. */
export function clangCxx(): string {
  return process.env.C2M_CLANG ?? "clang++";
}

/**
 * Warnings as errors, as the task of this check is to reject what Metal's compiler rejects. Unknown
 * attributes (`[[kernel]]`, `[[buffer(0)]]`, `[[thread_position_in_grid]]`) are Metal's own and mean
 * nothing to C++; unused locals and functions and self-comparisons (`x[i] <= x[i]`) are legal Metal
 * that Metal's compiler at most warns about, and that a translation keeps from the CUDA original;
 * so are doubled parentheses around a comparison (`if ((a == b))`), a local that some path leaves unset
 * (pytorch_cluster's nearest_kernel sets `batch_idx` only inside the loop that finds it), and a threadgroup scalar read
 * after one thread wrote it under a condition (`threadgroup bool amLast;` set by thread 0): Metal's threadgroup variables
 * take no initializer, and the shim's `threadgroup` is no address space, so clang sees a maybe-uninitialised local.
 * clang before 15 has no `_Float16` on x86: `half` is checked as clang's `__fp16`, with arithmetic,
 * arguments and returns allowed (its values do not matter to a syntax check). The emulator's headers
 * are system headers (`-isystem`): their warnings are not the kernel's.
 */
export const CLANG_CHECK_FLAGS = [
  "-fsyntax-only",
  "-std=c++17",
  "-Wall",
  "-Werror",
  "-Wno-unknown-attributes",
  "-Wno-unused-variable",
  "-Wno-unused-but-set-variable",
  "-Wno-unused-function",
  "-Wno-tautological-compare",
  "-Wno-parentheses-equality",
  "-Wno-sometimes-uninitialized",
  "-ferror-limit=20",
  "-D_Float16=__fp16",
  "-Xclang",
  "-fallow-half-arguments-and-returns",
  "-Xclang",
  "-fnative-half-type",
];

export interface MetalCheckCase {
  spec: MetalKernelSpec;
  inputs: KernelInputInfo[];
}

export interface MetalCheckResult {
  ok: boolean;
  /** clang's diagnostics for this kernel, with the file name `<kernel>.metal` and lines of the MLX source */
  errors: string[];
  /** the source MLX would compile, lines numbered as in `errors` */
  mlxSource: string;
}

/** The MLX source of one kernel call, and its check wrapper (the kernel inside the MSL namespace). */
function caseUnit(c: MetalCheckCase, index: number): { mlxSource: string; file: string; text: string } {
  const parts = mlxKernelSource({
    name: c.spec.name,
    inputs: c.inputs.map((i) => ({ name: i.name, dtype: normalizeDtype(i.dtype), shape: i.shape })),
    outputNames: c.spec.outputNames,
    outputDtypes: c.spec.outputDtypes.map((d) => normalizeDtype(d)),
    source: c.spec.source,
    header: c.spec.header,
    template: c.spec.template,
    atomicOutputs: c.spec.atomicOutputs,
  });
  const file = `case${index}_${c.spec.name.replace(/[^\w]/g, "_")}.metal`;
  // MLX's explicit instantiation (`template [[host_name("k")]] [[kernel]] decltype(k<...>) k<...>;`) is
  // MLX's text, not the translation's, and legal Metal; C++ takes no attributes there
  const source = parts.source.replace(/^template \[\[host_name\("\w*"\)\]\] \[\[kernel\]\] /m, "template ");
  const text = `namespace c2m_case_${index} {
EMU_METAL_KERNEL_NAMESPACE_BEGIN
#define double c2m_error_double_is_not_supported_in_metal
#line 1 "${file}"
${source}
#undef double
EMU_METAL_KERNEL_NAMESPACE_END
}  // namespace c2m_case_${index}
${definedMacros(source)
  .map((m) => `#undef ${m}`)
  .join("\n")}
`;
  return { mlxSource: parts.source, file, text };
}

/**
 * Checks many kernel calls in one clang run (each in its own namespace, errors told apart by file
 * name). A passing batch is remembered in the verify cache by content hash.
 */
export async function checkMetalWithClang(cases: MetalCheckCase[], opts: { timeoutMs?: number } = {}): Promise<MetalCheckResult[]> {
  const units = cases.map(caseUnit);
  const tu = `#include "metal_emu.hpp"\n${units.map((u) => u.text).join("\n")}`;
  const key = createHash("sha256").update(clangCxx()).update(CLANG_CHECK_FLAGS.join(" ")).update(headersKey()).update(tu).digest("hex").slice(0, 24);
  const passed = join(secureCacheDir(), `clang-ok-${key}`);
  if (trustedCacheFile(passed)) return units.map((u) => ({ ok: true, errors: [], mlxSource: u.mlxSource }));
  const work = privateWorkDir("clang-");
  try {
    const src = join(work.path, "check.cpp");
    writeFileSync(src, tu, { mode: 0o600 });
    const inc = includeDir();
    const res = await runSandboxed(clangCxx(), [...CLANG_CHECK_FLAGS, "-isystem", inc, "-isystem", join(inc, "stubs"), src], {
      cwd: work.path,
      timeoutMs: opts.timeoutMs ?? 300_000,
    });
    if (res.spawnError) throw new Error(`c2m verify: cannot run ${clangCxx()} for the Metal check (${res.spawnError}); install clang (apt-get install clang) or set C2M_CLANG`);
    const lines = res.stderr.split("\n");
    const results = units.map((u): MetalCheckResult => {
      const errors = collectErrors(lines, u.file);
      return { ok: res.code === 0 || errors.length === 0, errors, mlxSource: u.mlxSource };
    });
    if (res.code !== 0 && results.every((r) => r.ok)) {
      // an error none of the kernels owns (the shim itself): every case fails with it
      const text = lines.filter((l) => /error/.test(l)).slice(0, 10);
      return units.map((u) => ({ ok: false, errors: text.length ? text : [res.stderr.slice(0, 2000)], mlxSource: u.mlxSource }));
    }
    if (res.code === 0) writeFileSync(passed, "", { mode: 0o600 });
    return results;
  } finally {
    work.remove();
  }
}

/** Macros a kernel's header defines: undefined after its case, so that the next case's `#define BLOCK` is not a redefinition. */
function definedMacros(source: string): string[] {
  return [...new Set([...source.matchAll(/^[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)/gm)].map((m) => m[1]!))];
}

/** clang's `file:line:col: error: ...` lines for one file, each with the source line and caret after it. */
function collectErrors(lines: string[], file: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (!l.startsWith(file + ":") || !/: (error|fatal error): /.test(l)) continue;
    const frame = [l];
    for (let j = i + 1; j < lines.length && j <= i + 2 && /^\s/.test(lines[j]!) && !/: (error|warning|note): /.test(lines[j]!); j++) frame.push(lines[j]!);
    out.push(frame.join("\n"));
  }
  return out;
}
