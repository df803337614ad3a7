/**
 * The schema of a `--verify` spec (`foo.spec.json`, or one derived from the host launcher or flags),
 * checked before anything is compiled. Values never reach C++ source as text: sizes and scalars are
 * numbers the harness sends in the request; kernel names must be kernels the translation found; a
 * template argument must be a known scalar type, an integer or a bool, and is printed again from its
 * parsed value; buffer names are checked against the spec's buffers and travel only in the request.
 */
import { DTYPES, normalizeDtype } from "../verify/dtypes.js";
import { evalExpr, type GoldenSpec } from "../verify/golden.js";
import { SCALAR_TYPES, VECTOR_TYPES } from "../../passes/kernel/tables.js";

/** What the spec may name: the translated kernels, with their parameter and template parameter counts. */
export interface SpecKernel {
  name: string;
  params: number;
  templateParams: number;
}

const IDENT = /^[A-Za-z_]\w{0,63}$/;
/** Expressions of the sizes: names, numbers, + - * / % ( ) , and the functions evalExpr knows. */
const EXPR_TEXT = /^[\w\s.+\-*/%(),]{1,200}$/;

type Check = (v: unknown, at: string, errors: string[]) => void;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function object(props: Record<string, [Check, "required" | "optional"]>): Check {
  return (v, at, errors) => {
    if (!isObject(v)) return void errors.push(`${at}: expected an object`);
    for (const k of Object.keys(v)) if (!(k in props)) errors.push(`${at}: unknown key "${k}"`);
    for (const [k, [check, need]] of Object.entries(props)) {
      if (v[k] === undefined) {
        if (need === "required") errors.push(`${at}: "${k}" is required`);
      } else check(v[k], `${at}.${k}`, errors);
    }
  };
}

function array(item: Check, min: number, max: number): Check {
  return (v, at, errors) => {
    if (!Array.isArray(v)) return void errors.push(`${at}: expected an array`);
    if (v.length < min || v.length > max) errors.push(`${at}: expected ${min}..${max} items, got ${v.length}`);
    v.slice(0, max).forEach((x, i) => item(x, `${at}[${i}]`, errors));
  };
}

const identifier: Check = (v, at, errors) => {
  if (typeof v !== "string" || !IDENT.test(v)) errors.push(`${at}: expected a name (letters, digits, _), got ${JSON.stringify(v)?.slice(0, 40)}`);
};
const text: Check = (v, at, errors) => {
  if (typeof v !== "string" || v.length > 2000) errors.push(`${at}: expected a string`);
};
const bool: Check = (v, at, errors) => {
  if (typeof v !== "boolean") errors.push(`${at}: expected true or false`);
};
const expr: Check = (v, at, errors) => {
  if (typeof v === "number") return void (Number.isFinite(v) || errors.push(`${at}: not a finite number`));
  if (typeof v !== "string" || !EXPR_TEXT.test(v)) errors.push(`${at}: expected a number or an expression of the sizes, got ${JSON.stringify(v)?.slice(0, 40)}`);
};
const finite: Check = (v, at, errors) => {
  if (typeof v !== "number" || !Number.isFinite(v)) errors.push(`${at}: expected a finite number`);
};
const dtype: Check = (v, at, errors) => {
  if (typeof v !== "string" || !(normalizeDtype(v) in DTYPES)) errors.push(`${at}: unknown dtype ${JSON.stringify(v)?.slice(0, 40)} (one of ${Object.keys(DTYPES).join(", ")})`);
};
const oneOf =
  (...values: string[]): Check =>
  (v, at, errors) => {
    if (typeof v !== "string" || !values.includes(v)) errors.push(`${at}: expected one of ${values.join(", ")}`);
  };
const blockDim: Check = (v, at, errors) => {
  if (!Number.isInteger(v) || (v as number) < 1 || (v as number) > 1024) errors.push(`${at}: expected an integer 1..1024`);
};
const sizeRow: Check = (v, at, errors) => {
  if (!isObject(v)) return void errors.push(`${at}: expected an object of sizes`);
  for (const [k, n] of Object.entries(v)) {
    identifier(k, `${at} key`, errors);
    if (!Number.isSafeInteger(n) || (n as number) < 0 || (n as number) > 2 ** 31 - 1) errors.push(`${at}.${k}: expected an integer 0..2^31-1`);
  }
};
const templateArg: Check = (v, at, errors) => {
  // an enum parameter takes a value's name (pytorch_scatter's `ReductionType REDUCE`: MAX), as C++ does, no int
  if (typeof v !== "string" || !(v in SCALAR_TYPES || /^-?\d{1,10}$/.test(v) || v === "true" || v === "false" || /^[A-Za-z_]\w{0,63}$/.test(v))) {
    errors.push(`${at}: a template argument must be a scalar type (${Object.keys(SCALAR_TYPES).slice(0, 6).join(", ")}, ...), an integer, true/false or an enum value's name`);
  }
};
const arg: Check = (v, at, errors) => {
  if (isObject(v) && "buffer" in v) return object({ buffer: [identifier, "required"] })(v, at, errors);
  // a CUDA vector passed by value (`long4`): one expression per component
  if (isObject(v) && "vector" in v) return object({ vector: [array(expr, 2, 4), "required"], type: [oneOf(...Object.keys(VECTOR_TYPES)), "required"] })(v, at, errors);
  object({ scalar: [expr, "required"], type: [oneOf(...Object.keys(SCALAR_TYPES)), "required"] })(v, at, errors);
};

