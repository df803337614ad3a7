/**
 * `--verify` without a hand-written spec: the sizes, buffers and launches are read from the file's own
 * host code — statically, never run — or taken from flags.
 *
 *  - A host function that allocates and launches (`main`, a `launch_foo(...)` helper): `#define`s,
 *    constants and locals are evaluated in order; `cudaMalloc(&d, N * sizeof(float))` gives a buffer
 *    of N floats; `k<<<grid, block, smem>>>(d, ..., n)` a launch (dim3 locals, one-return helpers such
 *    as `cdiv(a, b)` evaluated too). Launches run in the order written, on the same buffers.
 *  - A launcher given its buffers by its caller (`run_sgemm(int M, int N, int K, float *A, ...)`): its
 *    int parameters are the sizes (128, 64, then 37), its pointers the caller's data (inputs, in place where
 *    written), of 65536 elements first, grown by the caller of deriveVerifySpecs where the original
 *    reads past them (callerBuffers; synth-spec.ts growCallerBuffers).
 *  - A PyTorch-extension launcher (`torch::Tensor f(torch::Tensor x, ...)`): each tensor parameter is
 *    an input buffer of `--size NAME=...` elements (default: every tensor the same size n, at two
 *    sizes); `torch::empty_like(x)`, `zeros_like`, `torch::empty({a, b}, ...)` new buffers;
 *    `x.numel()`, `x.size(0)` its size; `x.data_ptr<float>()` the buffer passed.
 *  - Flags alone (`--size n=4096 --grid 16 --block 256`): every pointer parameter of the kernel a
 *    buffer of `--count NAME=EXPR` elements (default: the one size given), int parameters named like a
 *    size get that size.
 * `--size NAME=V` always wins over the file's own value (a `#define N (1 << 24)` is too big for the
 * emulator). Inputs: floats from [-2, 2) (or `--range NAME=LO:HI`), int buffers from [0, smallest
 * other buffer) so that an index stays in bounds.
 */
import { parseCuda, type CudaNode } from "../../grammar/cuda.js";
import type { HostFunction, KernelUnit } from "../../ir/kernel.js";
import { calleeName, callArgs, field, kids, named, walk } from "../../passes/kernel/cst.js";
import { extractKernelUnit } from "../../passes/kernel/extract.js";
import { DiagnosticBag } from "../../ir/diagnostics.js";
import type { GoldenBuffer, GoldenLaunch, GoldenSpec } from "../verify/golden.js";
import { evaluate, LaunchUnknown, newEnv, parseExpr, SIZEOF, type Env } from "./host-eval.js";
import type { CompileKernelsResult, CompiledKernel } from "./index.js";
import { nameTable } from "../../ir/tables.js";
import { deviceVariableBuffer, DTYPE_OF_C, symbolArg } from "./launch-symbols.js";
import { defaultShape, tensorRank, unsaidTensors } from "./launch-tensors.js";

export { LaunchUnknown };

export interface LaunchFlags {
  /** `--size n=7,512,3001`: one spec per value (several names: taken together, row by row) */
  sizes?: Record<string, number[]>;
  /** `--count x=n*4` */
  counts?: Record<string, string>;
  /** `--range x=0.5:2` */
  ranges?: Record<string, [number, number]>;
  /** `--scalar alpha=1.5` */
  scalars?: Record<string, number>;
  kernel?: string;
  grid?: string[];
  block?: number[];
  smem?: string;
  /** `--template T=float` */
  template?: Record<string, string>;
}

export interface DerivedSpecs {
  specs: GoldenSpec[];
  /** where the launches came from, for the report */
  from: string;
  /**
   * by spec name: the buffers a launcher takes from its caller, at CALLER_FIRST_COUNT elements; the
   * caller grows them where the original reads past them (synth-spec.ts growCallerBuffers) before verifying
   */
  callerBuffers?: Record<string, string[]>;
}

const ATEN_HALVES: Record<string, string> = nameTable({
  "at::Half": "__half",
  "c10::Half": "__half",
  "at::BFloat16": "__nv_bfloat16",
  "c10::BFloat16": "__nv_bfloat16",
});
const C_OF_DTYPE: Record<string, string> = nameTable({
  float32: "float",
  float16: "half",
  bfloat16: "__nv_bfloat16",
  int32: "int",
  uint32: "unsigned int",
  int8: "char",
  uint8: "unsigned char",
  bool: "bool",
  int64: "long long",
});
const DEFAULT_SIZES = [1000, 4099];
/**
 * The int parameters of a launcher that takes its buffers from its caller: powers of two (a tile of 128,
 * SGEMM_CUDA's, and a branch for small sizes), then a ragged value. Sizes the original itself faults at
 * are left out of the verification (synth-spec.ts sizedSpecs).
 */
