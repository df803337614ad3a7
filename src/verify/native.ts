// Compiles an emulator program with the system C++ compiler (cached by content hash in the per-user
// verify cache, sandbox.ts) and runs it on a request, sandboxed: buffers and launches in, buffers out.
// Faults the emulator detects (out-of-bounds accesses, deadlocks, divergent barriers, crashes) come
// back as a KernelFault.
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { packageRoot } from "../python.js";
import { COMPILE_LIMITS, privateWorkDir, RUN_LIMITS, runSandboxed, secureCacheDir, trustedCacheFile } from "./sandbox.js";

export function includeDir(): string {
  return join(packageRoot(), "src", "verify", "include");
}

export function cxx(): string {
  return process.env.C2M_CXX ?? process.env.CXX ?? "g++";
}

const CXX_FLAGS = ["-std=c++17", "-O1", "-w", "-Wno-attributes", "-fno-strict-aliasing", "-pthread"];

/** A compile error in the kernel (or the harness) with the compiler's messages. */
export class KernelCompileError extends Error {
  constructor(
    message: string,
    readonly compilerOutput: string,
    readonly sourcePath: string,
  ) {
    super(message);
    this.name = "KernelCompileError";
  }
}

export type FaultKind = "out-of-bounds" | "misaligned" | "race" | "deadlock" | "divergent-barrier" | "crash" | "bad-launch" | "timeout" | "internal";

/** A fault the emulator found while the kernel ran. */
export class KernelFault extends Error {
  constructor(
    readonly kind: FaultKind,
    readonly details: Record<string, unknown>,
    message: string,
  ) {
    super(message);
    this.name = "KernelFault";
  }
}

function headersDigest(): string {
  const h = createHash("sha256");
  const walk = (dir: string) => {
    for (const f of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(dir, f.name);
      if (f.isDirectory()) walk(p);
      else h.update(f.name).update(readFileSync(p));
    }
  };
  walk(includeDir());
  return h.digest("hex");
}

let cachedHeaders: string | undefined;

/** A digest of the emulator's headers: part of every cache key. */
export function headersKey(): string {
  return (cachedHeaders ??= headersDigest());
}

/** The per-user verify cache (see sandbox.ts): mode 0700, owner checked. */
export function cacheDir(): string {
  return secureCacheDir();
}

let runtimeObject: Promise<string> | undefined;

/** The emulator's out-of-line runtime (include/emu_runtime.cpp), compiled once per header content. */
function runtimeObjectPath(): Promise<string> {
  runtimeObject ??= (async () => {
    const obj = join(cacheDir(), `runtime-${headersKey().slice(0, 24)}.o`);
    if (trustedCacheFile(obj)) return obj;
    const work = mkdtempSync(join(cacheDir(), "build-"));
    const inc = includeDir();
    const res = await runSandboxed(cxx(), [...CXX_FLAGS, "-I", inc, "-c", join(inc, "emu_runtime.cpp"), "-o", join(work, "runtime.o")], {
      cwd: work,
      timeoutMs: 300_000,
      limits: COMPILE_LIMITS,
    });
    if (res.code !== 0) throw new KernelCompileError(`c2m verify: the emulator runtime does not compile:\n${res.stderr.slice(0, 4000)}`, res.stderr, join(inc, "emu_runtime.cpp"));
    try {
      renameSync(join(work, "runtime.o"), obj);
    } catch {
      // built concurrently by another process
    }
    rmSync(work, { recursive: true, force: true });
    return obj;
  })();
  return runtimeObject;
}

/**
 * A misaligned vector load or store (a float4 or Packed128 at an offset not a multiple of 16) faults on a GPU
 * ("misaligned address") and passes on x86. CUDA programs are compiled with UBSan's alignment check in its
 * recovering form, which calls `__ubsan_handle_type_mismatch_v1` at every access whose address is not a multiple
 * of its type's alignment. The emulator's runtime defines that handler (emu_runtime.cpp, no libubsan: the program
 * is linked without the sanitizer): a load or store into a device buffer or threadgroup array at an offset from the
 * buffer's start that is not a multiple of the alignment stops as the GPU does (a `misaligned` fault); everything
 * else (thread-local arrays a GPU keeps in registers, the emulator's own memory) goes on.
 */
const ALIGNMENT_FLAGS = ["-fsanitize=alignment", "-fsanitize-recover=alignment"];

export interface CompileOptions {
  /** Stop at a misaligned load or store into a device buffer or threadgroup memory, as CUDA does (ALIGNMENT_FLAGS). */
  checkAlignment?: boolean;
}

