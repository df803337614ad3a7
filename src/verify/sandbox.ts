// Where `--verify` keeps what it compiles, and how it runs it. The programs are built from the user's
// kernels, so they are treated as untrusted code:
//  - the cache is a per-user folder (mode 0700) that must be owned by the user; a cached file (program,
//    runtime object, check marker) is used only if the user owns it and nobody else can write it,
//    otherwise it is deleted and rebuilt — a binary planted there is never run;
//  - every compiler and program runs with rlimits (CPU time, address space, file size, no core files),
//    no network (a new network namespace via `unshare -rn` where the kernel allows unprivileged user
//    namespaces; where it does not, without one — `sandboxReport()` says which), a minimal environment,
//    and its working directory in a fresh private temporary folder.
import { execFile, spawnSync } from "node:child_process";
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, rmSync, type Stats } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

function uid(): number {
  return typeof process.getuid === "function" ? process.getuid() : -1;
}

/** Why a path may not be trusted, or undefined when it may (owned by the user, not group/world-writable, not a link). */
export function untrustedBecause(st: Stats, kind: "file" | "directory"): string | undefined {
  if (st.isSymbolicLink()) return "it is a symbolic link";
  if (kind === "file" ? !st.isFile() : !st.isDirectory()) return `it is not a ${kind}`;
  const me = uid();
  if (me >= 0 && st.uid !== me) return `it is owned by uid ${st.uid}, not by you (uid ${me})`;
  if (st.mode & 0o022) return `it is writable by ${st.mode & 0o002 ? "anyone" : "its group"} (mode ${(st.mode & 0o777).toString(8)})`;
  return undefined;
}

/** The default cache folder: `$XDG_CACHE_HOME/c2m/verify` or `~/.cache/c2m/verify`. */
function defaultCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), ".cache");
  return join(base, "c2m", "verify");
}

const checkedDirs = new Set<string>();

/**
 * The per-user cache folder (`$C2M_VERIFY_CACHE`, else the default above), created mode 0700. A folder
 * the user owns but others may enter is closed (chmod 0700); one owned by someone else, or a link, is
 * refused with an error: nothing in it would be trusted.
 */
export function secureCacheDir(): string {
  const dir = process.env.C2M_VERIFY_CACHE || defaultCacheDir();
  if (checkedDirs.has(dir)) return dir;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = lstatSync(dir);
  const why = untrustedBecause(st, "directory");
  if (why && !(st.isDirectory() && !st.isSymbolicLink() && st.uid === uid())) {
    throw new Error(`c2m verify: refusing the cache folder ${dir}: ${why}; remove it or set C2M_VERIFY_CACHE to a folder of your own`);
  }
  if (st.mode & 0o077) chmodSync(dir, 0o700);
  checkedDirs.add(dir);
  return dir;
}

/**
 * Whether a cached file may be used. One that exists but may not be trusted is deleted (with the
 * folder it sits in, when that is a cache entry) so that it is rebuilt; if it cannot be deleted the
 * cache is refused with an error.
 */
export function trustedCacheFile(path: string, entryDir?: string): boolean {
  let st: Stats;
  try {
    st = lstatSync(path);
  } catch {
    return false;
  }
  const why = untrustedBecause(st, "file") ?? (entryDir ? untrustedBecause(lstatSync(entryDir), "directory") : undefined);
  if (!why) return true;
  try {
    rmSync(entryDir ?? path, { recursive: true, force: true });
  } catch (e) {
    throw new Error(`c2m verify: refusing the cached ${path}: ${why}, and it cannot be removed (${(e as Error).message})`);
  }
  return false;
}

/** A fresh private (0700) folder under the cache, removed by `remove()`. */
export function privateWorkDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(secureCacheDir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export interface Limits {
  /** CPU seconds */
  cpuSeconds: number;
  /** address space, in MiB */
  memoryMiB: number;
  /** largest file the process may write, in MiB */
  fileMiB: number;
}

/** Compilers: long templates, big headers. Kernel programs: fibers with guard pages, the race detector's shadow memory. */
export const COMPILE_LIMITS: Limits = { cpuSeconds: 300, memoryMiB: 8192, fileMiB: 1024 };
export const RUN_LIMITS: Limits = { cpuSeconds: 300, memoryMiB: 32768, fileMiB: 2048 };

let netnsWorks: boolean | undefined;

/** Whether `unshare -rn` can give a child its own (empty) network namespace here. */
export function networkIsolation(): boolean {
  if (netnsWorks === undefined) {
    if (process.env.C2M_VERIFY_NETNS === "0") netnsWorks = false;
    else {
      const r = spawnSync("unshare", ["-rn", "true"], { stdio: "ignore", timeout: 10_000 });
      netnsWorks = r.status === 0;
    }
  }
  return netnsWorks;
}

/** What the sandbox does on this machine, for `--verify`'s report and the docs. */
export function sandboxReport(): string {
  return networkIsolation()
    ? "programs run with rlimits, no network (own network namespace), in a private temporary folder"
    : "programs run with rlimits in a private temporary folder; no network isolation here (`unshare -rn` is not permitted)";
}

export interface SandboxResult {
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** set when the command could not be started at all (ENOENT...) */
  spawnError?: string;
}

/**
 * Runs `cmd args` under the limits, in `cwd`, with a minimal environment, without network where
 * possible. The limits are set by `sh`'s `ulimit` before `exec`, so they bind the command itself.
 */
export function runSandboxed(cmd: string, args: string[], opts: { cwd: string; timeoutMs: number; limits?: Limits }): Promise<SandboxResult> {
  const l = opts.limits ?? COMPILE_LIMITS;
  const cpu = Math.min(l.cpuSeconds, Math.ceil(opts.timeoutMs / 1000) + 5);
  const script = `ulimit -c 0 && ulimit -t ${cpu} && ulimit -v ${l.memoryMiB * 1024} && ulimit -f ${l.fileMiB * 1024} && exec "$@"`;
  const argv = ["-c", script, "c2m-sandbox", cmd, ...args];
  const [file, fileArgs] = networkIsolation() ? ["unshare", ["-rn", "sh", ...argv]] : ["sh", argv];
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? "/usr/bin:/bin", LANG: "C", LC_ALL: "C", TMPDIR: opts.cwd, HOME: opts.cwd };
  return new Promise((resolve) => {
    execFile(file, fileArgs as string[], { cwd: opts.cwd, env, timeout: opts.timeoutMs, maxBuffer: 64 * 1024 * 1024, killSignal: "SIGKILL" }, (err, stdout, stderr) => {
      const e = err as { code?: unknown; killed?: boolean } | null;
      const code = e ? (typeof e.code === "number" ? e.code : -1) : 0;
      // a missing program: ENOENT from exec, or sh's exit 127
      const spawnError = typeof e?.code === "string" ? e.code : code === 127 && /not found/.test(String(stderr)) ? `${cmd}: not found` : undefined;
      resolve({ code, stdout: String(stdout), stderr: String(stderr), timedOut: !!e?.killed, spawnError });
    });
  });
}