const CALLER_SIZES = [128, 64, 37];
const CALLER_FIRST_COUNT = 1 << 16;
const MAX_ELEMENTS = 1 << 22;

/** The dim3 or number a launch configuration names. */
function dims(n: CudaNode, env: Env, unit: KernelUnit): [number, number, number] {
  const d = env.dim3.get(n.text.trim());
  if (d) return d;
  if (n.type === "call_expression" && /^dim3$/.test(calleeName(n) ?? "")) return dim3Of(callArgs(n), env, unit);
  if (n.type === "initializer_list") return dim3Of(named(n), env, unit);
  return [evaluate(n, env, unit), 1, 1];
}

function dim3Of(args: readonly CudaNode[], env: Env, unit: KernelUnit): [number, number, number] {
  const v = args.map((a) => evaluate(a, env, unit));
  return [v[0] ?? 1, v[1] ?? 1, v[2] ?? 1];
}

/** `(void**)&d_x`, `&d_x` → d_x */
function addressee(n: CudaNode | undefined): string | undefined {
  return /&\s*([A-Za-z_]\w*)\s*\)?$/.exec(n?.text ?? "")?.[1];
}

/** `x.data_ptr<float>()`, `(float*)x.data_ptr()`, `x.data<float>()`, `d_x` → the variable. */
function argVariable(n: CudaNode): string | undefined {
  const m = /^(?:\([^()]*\)\s*)?([A-Za-z_]\w*)\s*(?:\.\s*(?:data_ptr|data|mutable_data_ptr|const_data_ptr)\s*(?:<[^<>]*>)?\s*\(\s*\))?$/.exec(n.text.trim());
  return m?.[1];
}

/** The element type a tensor argument is read as: `x.data_ptr<int64_t>()`, `(int64_t*)x.data_ptr()`; not a template's `scalar_t`. */
function elementTypeRead(n: CudaNode): string | undefined {
  const t = n.text.trim();
  const m =
    /\.\s*(?:data_ptr|data|mutable_data_ptr|const_data_ptr)\s*<\s*(?:const\s+)?([\w:]+(?:\s+[\w:]+)?)\s*>\s*\(\s*\)$/.exec(t) ??
    /^\(\s*(?:const\s+)?([\w:]+(?:\s+[\w:]+)?)\s*\*\s*\)/.exec(t);
  return m?.[1];
}

function typeName(decl: CudaNode): string {
  return (field(decl, "type")?.text ?? "")
    .replace(/\b(const|volatile|static|constexpr)\b/g, "")
    .replace(/\s+/g, " ")
    .trim();
}

