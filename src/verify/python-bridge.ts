// Runs a c2m-emitted Python module (MLX code calling mx.fast.metal_kernel) with real MLX on the CPU and
// every metal_kernel call executed by the Metal emulator: the emitted wrapper's grid, threadgroup,
// template, output shapes, init_value and post-processing are checked end to end, not just the kernel.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { join } from "node:path";
import { packageRoot, pythonExecutable } from "../python.js";
import { arrayFromBytes, bytesOf, normalizeDtype, type Dtype, type TypedArray } from "./dtypes.js";
import { runMetal, type KernelInput, type MetalKernelSpec, type RunOptions } from "./metal.js";
import type { TemplateValue } from "./mlx-source.js";
import { runMlxCuda } from "./mlx-cuda.js";
import { nameTable } from "../../ir/tables.js";

/** An MLX array crossing the bridge. */
export interface PyArray {
  data: TypedArray;
  dtype: Dtype;
  shape: number[];
}

/** A Python argument: a number/bool/string/null, an array, an MLX dtype (`{ mxdtype: "float16" }`), or a list of these. */
export type PyValue = number | boolean | string | null | PyArray | { mxdtype: string } | PyValue[];

interface WireArray {
  dtype: string;
  shape: number[];
  b64: string;
}

function toWire(v: PyValue): unknown {
  if (v !== null && typeof v === "object" && !Array.isArray(v) && "data" in v) {
    return { dtype: v.dtype, shape: v.shape, b64: Buffer.from(bytesOf(v.data)).toString("base64") };
  }
  if (Array.isArray(v)) return v.map(toWire);
  return v;
}

function fromWire(w: WireArray): PyArray {
  const dtype = normalizeDtype(w.dtype);
  return { data: arrayFromBytes(new Uint8Array(Buffer.from(w.b64, "base64")), dtype), dtype, shape: w.shape };
}

export interface PythonRun {
  /** The function's return values (arrays decoded; other values as JSON gave them). */
  returns: (PyArray | number | boolean | null)[];
  /** Every metal_kernel call the module made, as run (cuda_kernel calls too, with backend "cuda"). */
  calls: (MetalKernelSpec & { backend?: "cuda"; sharedMemory?: number })[];
}

/**
 * Imports `modulePath`, calls `fn(*args, **kwargs)` with mx.fast.metal_kernel replaced by the emulator,
 * and returns what it returned. A kernel fault (out-of-bounds, race, ...) is raised inside Python as a
 * RuntimeError with the harness's message, so the call fails with that message.
 */
export async function runPythonWithMetalEmulator(
  modulePath: string,
  fn: string,
  args: PyValue[],
  options: RunOptions & { kwargs?: Record<string, PyValue>; python?: string; backend?: "metal" | "cuda" } = {},
): Promise<PythonRun> {
  const script = join(packageRoot(), "src", "verify", "python", "metal_kernel_bridge.py");
  const child = spawn(options.python ?? pythonExecutable(), [script, ...(options.backend === "cuda" ? ["cuda"] : [])], { stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += String(d)));
  const calls: PythonRun["calls"] = [];
  const lines = createInterface({ input: child.stdout });
  child.stdin.write(
    JSON.stringify({
      module: modulePath,
      function: fn,
      args: args.map(toWire),
      kwargs: Object.fromEntries(Object.entries(options.kwargs ?? {}).map(([k, v]) => [k, toWire(v)])),
    }) + "\n",
  );
  try {
    for await (const line of lines) {
      const msg = JSON.parse(line) as Record<string, unknown>;
      if (msg.kind === "call" || msg.kind === "cuda-call") {
        const ins = (msg.inputs as WireArray[]).map(fromWire);
        const spec: MetalKernelSpec = {
          name: msg.name as string,
          inputNames: msg.input_names as string[],
          outputNames: msg.output_names as string[],
          source: msg.source as string,
          header: (msg.header as string) || undefined,
          atomicOutputs: !!msg.atomic_outputs,
          ensureRowContiguous: msg.ensure_row_contiguous as boolean,
          template: (msg.template as [string, TemplateValue | { mxdtype: string }][]).map(([n, v]) => [n, v !== null && typeof v === "object" ? v.mxdtype : v]),
          grid: msg.grid as [number, number, number],
          threadgroup: msg.threadgroup as [number, number, number],
          outputShapes: msg.output_shapes as number[][],
          outputDtypes: msg.output_dtypes as string[],
          ...(msg.init_value === null || msg.init_value === undefined ? {} : { initValue: msg.init_value as number }),
        };
        const cuda = msg.kind === "cuda-call";
        const cudaSpec = cuda ? { ...spec, sharedMemory: msg.shared_memory as number } : undefined;
        calls.push(cudaSpec ? { ...cudaSpec, backend: "cuda" } : spec);
        const inputs: Record<string, KernelInput> = nameTable({});
        spec.inputNames.forEach((n, i) => {
          const a = ins[i];
          if (a) inputs[n] = { data: a.data, dtype: a.dtype, shape: a.shape };
        });
        let reply: unknown;
        try {
          const out = cuda ? await runMlxCuda(cudaSpec!, inputs, options) : await runMetal(spec, inputs, options);
          reply = {
            outputs: spec.outputNames.map((n, i) => ({
              dtype: normalizeDtype(spec.outputDtypes[i]!),
              shape: spec.outputShapes[i],
              b64: Buffer.from(bytesOf(out[n]!)).toString("base64"),
            })),
          };
        } catch (e) {
          reply = { error: (e as Error).message };
        }
        child.stdin.write(JSON.stringify(reply) + "\n");
      } else if (msg.kind === "result") {
        const returns = (msg.returns as (WireArray | number | boolean | null)[]).map((r) => (r !== null && typeof r === "object" ? fromWire(r) : r));
        return { returns, calls };
      } else if (msg.kind === "error") {
        throw new Error(`c2m verify: the Python module failed:\n${msg.message as string}`);
      }
    }
    throw new Error(`c2m verify: the Python bridge ended without a result:\n${stderr.slice(-4000)}`);
  } finally {
    child.stdin.end();
    child.kill();
  }
}