const SPEC: Check = object({
  name: [identifier, "required"],
  file: [text, "optional"],
  description: [text, "optional"],
  needsTorch: [bool, "optional"],
  zeroOutputs: [bool, "optional"],
  sizes: [array(sizeRow, 1, 64), "required"],
  buffers: [
    array(
      object({
        name: [identifier, "required"],
        dtype: [dtype, "required"],
        count: [expr, "required"],
        role: [oneOf("input", "output", "inout"), "required"],
        range: [expr, "optional"],
        domain: [array(finite, 2, 2), "optional"],
        fill: [finite, "optional"],
        // patterns docs/kernel-proof.md lists beside fill: a CSR pointer array, and an expression of the element's index i
        ascending: [bool, "optional"],
        index: [expr, "optional"],
        gpuOrder: [object({ rtol: [finite, "required"], atol: [finite, "required"] }), "optional"],
      }),
      1,
      64,
    ),
    "required",
  ],
  launches: [
    array(
      object({
        kernel: [identifier, "required"],
        templateArgs: [array(templateArg, 0, 16), "optional"],
        grid: [array(expr, 3, 3), "required"],
        block: [array(blockDim, 3, 3), "required"],
        sharedBytes: [expr, "optional"],
        args: [array(arg, 0, 64), "required"],
      }),
      1,
      64,
    ),
    "required",
  ],
  // the file's own host launcher: recorded by golden specs for the H100 drivers; --verify never calls it
  host: [object({ function: [identifier, "required"], args: [array(text, 0, 64), "required"] }), "optional"],
});

/** Largest buffer --verify allocates (elements), so a spec cannot ask for more memory than a test should take. */
const MAX_ELEMENTS = 1 << 26;

/**
 * Checks a parsed spec against the schema and against the translated kernels; returns the spec with
 * every template argument printed again from its parsed value, or throws with every problem found.
 */
export function validateVerifySpec(json: unknown, kernels: SpecKernel[]): GoldenSpec {
  const errors: string[] = [];
  SPEC(json, "spec", errors);
  if (errors.length) throw new Error(`c2m kernel: the verify spec is not valid:\n  ${errors.slice(0, 20).join("\n  ")}`);
  const spec = json as GoldenSpec;
  const buffers = new Set(spec.buffers.map((b) => b.name));
  if (buffers.size !== spec.buffers.length) errors.push("spec.buffers: two buffers have the same name");
  spec.launches.forEach((l, i) => {
    const k = kernels.find((x) => x.name === l.kernel);
    if (!k) return void errors.push(`spec.launches[${i}].kernel: "${l.kernel}" is not a translated kernel of the file (${kernels.map((x) => x.name).join(", ") || "none"})`);
    if (l.args.length !== k.params) errors.push(`spec.launches[${i}].args: ${l.kernel} takes ${k.params} arguments, the spec gives ${l.args.length}`);
    if ((l.templateArgs?.length ?? 0) > k.templateParams) errors.push(`spec.launches[${i}].templateArgs: ${l.kernel} has ${k.templateParams} template parameters`);
    l.args.forEach((a, j) => {
      if ("buffer" in a && !buffers.has(a.buffer)) errors.push(`spec.launches[${i}].args[${j}]: no buffer named "${a.buffer}"`);
    });
    const threads = l.block[0] * l.block[1] * l.block[2];
    if (threads > 1024) errors.push(`spec.launches[${i}].block: ${threads} threads (CUDA allows at most 1024)`);
  });
  // every expression must evaluate, on every size row, to a finite number
  spec.sizes.forEach((sizes, s) => {
    const at = (where: string, e: string | number, check?: (n: number) => string | undefined) => {
      try {
        const n = evalExpr(e, sizes);
        const bad = !Number.isFinite(n) ? "is not finite" : check?.(n);
        if (bad) errors.push(`${where} at sizes[${s}]: ${JSON.stringify(e)} = ${n} ${bad}`);
      } catch (err) {
        errors.push(`${where}: ${(err as Error).message}`);
      }
    };
    spec.buffers.forEach((b, i) => {
      at(`spec.buffers[${i}].count`, b.count, (n) => (Number.isInteger(n) && n >= 0 && n <= MAX_ELEMENTS ? undefined : `is not an element count in 0..${MAX_ELEMENTS}`));
      if (b.range !== undefined) at(`spec.buffers[${i}].range`, b.range);
    });
    spec.launches.forEach((l, i) => {
      l.grid.forEach((g, d) => at(`spec.launches[${i}].grid[${d}]`, g, (n) => (Number.isInteger(n) && n >= 1 && n <= 2 ** 31 - 1 ? undefined : "is not a block count")));
      if (l.sharedBytes !== undefined)
        at(`spec.launches[${i}].sharedBytes`, l.sharedBytes, (n) => (Number.isInteger(n) && n >= 0 && n <= 1 << 20 ? undefined : "is not a byte count up to 1 MiB"));
      l.args.forEach((a, j) => {
        if ("scalar" in a) at(`spec.launches[${i}].args[${j}].scalar`, a.scalar);
        if ("vector" in a) a.vector.forEach((e, c) => at(`spec.launches[${i}].args[${j}].vector[${c}]`, e));
      });
    });
  });
  if (errors.length) throw new Error(`c2m kernel: the verify spec is not valid:\n  ${errors.slice(0, 20).join("\n  ")}`);
  const reprint = (t: string) => (t in SCALAR_TYPES || t === "true" || t === "false" || /^[A-Za-z_]\w*$/.test(t) ? t : String(Number.parseInt(t, 10)));
  return { ...spec, launches: spec.launches.map((l) => (l.templateArgs ? { ...l, templateArgs: l.templateArgs.map(reprint) } : l)) };
}
