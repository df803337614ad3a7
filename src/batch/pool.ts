/**
 * A pool of worker threads, one per core by default, that each take the next file when they finish one.
 * Dispatch starts when every worker has loaded the compilers, so the work is spread over all of them
 * rather than taken by whichever started first. A worker that dies (a compiler bug that escapes its
 * try/catch, memory exhaustion on a hostile file) fails only the file it held; a fresh worker takes over.
 */
import { availableParallelism } from "node:os";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { onInterrupt } from "../io.js";
import { packageRoot } from "../python.js";
import type { Task, TaskResult } from "./worker.js";

/** The worker's compiled entry point (under vitest this module is TypeScript; the worker runs the build). */
function workerEntry(): URL {
  const here = new URL("./worker.js", import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  const built = join(packageRoot(), "dist", "src", "batch", "worker.js");
  if (!existsSync(built)) throw new Error(`c2m: ${built} is missing (npm run build)`);
  return pathToFileURL(built);
}

/** Workers that die before loading the compilers, in one run, before the run gives up on the rest. */
const MAX_START_FAILURES = 3;

/** How long, after a signal, a busy worker may take to finish its file before it is terminated. */
const STOP_DEADLINE_MS = 1500;

export function defaultJobs(): number {
  return Math.max(1, availableParallelism());
}

export interface PoolRun {
  results: TaskResult[];
  /** worker thread ids that ran at least one task, and how many each ran */
  perWorker: Record<number, number>;
  workers: number;
}

/**
 * How long one file may take before its worker is stopped and the file reported as an internal error
 * (a compiler that loops on a hostile input must not hang the whole tree). C2M_FILE_TIMEOUT_S overrides.
 */
export function fileTimeoutMs(): number {
  const s = Number(process.env.C2M_FILE_TIMEOUT_S);
  return Number.isFinite(s) && s > 0 ? s * 1000 : 600_000;
}

/** Runs every task on `jobs` workers; `onResult` sees each result as it comes. Results keep the tasks' order. */
export async function runPool(tasks: Task[], jobs: number, onResult?: (r: TaskResult, done: number) => void, timeoutMs = fileTimeoutMs()): Promise<PoolRun> {
  const results: TaskResult[] = new Array(tasks.length);
  const perWorker: Record<number, number> = {};
  const n = Math.max(1, Math.min(jobs, tasks.length));
  if (tasks.length === 0) return { results, perWorker, workers: 0 };
  const entry = workerEntry();
  let next = 0;
  let done = 0;
  const workers = new Set<Worker>();
  // On a signal every worker must stop before the temporaries are swept. A busy worker is asked, not
  // terminated: terminating a thread inside tree-sitter's native parser aborts the whole process
  // (an uncaught Napi::Error), so it finishes its file, writes nothing, and exits; an idle one is
  // terminated at once. One that ignores the request (a compiler loop) is terminated at the deadline.
  let interrupted = false;
  const stopFlag = new Int32Array(new SharedArrayBuffer(4));
  const exited = new Map<Worker, Promise<void>>();
  const unregister = onInterrupt(async () => {
    interrupted = true;
    Atomics.store(stopFlag, 0, 1);
    for (const [w, busy] of busyWorkers) if (!busy()) void w.terminate();
    const deadline = new Promise<void>((r) => setTimeout(r, STOP_DEADLINE_MS).unref());
    await Promise.race([Promise.allSettled([...exited.values()]), deadline]);
    await Promise.allSettled([...workers].map((w) => w.terminate()));
  });
  const busyWorkers = new Map<Worker, () => boolean>();
  const run = new Promise<PoolRun>((resolveAll) => {
    let started = false;
    let startFailures = 0;
    const finish = (i: number, r: TaskResult, threadId: number) => {
      if (results[i]) return;
      results[i] = r;
      perWorker[threadId] = (perWorker[threadId] ?? 0) + 1;
      done++;
      onResult?.(r, done);
    };
    const spawn = (): void => {
      const w = new Worker(entry, { workerData: { stopFlag } });
      exited.set(w, new Promise<void>((r) => w.once("exit", () => r())));
      let holding = -1;
      busyWorkers.set(w, () => holding >= 0);
      let ready = false;
      let timer: NodeJS.Timeout | undefined;
      let why = "";
      const threadId = w.threadId;
      const feed = () => {
        if (!workers.has(w)) return; // it died before dispatch started; its replacement feeds itself
        clearTimeout(timer);
        if (next >= tasks.length) {
          holding = -1;
          workers.delete(w);
          void w.terminate();
          if (workers.size === 0) resolveAll({ results, perWorker, workers: n });
          return;
        }
        holding = next++;
        timer = setTimeout(() => {
          why = `no result after ${timeoutMs / 1000} s; stopped`;
          void w.terminate();
        }, timeoutMs);
        w.postMessage(tasks[holding]);
      };
      w.on("message", (m: { ready: true } | TaskResult) => {
        if ("ready" in m) {
          ready = true;
          if (started) return feed();
          // dispatch starts once every live worker has loaded the compilers
          readyFeeds.push(feed);
          if (readyFeeds.length >= workers.size) {
            started = true;
            for (const f of readyFeeds) f();
          }
          return;
        }
        finish(holding, m, threadId);
        feed();
      });
      const died = (cause: string) => {
        if (!workers.has(w)) return;
        clearTimeout(timer);
        workers.delete(w);
        busyWorkers.delete(w);
        if (holding >= 0) finish(holding, crashed(tasks[holding], why || cause), threadId);
        if (interrupted) return; // no replacement: the process is exiting
        if (!ready) {
          // a worker that cannot even start (memory limits, a broken build) would be replaced forever:
          // after a few, every remaining file is failed with the reason
          if (++startFailures >= MAX_START_FAILURES) {
            while (next < tasks.length) {
              const i = next++;
              finish(i, crashed(tasks[i], `a worker thread could not start: ${cause}`), threadId);
            }
          }
          if (!started && readyFeeds.length > 0 && readyFeeds.length >= workers.size) {
            started = true;
            for (const f of readyFeeds) f();
          }
        }
        if (next < tasks.length || workers.size === 0) {
          if (next < tasks.length) spawn();
          else resolveAll({ results, perWorker, workers: n });
        }
      };
      w.on("error", (e) => died(e instanceof Error ? e.message : String(e)));
      w.on("exit", (code) => died(`worker exited with code ${code}`));
      workers.add(w);
    };
    const readyFeeds: (() => void)[] = [];
    for (let i = 0; i < n; i++) spawn();
  });
  return run.finally(unregister);
}

function crashed(task: Task, why: string): TaskResult {
  const message = `c2m internal error on this file: ${why.split("\n")[0]}`;
  return {
    input: task.input,
    status: "error",
    diagnostics: [{ code: "C2M-E006", severity: "error", message, file: task.display, line: 1, col: 1 }],
    text: `${task.display}:1:1: error C2M-E006: ${message}\n`,
    wrote: [],
  };
}
