/**
 * Host reading (launch-spec.ts) of what a launch passes without naming it: a file-scope `__device__` variable the
 * kernel takes as a buffer (passes/kernel/device-vars.ts); and the element types the reading knows by C name.
 */
import type { KernelUnit } from "../../ir/kernel.js";
import type { CudaNode } from "../../grammar/cuda.js";
import { field, fields } from "../../passes/kernel/cst.js";
import { nameTable } from "../../ir/tables.js";
import type { GoldenLaunch } from "../verify/golden.js";
import { evaluate, parseExpr, type Env } from "./host-eval.js";
import type { CompiledKernel } from "./index.js";

export const DTYPE_OF_C: Record<string, string> = nameTable({
  float: "float32",
  half: "float16",
  __half: "float16",
  __nv_bfloat16: "bfloat16",
  int: "int32",
  unsigned: "uint32",
  "unsigned int": "uint32",
  uint: "uint32",
  char: "int8",
  "unsigned char": "uint8",
  bool: "bool",
  double: "float32",
  long: "int64",
  "long long": "int64",
  int64_t: "int64",
  int32_t: "int32",
  uint32_t: "uint32",
  int16_t: "int16",
  short: "int16",
  int8_t: "int8",
  uint8_t: "uint8",
  "at::Half": "float16",
  "c10::Half": "float16",
  "at::BFloat16": "bfloat16",
  "c10::BFloat16": "bfloat16",
});

/**
 * The buffer of a file-scope `__device__ T name;` / `T name[N];` (one element, or N), made at its first launch: the
 * host reads it back with cudaMemcpyFromSymbol, so what the kernels leave there is compared.
 */
export function deviceVariableBuffer(name: string, unit: KernelUnit, env: Env): string | undefined {
  if (env.buffers.has(name)) return name;
  const g = unit.globals.find((x) => x.name === name && /\b__device__\b/.test(x.node.text) && !/\b(__constant__|__shared__|extern)\b/.test(x.node.text));
  if (!g) return undefined;
  const cType = (field(g.node, "type")?.text ?? "").replace(/\s+/g, " ").trim();
  const dtype = DTYPE_OF_C[cType];
  if (!dtype) return undefined;
  const size = new RegExp(`\\b${name}\\s*\\[([^\\]]+)\\]`).exec(g.node.text)?.[1];
  const count = size ? evaluate(parseExpr(size), env, unit) : 1;
  env.buffers.set(name, { name, dtype, count, role: "input", cType });
  // `= 0` is what a fresh output starts with; another literal is the caller's first value (device-vars.ts carries it)
  const init = size ? undefined : initialValue(g.node, name);
  if (init !== undefined && init !== 0) {
    env.buffers.get(name)!.fill = init;
    env.initialized.add(name);
  }
  return name;
}

/** A scalar `__device__` variable's literal initializer as a number (`true` as 1), or undefined. */
function initialValue(decl: CudaNode, name: string): number | undefined {
  const d = fields(decl, "declarator").find((x) => x.type === "init_declarator" && field(x, "declarator")?.text === name);
  const text = d
    ? field(d, "value")
        ?.text.trim()
        .replace(/[uUlLfF]+$/, "")
    : undefined;
  if (text === undefined) return undefined;
  if (text === "true" || text === "false") return text === "true" ? 1 : 0;
  const v = Number(text);
  return Number.isFinite(v) ? v : undefined;
}

export function symbolArg(name: string, k: CompiledKernel, i: number, env: Env): GoldenLaunch["args"][number] {
  const p = k.params[i]!;
  const buf = env.buffers.get(name)!;
  if (p.role && p.role !== "input" && p.role !== "unused" && buf.role === "input") buf.role = env.initialized.has(name) ? "inout" : "output";
  return { buffer: name };
}