/** Compiles `cpp` (once per content and options) and returns the executable's path. */
export async function compileProgram(cpp: string, options: CompileOptions = {}): Promise<string> {
  const runtime = await runtimeObjectPath();
  const flags = options.checkAlignment ? [...CXX_FLAGS, ...ALIGNMENT_FLAGS] : CXX_FLAGS;
  const key = createHash("sha256").update(cxx()).update(flags.join(" ")).update(headersKey()).update(cpp).digest("hex").slice(0, 24);
  const dir = join(cacheDir(), key);
  const exe = join(dir, "kernel");
  if (trustedCacheFile(exe, dir)) return exe;
  const work = mkdtempSync(join(cacheDir(), "build-"));
  const src = join(work, "kernel.cpp");
  writeFileSync(src, cpp, { mode: 0o600 });
  const inc = includeDir();
  const build = (args: string[]) => runSandboxed(cxx(), args, { cwd: work, timeoutMs: 300_000, limits: COMPILE_LIMITS });
  const includes = ["-I", inc, "-I", join(inc, "stubs")];
  // with the alignment check, compiled and linked apart: a link with -fsanitize would bring libubsan in, which the
  // program does not need (the runtime defines the handler the check calls)
  let res = options.checkAlignment
    ? await build([...flags, ...includes, "-c", "-o", join(work, "kernel.o"), src])
    : await build([...flags, ...includes, "-o", join(work, "kernel"), src, runtime]);
  if (res.code === 0 && options.checkAlignment) {
    res = await build([...CXX_FLAGS, "-o", join(work, "kernel"), join(work, "kernel.o"), runtime]);
    rmSync(join(work, "kernel.o"), { force: true });
  }
  if (res.code !== 0) {
    const lines = res.stderr
      .split("\n")
      .filter((l) => /error|note: |^\s+\d+ \|/.test(l))
      .slice(0, 40);
    throw new KernelCompileError(`c2m verify: the kernel does not compile as C++ for the emulator (${src}):\n${lines.join("\n") || res.stderr.slice(0, 4000)}`, res.stderr, src);
  }
  try {
    renameSync(work, dir);
  } catch {
    // another process built the same program first: use theirs if it may be trusted, else replace it
    if (!trustedCacheFile(exe, dir)) {
      rmSync(dir, { recursive: true, force: true });
      renameSync(work, dir);
    } else rmSync(work, { recursive: true, force: true });
  }
  return exe;
}

export interface RequestBuffer {
  name: string;
  elemBytes: number;
  data: Uint8Array;
}

export type RequestArg = { buffer: number } | { scalar: number } | { bytes: Uint8Array };

export interface RequestLaunch {
  entry: number;
  grid: [number, number, number];
  block: [number, number, number];
  sharedBytes?: number;
  args?: RequestArg[];
}

/** The schedule and memory perturbations of a run (emu_runtime.cpp read_request's flags). */
export interface RunPerturbation {
  /** Run each group's threads in reverse order (the race check compares against the normal order). */
  reverse?: boolean;
  /**
   * Track every threadgroup-memory access and fail with a `race` KernelFault at the first two accesses
   * of one word by different threads, one a write, with no barrier between them. Slow: use small sizes.
   */
  raceDetect?: boolean;
  /** Run the threadgroups last to first (a hand-over between threadgroups must not depend on which one arrives last). */
  reverseGroups?: boolean;
  /** Fill threadgroup memory with zeros before each group instead of all ones (a read of memory nobody wrote shows as a change). */
  zeroShared?: boolean;
  /**
   * Run every group of a launch against device memory as the launch found it, and write the elements each changed
   * back after the last group (emu_runtime.cpp run_grid): groups that read what another group of the launch wrote
   * (without atomics, which exchange so by design) give another result, as such groups do on a GPU that runs them at once.
   */
  isolateGroups?: boolean;
  /**
   * CUDA's fast math intrinsics (`__expf`, `__logf`, `__powf`, `__sinf`, `__cosf`, `__tanf`, `__fdividef`) off by 2 ulp
   * of their result, up or down by a hash of the argument (cuda_emu.hpp fast_math_result): within the error CUDA
   * documents for them, whose last bits the GPU's approximations (ex2.approx, ...) decide and no formula gives. An
   * output that changes beyond its tolerance is not decided by its inputs to that tolerance (a denominator that
   * cancels), and no recording can check it.
   */
  jitterMath?: boolean;
}

