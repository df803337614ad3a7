/**
 * Applies weight-map rules (ir/weights.ts; semantics in docs/architecture.md "Weight map") to a torch
 * state_dict. The Python twin, cookbook/helpers/weight_map.py, must give the same result.
 */
import { RUNTIME_KEY_PREFIX, type WeightRule } from "../../ir/weights.js";
import { DTYPE_SIZE, dataView, isFloatDtype, numel, permute, readElement, roundToDtype, writeElement, type Tensor } from "./tensor.js";

export class WeightMapError extends Error {}

/** The wildcards of a pattern and what each matches: `#` the digits of a position in a Sequential or ModuleList. */
const WILDCARDS = new Map([
  ["**", "(.+)"],
  ["*", "([^.]+)"],
  ["#", "(\\d+)"],
]);
const WILDCARD_SPLIT = /(\*\*|\*|#)/;

/** `*` matches one dotted segment (`[^.]+`), `**` one or more (`a.b.c`), `#` one segment of digits; everything else matches itself. */
function patternRegex(pattern: string): RegExp {
  const escape = (part: string) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const pieces = pattern.split(WILDCARD_SPLIT);
  const body = pieces.map((p) => WILDCARDS.get(p) ?? escape(p)).join("");
  return new RegExp(`^${body}$`);
}

/** Puts the captures, in order, into the wildcards (`*`, `**`, `#`) of `pattern`. */
function fill(pattern: string, captures: string[], rule: WeightRule): string {
  const pieces = pattern.split(WILDCARD_SPLIT);
  const holes = pieces.filter((p) => WILDCARDS.has(p)).length;
  if (holes > captures.length) {
    throw new WeightMapError(`weight rule ${describeRule(rule)}: '${pattern}' has more wildcards than the torch pattern captures`);
  }
  let i = 0;
  return pieces.map((p) => (WILDCARDS.has(p) ? captures[i++] : p)).join("");
}

function describeRule(rule: WeightRule): string {
  const show = (p: string | string[] | null) => (p === null ? "None" : Array.isArray(p) ? `(${p.map((s) => `"${s}"`).join(", ")})` : `"${p}"`);
  return `(${show(rule.torch)}, ${show(rule.mlx)}, "${rule.op}"${(rule.args ?? []).map((a) => `, ${a}`).join("")})`;
}

const list = (p: string | string[] | null): string[] => (p === null ? [] : Array.isArray(p) ? p : [p]);

interface CompiledRule {
  rule: WeightRule;
  torch: string[];
  mlx: string[];
  regex: RegExp;
}

export interface WeightMapResult {
  tensors: Map<string, Tensor>;
  /** torch keys removed by `drop` rules */
  dropped: string[];
}

/** Applies `rules` and reports what was dropped. */
export function applyWeightMapDetailed(tensors: Map<string, Tensor>, rules: WeightRule[]): WeightMapResult {
  const compiled: CompiledRule[] = rules.map((rule) => {
    const torch = list(rule.torch);
    if (torch.length === 0) throw new WeightMapError(`weight rule ${describeRule(rule)} has no torch key pattern`);
    return { rule, torch, mlx: list(rule.mlx), regex: patternRegex(torch[0]) };
  });

  // Pass 1: which rule handles each key, and which keys a `sum` rule consumes besides its first.
  const handled = new Map<string, { rule: CompiledRule; captures: string[] }>();
  const consumed = new Set<string>();
  for (const key of tensors.keys()) {
    for (const rule of compiled) {
      const m = rule.regex.exec(key);
      if (!m) continue;
      const captures = m.slice(1);
      handled.set(key, { rule, captures });
      for (const extra of rule.torch.slice(1)) consumed.add(fill(extra, captures, rule.rule));
      break;
    }
  }

  // Pass 2: build the output in the input's key order.
  const out = new Map<string, Tensor>();
  const dropped: string[] = [];
  const put = (key: string, t: Tensor, from: string) => {
    if (out.has(key)) throw new WeightMapError(`two torch keys map to the MLX key '${key}' (the second is '${from}')`);
    out.set(key, t);
  };
  for (const [key, tensor] of tensors) {
    if (consumed.has(key)) continue; // summed into another key's output
    const h = handled.get(key);
    if (!h) {
      // no rule: passes through unchanged, but for BatchNorm's step counter, which no MLX layer holds (a norm
      // layer the weight map could not see, built by a factory at run time, has no drop rule); with no map at all
      // (a plain conversion of a state dict) every tensor is written
      if (key.endsWith("num_batches_tracked") && rules.length > 0) dropped.push(key);
      else put(key, tensor, key);
      continue;
    }
    const { rule, captures } = h;
    const targets = rule.mlx.map((p) => fill(p, captures, rule.rule));
    const op = rule.rule.op;
    const args = rule.rule.args ?? [];
    const one = () => {
      if (targets.length !== 1) throw new WeightMapError(`weight rule ${describeRule(rule.rule)}: '${op}' needs exactly one MLX key`);
      return targets[0];
    };
    switch (op) {
      case "drop":
        dropped.push(key);
        break;
      case "runtime":
        // resolved when the emitted class loads it, against the module built there
        put(RUNTIME_KEY_PREFIX + key, tensor, key);
        break;
      case "identity":
        put(one(), tensor, key);
        break;
      case "conv":
        put(one(), convWeight(key, tensor), key);
        break;
      case "conv_transpose":
        put(one(), convTransposeWeight(key, tensor), key);
        break;
      case "linear_nhwc":
        put(one(), linearNhwc(key, tensor, args, rule.rule), key);
        break;
      case "split": {
        const parts = split(key, tensor, targets.length, args, rule.rule);
        parts.forEach((p, i) => put(targets[i], p, key));
        break;
      }
      case "sum": {
        const keys = [key, ...rule.torch.slice(1).map((p) => fill(p, captures, rule.rule))];
        const operands = keys.map((k) => {
          const t = tensors.get(k);
          if (!t) throw new WeightMapError(`weight rule ${describeRule(rule.rule)}: '${key}' is to be summed with '${k}', which the checkpoint does not have`);
          return t;
        });
        put(one(), sum(keys, operands), key);
        break;
      }
      default:
        throw new WeightMapError(`weight rule ${describeRule(rule.rule)}: unknown op '${String(op)}'`);
    }
  }
  return { tensors: out, dropped };
}

export function applyWeightMap(tensors: Map<string, Tensor>, rules: WeightRule[]): Map<string, Tensor> {
  return applyWeightMapDetailed(tensors, rules).tensors;
}

/**
 * torch (O, I, *K) → MLX (O, *K, I). A tensor of rank < 3 is no conv weight and passes unchanged: one
 * pattern can cover a position that holds a conv in some instances and a norm in others (MobileNet's
 * optional expansion layer shifts the indices of a Sequential built under an `if`).
 */
function convWeight(key: string, t: Tensor): Tensor {
  const n = t.shape.length;
  if (n < 3) return t;
  return permute(t, [0, ...range(2, n), 1]);
}

/** torch (I, O, *K) → MLX (O, *K, I); rank < 3 passes unchanged, as for `conv`. */
function convTransposeWeight(key: string, t: Tensor): Tensor {
  const n = t.shape.length;
  if (n < 3) return t;
  return permute(t, [...range(1, n), 0]);
}

/**
 * (Out, C*S) with columns c*S + s → columns s*C + c: the Linear after a channels-last flatten. S may be
 * left out: it is the weight's in_features / C (the compiler knows C, the spatial size only at run time).
 */
function linearNhwc(key: string, t: Tensor, args: number[], rule: WeightRule): Tensor {
  if (args.length !== 1 && args.length !== 2) throw new WeightMapError(`weight rule ${describeRule(rule)}: linear_nhwc takes C and optionally S`);
  const c = args[0];
  const s = args.length === 2 ? args[1] : t.shape.length === 2 && c > 0 ? t.shape[1] / c : NaN;
  if (t.shape.length !== 2 || !Number.isInteger(s) || t.shape[1] !== c * s) {
    throw new WeightMapError(`'${key}': linear_nhwc ${c} ${s} expects a weight of shape (Out, ${c * s}), got [${t.shape.join(", ")}]`);
  }
  const out = permute({ dtype: t.dtype, shape: [t.shape[0], c, s], data: t.data }, [0, 2, 1]);
  return { dtype: t.dtype, shape: [t.shape[0], c * s], data: out.data };
}

/** Equal parts along `axis` (negative counts from the end). */
function split(key: string, t: Tensor, parts: number, args: number[], rule: WeightRule): Tensor[] {
  if (args.length !== 1) throw new WeightMapError(`weight rule ${describeRule(rule)}: split needs one argument, the axis`);
  if (parts < 1) throw new WeightMapError(`weight rule ${describeRule(rule)}: split needs MLX keys to split into`);
  const rank = t.shape.length;
  const axis = args[0] < 0 ? args[0] + rank : args[0];
  if (axis < 0 || axis >= rank) throw new WeightMapError(`'${key}': cannot split along axis ${args[0]} of a tensor of shape [${t.shape.join(", ")}]`);
  if (t.shape[axis] % parts !== 0) {
    throw new WeightMapError(`'${key}': cannot split axis ${args[0]} of size ${t.shape[axis]} into ${parts} equal parts (shape [${t.shape.join(", ")}])`);
  }
  const item = DTYPE_SIZE[t.dtype];
  const outer = numel(t.shape.slice(0, axis));
  const inner = numel(t.shape.slice(axis + 1)) * item;
  const partLength = t.shape[axis] / parts;
  const chunk = partLength * inner;
  return range(0, parts).map((p) => {
    const data = new Uint8Array(outer * chunk);
    for (let o = 0; o < outer; o++) {
      const from = o * t.shape[axis] * inner + p * chunk;
      data.set(t.data.subarray(from, from + chunk), o * chunk);
    }
    const shape = [...t.shape];
    shape[axis] = partLength;
    return { dtype: t.dtype, shape, data };
  });
}

/** Element-wise sum, left to right, rounding to the dtype after each add (as chained MLX adds do). */
function sum(keys: string[], operands: Tensor[]): Tensor {
  const first = operands[0];
  for (let i = 1; i < operands.length; i++) {
    const t = operands[i];
    if (t.dtype !== first.dtype || t.shape.join(",") !== first.shape.join(",")) {
      throw new WeightMapError(
        `cannot sum '${keys[0]}' (${first.dtype} [${first.shape.join(", ")}]) and '${keys[i]}' (${t.dtype} [${t.shape.join(", ")}]): dtype and shape must match`,
      );
    }
  }
  if (first.dtype === "BOOL" || (!isFloatDtype(first.dtype) && first.dtype !== "I32" && first.dtype !== "I16" && first.dtype !== "I8" && first.dtype !== "U8")) {
    throw new WeightMapError(`cannot sum '${keys[0]}': sum supports float and 32-bit-or-narrower integer tensors, not ${first.dtype}`);
  }
  const count = numel(first.shape);
  const data = new Uint8Array(first.data.length);
  const out = dataView(data);
  const views = operands.map((t) => dataView(t.data));
  for (let i = 0; i < count; i++) {
    let acc = readElement(views[0], first.dtype, i);
    for (let k = 1; k < views.length; k++) acc = roundToDtype(first.dtype, acc + readElement(views[k], first.dtype, i));
    writeElement(out, first.dtype, i, acc);
  }
  return { dtype: first.dtype, shape: [...first.shape], data };
}

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);
}