/** Walks one host function in order, collecting buffers and launches. */
function readHostFunction(h: HostFunction, unit: KernelUnit, compiled: CompileKernelsResult, env: Env): GoldenLaunch[] {
  const launches: GoldenLaunch[] = [];
  const setValue = (name: string, v: CudaNode) => {
    if (env.pinned.has(name)) return;
    try {
      env.values.set(name, evaluate(v, env, unit));
    } catch {
      env.values.delete(name); // not a constant (yet): an error only if a launch needs it
    }
  };
  /** the branches of an `if` whose condition is not known here: both are read, as before a launch both could run */
  const skipped = new Set<CudaNode>();
  walk(h.body, (n) => {
    if (skipped.has(n)) return false;
    if (n.type === "lambda_expression") return true;
    // `if (M >= 128 and N >= 128) {...} else {...}` (SGEMM_CUDA's launchers): with the sizes known, only the branch taken
    if (n.type === "if_statement") {
      const cond = field(n, "condition");
      let taken: number | undefined;
      try {
        taken = cond ? evaluate(named(cond).find((c) => c.type !== "comment") ?? cond, env, unit) : undefined;
      } catch {
        taken = undefined;
      }
      const alt = field(n, "alternative");
      if (taken !== undefined) skipped.add(taken ? (alt ?? n) : field(n, "consequence")!);
      return true;
    }
    if (n.type === "declaration") {
      const t = typeName(n);
      for (const d of named(n).filter((c) => c.fieldName === "declarator")) {
        const isPtr = /\*/.test(d.text.split("=")[0]!);
        const name = /([A-Za-z_]\w*)\s*(?:\[[^\]]*\])?\s*(?:=|\(|\{|$)/.exec(d.text.split("=")[0]!.replace(/[*&]/g, " ").trim() + " ")?.[1] ?? "";
        if (isPtr) env.pointee.set(name, t);
        const value = d.type === "init_declarator" ? field(d, "value") : null;
        if (t === "dim3") {
          // `dim3 grid(a, b);` parses as a function declaration (the most vexing parse): its "parameters" are the arguments
          const vexing = d.type === "function_declarator" ? named(field(d, "parameters") ?? d).map((p) => parseExpr(p.text)) : undefined;
          const args =
            vexing ??
            (value ? (value.type === "argument_list" || value.type === "initializer_list" ? named(value) : value.type === "call_expression" ? callArgs(value) : [value]) : []);
          env.dim3.set(name, args.length ? dim3Of(args, env, unit) : [1, 1, 1]);
        } else if (value && /^(auto|torch::Tensor|at::Tensor)$/.test(t) && value.type === "call_expression") {
          const same = tensorAlias(value, env);
          const shape = same ? undefined : newTensorShape(value, env, unit);
          const drawn = same || shape ? undefined : sampledTensorOf(value, env);
          if (drawn) {
            // `props.bernoulli()`: a fresh tensor of random values, which verify draws as an input
            addTensor(env, name, drawn, "float", "input");
            env.initialized.add(name);
          } else if (same) {
            env.tensors.set(name, env.tensors.get(same)!);
            env.buffers.set(name, env.buffers.get(same)!);
          } else if (shape) addTensor(env, name, shape, "float", "output");
          // `auto numel = out.size(0);`: a number, not a tensor
          else if (!isPtr && t === "auto") setValue(name, value);
        } else if (value && !isPtr) setValue(name, value);
      }
      return false;
    }
    if (n.type === "assignment_expression" && field(n, "left")?.type === "identifier" && field(n, "operator")?.text === "=") {
      setValue(field(n, "left")!.text, field(n, "right")!);
      return true;
    }
    if (n.type !== "call_expression") return true;
    const name = calleeName(n);
    if (name === "cudaMalloc" || name === "cudaMallocManaged") {
      const [ptr, bytes] = callArgs(n);
      const v = addressee(ptr);
      if (v && bytes) {
        const cType = env.pointee.get(v) ?? "float";
        const size = SIZEOF[cType] ?? 4;
        const count = Math.floor(evaluate(bytes, env, unit) / size);
        env.buffers.set(v, { name: v, dtype: DTYPE_OF_C[cType] ?? "float32", count, role: "input", cType });
      }
      return false;
    }
    // the host fills a __device__ variable: the kernels taking it as a buffer find the host's values there
    if (name === "cudaMemcpyToSymbol" || name === "cudaMemcpyToSymbolAsync") {
      const v = argVariable(callArgs(n)[0] ?? n);
      if (v && deviceVariableBuffer(v, unit, env)) env.initialized.add(v);
      return false;
    }
    if (name === "cudaMemcpy" || name === "cudaMemset" || name === "cudaMemcpyAsync" || name === "cudaMemsetAsync") {
      const [dst, src] = callArgs(n);
      const target = argVariable(dst ?? n);
      // zeros (cudaMemset(d, 0, ..), a copy of calloc'd host memory) are what a fresh output starts with
      const from = src && /Memcpy/.test(name) ? argVariable(src) : undefined;
      const zeros = /Memset/.test(name) ? src?.text.trim() === "0" : !!from && new RegExp(`\\b${from}\\s*=[^;]*\\bcalloc\\s*\\(`).test(h.body.text);
      if (target && !zeros) env.initialized.add(target);
      return false;
    }
    const cfg = kids(n).find((c) => c.type === "kernel_call_syntax");
    if (!cfg) return true;
    const kernel = calleeName(n) ?? "";
    const k = compiled.kernels.find((x) => x.name === kernel);
    if (!k) throw new LaunchUnknown(`kernel ${kernel} was not translated`, n.startPosition.row + 1);
    const [g, b, smem] = named(cfg);
    if (!g || !b) throw new LaunchUnknown(`launch of ${kernel} without grid and block`, n.startPosition.row + 1);
    const fnNode = field(n, "function");
    const targs =
      fnNode?.type === "template_function"
        ? named(field(fnNode, "arguments") ?? fnNode)
            .filter((c) => c.type !== "identifier")
            .map((c) => (c.text === "scalar_t" ? "float" : c.text))
        : k.templateParams.length
          ? deducedTemplateArgs(k, callArgs(n), env, launcherTypeParams(h))
          : undefined;
    // a kernel template whose arguments the call deduces: c2m does not deduce them (a caller's pointers say no element type)
    if (k.templateParams.length && !targs && env.callerData.size)
      throw new LaunchUnknown(`launch of ${kernel} deduces its template arguments, which c2m does not follow`, n.startPosition.row + 1);
    const given = callArgs(n).length;
    // a file-scope __device__ variable the kernel takes as a buffer (passes/kernel/device-vars.ts): the launch passes
    // none; the variable's one buffer, which every launch of the host function shares, is its argument
    const symbols = k.params.slice(given).map((p) => deviceVariableBuffer(p.name, unit, env));
    if (given < k.params.length && symbols.every(Boolean)) {
      launches.push({
        kernel,
        templateArgs: targs?.map((t) => (/^\d/.test(t) || t in SIZEOF ? t : String(evaluate(parseExpr(t), env, unit)))),
        grid: dims(g, env, unit),
        block: dims(b, env, unit),
        sharedBytes: smem && smem.text.trim() !== "0" ? evaluate(smem, env, unit) : undefined,
        args: [...callArgs(n).map((a, i) => launchArg(a, k, i, env, unit)), ...symbols.map((v, j) => symbolArg(v!, k, given + j, env))],
      });
      return false;
    }
    // a defaulted parameter left out (`int* partial_sums = NULL`): MLX binds a buffer to every input, it has no null one
    if (given < k.params.length) throw new LaunchUnknown(`launch of ${kernel} leaves '${k.params[given]!.name}' to its default, which an MLX call cannot`, n.startPosition.row + 1);
    launches.push({
      kernel,
      templateArgs: targs?.map((t) => (/^\d/.test(t) || t in SIZEOF ? t : String(evaluate(parseExpr(t), env, unit)))),
      grid: dims(g, env, unit),
      block: dims(b, env, unit),
      sharedBytes: smem && smem.text.trim() !== "0" ? evaluate(smem, env, unit) : undefined,
      args: callArgs(n).map((a, i) => launchArg(a, k, i, env, unit)),
    });
    return false;
  });
  return launches;
}

/**
 * A kernel template's type arguments deduced from the launch's arguments, as C++ deduces them: each type
 * parameter is the element type of a buffer argument passed where the kernel takes `T*` (llm.c's
 * `global_sum_single_block_kernel<<<1, 1024>>>(result, values, count)` with `const Float* values`). A launcher's
 * own type parameter (`template <class Float> void global_sum_deterministic(...)`) is instantiated at float, as
 * `scalar_t` is. Undefined when some parameter is not a type or is not the element type of such an argument.
 */
function deducedTemplateArgs(k: CompiledKernel, args: CudaNode[], env: Env, launcherTypes: Set<string>): string[] | undefined {
  const out: string[] = [];
  for (const t of k.templateParams) {
    if (t.kind !== "type") return undefined;
    const i = k.params.findIndex((p) => p.kind === "buffer" && p.dtype === t.name);
    const v = i >= 0 && args[i] ? argVariable(args[i]!) : undefined;
    const cType = v ? (env.buffers.get(v)?.cType ?? env.pointee.get(v)) : undefined;
    if (!cType) return undefined;
    // ATen's 16-bit floats (RWKV's `typedef at::BFloat16 bf16;` pointers) as the CUDA names a template argument takes
    const deduced = launcherTypes.has(cType) ? "float" : DTYPE_OF_C[cType] ? (ATEN_HALVES[cType] ?? cType) : undefined;
    if (!deduced) return undefined;
    out.push(deduced);
  }
  return out;
}

/** The type parameters of a launcher that is a function template (`template <class Float> void f(...)`). */
function launcherTypeParams(h: HostFunction): Set<string> {
  const decl = h.node.parent?.type === "template_declaration" ? h.node.parent : undefined;
  const params = decl ? field(decl, "parameters") : null;
  return new Set(params ? named(params).flatMap((p) => (p.type === "type_parameter_declaration" ? [named(p).find((c) => c.type === "type_identifier")?.text ?? ""] : [])) : []);
}

function launchArg(a: CudaNode, k: CompiledKernel, i: number, env: Env, unit: KernelUnit): GoldenLaunch["args"][number] {
  const p = k.params[i];
  if (!p) throw new LaunchUnknown(`too many arguments for ${k.name}`, a.startPosition.row + 1);
  if (p.kind === "buffer") {
    const v = argVariable(a);
    const buf = v ? env.buffers.get(v) : undefined;
    if (!buf) throw new LaunchUnknown(`argument '${a.text}' of ${k.name} is not a buffer c2m can size (cudaMalloc'd or a tensor)`, a.startPosition.row + 1);
    // a tensor's element type is what the launch reads it as (`ptr_x.data_ptr<int64_t>()`): a tensor parameter or one made
    // with another's options (`torch::empty({n}, ptr_x.options())`) is otherwise taken for float
    const read = elementTypeRead(a);
    if (read && env.tensors.has(buf.name) && DTYPE_OF_C[read]) Object.assign(buf, { dtype: DTYPE_OF_C[read], cType: read });
    // written: in place when it held data (a tensor argument, a cudaMemcpy'd buffer), else a fresh output;
    // an output written by an earlier launch and read by this one keeps its "output" start (golden.ts outputValues)
    // a caller's buffer the kernel only writes is its output: it starts from outputValues' non-zero draw on both sides,
    // so what the kernel leaves untouched is compared too (write-only.ts keeps the caller's values there)
    if (p.role && p.role !== "input" && p.role !== "unused" && buf.role === "input")
      buf.role =
        (env.initialized.has(buf.name) && !env.lowerBound.has(buf.name)) || ((env.callerData.has(buf.name) || env.lowerBound.has(buf.name)) && p.role !== "output" && !p.writeOnly)
          ? "inout"
          : "output";
    return { buffer: buf.name };
  }
  const value = env.values.has(a.text.trim()) && env.pinned.has(a.text.trim()) ? env.values.get(a.text.trim())! : evaluate(a, env, unit);
  return { scalar: value, type: C_OF_DTYPE[String(p.dtype)] ?? "float" };
}

/** `x.contiguous()`, `x.to(...)`, `x.float()`: the same data (as far as the launch is concerned) → x. */
function tensorAlias(call: CudaNode, env: Env): string | undefined {
  const fn = field(call, "function");
  if (fn?.type !== "field_expression") return undefined;
  const obj = field(fn, "argument")?.text.trim() ?? "";
  return env.tensors.has(obj) && /^(contiguous|to|cuda|float|clone|detach|view|reshape|flatten)$/.test(field(fn, "field")?.text ?? "") ? obj : undefined;
}

/** `x.bernoulli()`, `x.normal_()`: a tensor of x's shape drawn at random → that shape. */
function sampledTensorOf(call: CudaNode, env: Env): number[] | undefined {
  const fn = field(call, "function");
  if (fn?.type !== "field_expression") return undefined;
  const obj = field(fn, "argument")?.text.trim() ?? "";
  return /^(bernoulli|uniform_|normal_|random_|exponential_|bernoulli_)$/.test(field(fn, "field")?.text ?? "") ? env.tensors.get(obj) : undefined;
}

/** `torch::empty_like(x)`, `torch::zeros({n, m}, opts)`, `torch::empty({n})` → its shape. */
function newTensorShape(call: CudaNode, env: Env, unit: KernelUnit): number[] | undefined {
  const name = (calleeName(call) ?? field(call, "function")?.text ?? "").replace(/^(torch|at)::/, "");
  const args = callArgs(call);
  if (/^(empty|zeros|ones|full|rand|randn)_like$/.test(name)) return env.tensors.get(args[0]?.text.trim() ?? "");
  if (/^(empty|zeros|ones|full|rand|randn)$/.test(name) && args[0]) {
    const list = args[0].type === "initializer_list" ? named(args[0]) : [args[0]];
    return list.map((c) => evaluate(c, env, unit));
  }
  return undefined;
}

function addTensor(env: Env, name: string, shape: number[], cType: string, role: GoldenBuffer["role"]): void {
  env.tensors.set(name, shape);
  env.buffers.set(name, { name, dtype: DTYPE_OF_C[cType] ?? "float32", count: shape.reduce((a, b) => a * b, 1), role, cType });
}

/** Ranges for int inputs (indices stay in bounds) and the flags' float domains. */
function finishBuffers(buffers: (GoldenBuffer & { cType?: string })[], flags: LaunchFlags): GoldenBuffer[] {
  const smallest = Math.max(1, Math.min(...buffers.map((b) => Number(b.count))));
  return buffers.map(({ cType: _c, ...b }) => {
    const out: GoldenBuffer = { ...b };
    if (!/float/.test(b.dtype) && b.role !== "output") out.range = /bool/.test(b.dtype) ? 2 : Math.min(smallest, 1 << 16);
    const r = flags.ranges?.[b.name];
    if (r) out.domain = r;
    return out;
  });
}

/** One row of `--size` values per spec (several names are taken together, row by row). */
function sizeRows(flags: LaunchFlags): Record<string, number>[] {
  const entries = Object.entries(flags.sizes ?? {});
  if (!entries.length) return [nameTable({})];
  const rows = Math.max(...entries.map(([, v]) => v.length));
  return Array.from({ length: rows }, (_, i) => nameTable(Object.fromEntries(entries.map(([k, v]) => [k, v[Math.min(i, v.length - 1)]!]))));
}

function checkSizes(spec: GoldenSpec): void {
  for (const b of spec.buffers) {
    if (Number(b.count) > MAX_ELEMENTS)
      throw new LaunchUnknown(`buffer ${b.name} has ${b.count} elements, too many for the emulator (at most ${MAX_ELEMENTS}); give smaller sizes with --size NAME=VALUE`);
  }
}

/** Specs from the host code: the first host function whose launches of translated kernels can all be sized. */
function fromHost(source: string, filename: string, compiled: CompileKernelsResult, flags: LaunchFlags): DerivedSpecs | undefined {
  const bag = new DiagnosticBag(filename);
  const unit = extractKernelUnit(parseCuda(source).rootNode, source, filename, bag);
  const launchers = unit.hostFunctions.filter((h) => /<<</.test(h.body.text));
  if (!launchers.length) return undefined;
  let firstError: LaunchUnknown | undefined;
  const all: GoldenSpec[] = [];
  const sources: string[] = [];
  const skipped: string[] = [];
  let covered = new Set<string>();
  const callerBuffers: Record<string, string[]> = nameTable({});
  const grewKinds = new Set<string>();
  // every launcher that can be sized is a run of its own; main last, and only for kernels no other launcher covered
  // a launcher given its buffers by its caller comes after main, and only for kernels nothing before sized: sizes the
  // program chose itself say more than c2m's
  const fromCaller = (h: HostFunction) => h.name !== "main" && !h.torch && h.params.some((p) => /\*/.test(p.type)) && !h.params.some((p) => /\b(torch|at)::Tensor\b/.test(p.type));
  const rank = (h: HostFunction) => (fromCaller(h) ? 2 : h.name === "main" ? 1 : 0);
  for (const h of [...launchers].sort((a, b) => rank(a) - rank(b))) {
    if (h.name === "main" && all.length && compiled.kernels.every((k) => covered.has(k.name))) continue;
    const launched = [...h.body.text.matchAll(/\b(\w+)\s*(?:<[^;{}]*?>)?\s*<<</g)].map((m) => m[1]!);
    if (fromCaller(h) && launched.length && launched.every((k) => covered.has(k))) continue;
    try {
      const specs = sizeRows(flags).flatMap((pins, row) => {
        const tensors = h.params.filter((p) => /\b(torch|at)::Tensor\b/.test(p.type));
        const scalars = h.params.filter((p) => !/\b(torch|at)::Tensor\b|\*|&/.test(p.type));
        // a launcher given its buffers by its caller (`run_sgemm(int M, ..., float *A, ...)`): its int
        // parameters are the sizes, its pointers the caller's data, sized by running the original (callerBuffers)
        const pointers =
          h.name !== "main" && !tensors.length && !h.torch ? h.params.filter((p) => /^[^*&]*\*\s*$/.test(p.type.replace(/\b(const|volatile|__restrict__|restrict)\b/g, ""))) : [];
        if (pointers.length && h.params.some((p) => /[*&]/.test(p.type) && !pointers.includes(p)))
          throw new LaunchUnknown(`it takes pointers to pointers or references from its caller, which c2m cannot size`, h.node.startPosition.row + 1);
        const defaults = Object.keys(flags.sizes ?? {}).length || (!tensors.length && !pointers.length) ? [undefined] : pointers.length ? CALLER_SIZES : DEFAULT_SIZES;
        return defaults.map((n, j) => {
          const env = newEnv(pins);
          const lowerBound = unsaidTensors(
            h,
            tensors.filter((t) => pins[t.name] === undefined).map((t) => t.name),
          );
          for (const t of tensors) {
            if (lowerBound.includes(t.name)) env.lowerBound.add(t.name);
            addTensor(env, t.name, defaultShape(pins[t.name] ?? pins.n ?? n ?? DEFAULT_SIZES[0]!, tensorRank(h, t.name)), "float", "input");
            env.initialized.add(t.name);
          }
          for (const p of pointers) {
            const cType = p.type
              .replace(/\b(const|volatile|__restrict__|restrict)\b|\*/g, "")
              .replace(/\s+/g, " ")
              .trim();
            env.pointee.set(p.name, cType);
            env.buffers.set(p.name, { name: p.name, dtype: DTYPE_OF_C[cType] ?? "float32", count: CALLER_FIRST_COUNT, role: "input", cType });
            env.callerData.add(p.name);
          }
          // the launcher's own scalar parameters: --size / --scalar, else 0.5 for a float (an int must be
          // given, unless the caller's pointers make the ints the sizes: then each takes the row's size)
          for (const s of scalars) {
            const int = pointers.length && n !== undefined && !/float|double|half|bool/.test(s.type);
            const v = pins[s.name] ?? flags.scalars?.[s.name] ?? (/float|double/.test(s.type) ? 0.5 : int ? n : undefined);
            if (v !== undefined) env.values.set(s.name, v);
          }
          const read = readHostFunction(h, unit, compiled, env);
          if (!read.length) throw new LaunchUnknown(`${h.name} launches no translated kernel`);
          // a kernel that writes no buffer leaves nothing to compare, and its launch changes no buffer another reads:
          // it is left out (cuda-samples' simpleAssert launches one so that its assert fails, on purpose)
          const launches = read.filter((l) => writesABuffer(compiled, l.kernel));
          if (!launches.length) throw new LaunchUnknown(`it launches only kernels that write no buffer (${[...new Set(read.map((l) => l.kernel))].join(", ")})`);
          const used = new Set(launches.flatMap((l) => l.args.flatMap((a) => ("buffer" in a ? [a.buffer] : []))));
          // the report's label: the sizes given, or else the largest buffer's element count
          const counts = [...env.buffers.values()].filter((b) => used.has(b.name)).map((b) => Number(b.count));
          const label: Record<string, number> = { ...pins, ...(n !== undefined ? { [pointers.length ? "S" : "n"]: n } : {}) };
          if (!Object.keys(label).length && counts.length) label.elements = Math.max(...counts);
          const spec: GoldenSpec = {
            name: `${filename
              .split("/")
              .pop()!
              .replace(/\.\w+$/, "")}_${h.name}_${row}_${j}`.replace(/[^\w]/g, "_"),
            file: filename,
            sizes: [label],
            buffers: finishBuffers(
              [...new Set(env.buffers.values())].filter((b) => used.has(b.name)),
              flags,
            ),
            launches,
          };
          checkSizes(spec);
          const grow = [...pointers.map((p) => p.name), ...lowerBound].filter((b) => used.has(b));
          if (grow.length) callerBuffers[spec.name] = grow;
          if (lowerBound.some((b) => used.has(b))) grewKinds.add("the tensors whose trailing extent it leaves unsaid");
          if (pointers.some((p) => used.has(p.name))) grewKinds.add("the buffers its caller passes");
          return spec;
        });
      });
      all.push(...specs);
      sources.push(`${h.name} (line ${h.node.startPosition.row + 1})`);
      covered = new Set([...covered, ...specs.flatMap((x) => x.launches.map((l) => l.kernel))]);
    } catch (e) {
      if (!(e instanceof LaunchUnknown)) throw e;
      firstError ??= new LaunchUnknown(`${h.name}: ${e.message}`, e.line);
      skipped.push(`${h.name}: ${e.message}`);
    }
  }
  if (!all.length) throw firstError!;
  const notes = skipped.length ? `; not sized: ${skipped.join("; ")}` : "";
  const grown = grewKinds.size ? `; ${[...grewKinds].sort().join(" and ")} sized by running the original (grown where it reads past them)` : "";
  return { specs: all, from: `the launches in ${sources.join(", ")}, read statically${grown}${notes}`, callerBuffers };
}

/** Whether some translation of kernel `name` writes a buffer (an output, an in-place or atomic one): one that does not has no effect to compare. */
function writesABuffer(compiled: CompileKernelsResult, name: string): boolean {
  const copies = compiled.kernels.filter((k) => k.name === name);
  return !copies.length || copies.some((k) => k.params.some((p) => p.kind === "buffer" && p.role !== "input" && p.role !== "unused"));
}

/** Specs from flags alone. */
function fromFlags(filename: string, compiled: CompileKernelsResult, flags: LaunchFlags): DerivedSpecs {
  const k = flags.kernel ? compiled.kernels.find((x) => x.name === flags.kernel) : compiled.kernels.length === 1 ? compiled.kernels[0] : undefined;
  if (!k) throw new LaunchUnknown(flags.kernel ? `no translated kernel ${flags.kernel}` : `the file has ${compiled.kernels.length} kernels: name one with --kernel`);
  const sizeNames = Object.keys(flags.sizes ?? {});
  if (!sizeNames.length) throw new LaunchUnknown("no sizes: give --size NAME=VALUE (and --grid, --block)");
  const unit = extractKernelUnit(parseCuda("").rootNode, "", filename, new DiagnosticBag(filename));
  const specs = sizeRows(flags).map((pins, row) => {
    const env = newEnv(pins);
    const expr = (text: string) => evaluate(parseExpr(text), env, unit);
    const defaultCount = sizeNames.length === 1 ? pins[sizeNames[0]!]! : undefined;
    const buffers: GoldenBuffer[] = [];
    const args: GoldenLaunch["args"] = k.params.map((p) => {
      if (p.kind === "buffer") {
        const count = flags.counts?.[p.name] !== undefined ? expr(flags.counts[p.name]!) : defaultCount;
        if (count === undefined) throw new LaunchUnknown(`how many elements has ${p.name}? give --count ${p.name}=EXPR`);
        // a template type parameter's buffer holds what --template makes it (scalar_t=__half: float16)
        const given = flags.template?.[String(p.dtype)]?.trim();
        const dtype = /^(float|int|uint|bool|bfloat)/.test(String(p.dtype)) ? String(p.dtype) : given ? (DTYPE_OF_C[ATEN_HALVES[given] ?? given] ?? "float32") : "float32";
        buffers.push({ name: p.name, dtype, count, role: p.role === "input" || p.role === "unused" ? "input" : p.role === "output" || p.writeOnly ? "output" : "inout" });
        return { buffer: p.name };
      }
      const v = pins[p.name] ?? flags.scalars?.[p.name] ?? (/float/.test(String(p.dtype)) ? 0.5 : undefined);
      if (v === undefined) throw new LaunchUnknown(`what value has ${p.name}? give --scalar ${p.name}=VALUE or --size ${p.name}=VALUE`);
      return { scalar: v, type: C_OF_DTYPE[String(p.dtype)] ?? "float" };
    });
    const block = [flags.block?.[0] ?? 256, flags.block?.[1] ?? 1, flags.block?.[2] ?? 1] as [number, number, number];
    const grid = flags.grid?.length
      ? ([0, 1, 2].map((i) => (flags.grid![i] ? expr(flags.grid![i]!) : 1)) as [number, number, number])
      : defaultCount !== undefined
        ? ([Math.max(1, Math.ceil(defaultCount / block[0])), 1, 1] as [number, number, number])
        : undefined;
    if (!grid) throw new LaunchUnknown("no grid: give --grid X[,Y,Z] (in blocks)");
    const templateArgs = k.templateParams.length ? k.templateParams.map((t) => flags.template?.[t.name] ?? "") : undefined;
    if (templateArgs?.some((t) => t === "")) throw new LaunchUnknown(`template arguments: give --template ${k.templateParams.map((t) => `${t.name}=...`).join(" ")}`);
    const spec: GoldenSpec = {
      name: `${k.name}_${row}`,
      file: filename,
      sizes: [pins],
      buffers: finishBuffers(buffers, flags),
      launches: [{ kernel: k.name, templateArgs, grid, block, sharedBytes: flags.smem ? expr(flags.smem) : undefined, args }],
    };
    checkSizes(spec);
    return spec;
  });
  return { specs, from: "the flags" };
}

/**
 * The verify specs for a file without a spec: from flags when a grid or a kernel is given, else from
 * its host code, else from flags with defaults. Throws LaunchUnknown (C2M-K021) when none applies.
 */
export function deriveVerifySpecs(source: string, filename: string, compiled: CompileKernelsResult, flags: LaunchFlags): DerivedSpecs {
  if (flags.grid || flags.kernel || flags.counts) return fromFlags(filename, compiled, flags);
  try {
    return fromHost(source, filename, compiled, flags) ?? fromFlags(filename, compiled, flags);
  } catch (e) {
    if (e instanceof LaunchUnknown && flags.sizes && Object.keys(flags.sizes).length) {
      try {
        return fromFlags(filename, compiled, flags);
      } catch {
        // the host code's reason is the more useful one
      }
    }
    throw e;
  }
}