function encodeRequest(buffers: RequestBuffer[], launches: RequestLaunch[], p: RunPerturbation): Buffer {
  const parts: Buffer[] = [];
  const u32 = (v: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v >>> 0);
    parts.push(b);
  };
  const u64 = (v: number) => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(v));
    parts.push(b);
  };
  u32((p.reverse ? 1 : 0) | (p.raceDetect ? 2 : 0) | (p.reverseGroups ? 4 : 0) | (p.zeroShared ? 8 : 0) | (p.isolateGroups ? 16 : 0) | (p.jitterMath ? 32 : 0));
  u32(buffers.length);
  for (const b of buffers) {
    const name = Buffer.from(b.name, "utf8");
    u32(name.length);
    parts.push(name);
    u32(b.elemBytes);
    u64(b.data.byteLength);
    parts.push(Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength));
  }
  u32(launches.length);
  for (const l of launches) {
    u32(l.entry);
    for (const g of l.grid) u32(g);
    for (const g of l.block) u32(g);
    u64(l.sharedBytes ?? 0);
    const args = l.args ?? [];
    u32(args.length);
    for (const a of args) {
      if ("buffer" in a) {
        parts.push(Buffer.from([0]));
        u32(a.buffer);
      } else if ("bytes" in a) {
        parts.push(Buffer.from([2]));
        u32(a.bytes.byteLength);
        parts.push(Buffer.from(a.bytes.buffer, a.bytes.byteOffset, a.bytes.byteLength));
      } else {
        parts.push(Buffer.from([1]));
        const b = Buffer.alloc(8);
        b.writeDoubleLE(a.scalar);
        parts.push(b);
      }
    }
  }
  return Buffer.concat(parts);
}

function describeFault(j: Record<string, unknown>): string {
  const where = j.thread ? ` by thread ${JSON.stringify(j.thread)} of group ${JSON.stringify(j.group)}` : "";
  switch (j.kind) {
    case "out-of-bounds":
      return `out-of-bounds ${j.access} of ${j.space} buffer "${j.buffer}" at index ${j.index} (length ${j.length})${where}${j.found ? ` (found ${j.found})` : ""}`;
    case "misaligned":
      return `misaligned address: ${j.alignment}-byte ${j.access} (${j.type}) of ${j.space} buffer "${j.buffer}" at element ${j.index} (byte offset ${j.offset}, not a multiple of ${j.alignment})${where}`;
    case "race":
      return `race on ${j.space ?? "threadgroup"} buffer "${j.buffer}" at index ${j.index}: ${j.access} by thread ${JSON.stringify(j.thread)} and ${j.otherAccess} by thread ${JSON.stringify(j.otherThread)} of group ${JSON.stringify(j.group)} with no barrier between them`;
    case "deadlock":
      return `deadlock in group ${JSON.stringify(j.group)}: ${j.message}`;
    default:
      return `${j.kind}: ${j.message ?? ""}${where}`;
  }
}

/** Runs a compiled program; returns the buffers' bytes after all launches. */
export async function runProgram(exe: string, buffers: RequestBuffer[], launches: RequestLaunch[], opts: RunPerturbation & { timeoutMs?: number } = {}): Promise<Uint8Array[]> {
  // a program's cache entry is its folder (compileProgram): an untrusted program goes with it
  const entry = dirname(exe);
  if (!trustedCacheFile(exe, entry === cacheDir() ? undefined : entry))
    throw new Error(`c2m verify: refusing to run ${exe}: it is not a program this user built, or others could have changed it (compile it again)`);
  const work = privateWorkDir("run-");
  try {
    const req = join(work.path, "request.bin");
    const resp = join(work.path, "response.bin");
    writeFileSync(req, encodeRequest(buffers, launches, opts), { mode: 0o600 });
    const res = await runSandboxed(exe, [req, resp], { cwd: work.path, timeoutMs: opts.timeoutMs ?? 120_000, limits: RUN_LIMITS });
    if (res.timedOut) throw new KernelFault("timeout", {}, "c2m verify: the kernel did not finish in time (infinite loop?)");
    const m = /EMU_ERROR (.*)/.exec(res.stderr);
    if (m) {
      const j = JSON.parse(m[1]!) as Record<string, unknown>;
      throw new KernelFault(j.kind as FaultKind, j, "c2m verify: " + describeFault(j));
    }
    if (res.code !== 0) throw new KernelFault("crash", { stderr: res.stderr }, `c2m verify: the kernel program failed (exit ${res.code}): ${res.stderr.slice(0, 2000)}`);
    const out = readFileSync(resp);
    const result: Uint8Array[] = [];
    let off = 0;
    for (const b of buffers) {
      result.push(new Uint8Array(out.buffer, out.byteOffset + off, b.data.byteLength).slice());
      off += b.data.byteLength;
    }
    return result;
  } finally {
    work.remove();
  }
}
