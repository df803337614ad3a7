/**
 * Pass `kernel-host`: host launchers → Python. A host function that launches kernels (a plain
 * `void launch(float* x, ..., int n)` or a PyTorch extension launcher taking and returning
 * `torch::Tensor`s) becomes a Python function with the same name and arguments: its integer
 * arithmetic, `dim3`s, tensor allocations (`empty_like`, `zeros`, `empty({...}, opts)`) and launches are
 * translated; each launch calls the kernel's Python function with CUDA's grid (blocks) and block
 * (threads), and rebinds the written buffers to the returned arrays. Statements it cannot translate make
 * the whole launcher untranslated (C2M-K008 / K016, located), never silently wrong.
 */
import { parseCuda, type CudaNode } from "../../grammar/cuda.js";
import type { HostFunction, KFunction, KernelUnit } from "../../ir/kernel.js";
import type { DiagnosticBag } from "../../ir/diagnostics.js";
import { reportKernel } from "../../ir/kernel-diagnostics.js";
import { HOST_IGNORED_CALLS, HOST_UNSUPPORTED_CALLS, SCALAR_TYPES } from "./tables.js";
import { calleeName, callArgs, canonicalTypeName, declaratorType, field, fields, kids, named, position, unparen, walk } from "./cst.js";
import { launchSites } from "./extract.js";
import type { KernelAnalysis } from "./buffers.js";
import { pyName, TORCH_DTYPES } from "./host-names.js";
import { hostDeviceHelper } from "./host-device-helper.js";

export { macrosUsed, pyName, pythonMacros } from "./host-names.js";

type VarKind = "int" | "float" | "tensor" | "dim3" | "dtype" | "bool";

export interface LauncherTranslation {
  name: string;
  params: string[];
  lines: string[];
  /** kernels it launches, in order */
  launches: { kernel: string; line: number }[];
}

export class HostUntranslatable extends Error {
  constructor(
    readonly node: CudaNode,
    message: string,
    readonly code = "C2M-K014",
  ) {
    super(message);
  }
}

export interface HostContext {
  unit: KernelUnit;
  analyses: Map<string, KernelAnalysis>;
  /** Python name of each kernel's low-level function */
  kernelFunctionName: (kernel: string) => string;
  /** helper host functions translated to Python (name → def text) */
  helpers: Map<string, string>;
  /** object-like macros used by host code (name → Python value) */
  macros: Map<string, string>;
  bag: DiagnosticBag;
}

export function translateLauncher(h: HostFunction, hctx: HostContext): LauncherTranslation | undefined {
  const vars = new Map<string, VarKind>();
  const params: string[] = [];
  for (const p of h.params) {
    const t = canonicalTypeName(p.type);
    params.push(pyName(p.name));
    vars.set(p.name, /Tensor/.test(t) || /\*/.test(t) ? "tensor" : /float|double|half/.test(t) ? "float" : /bool/.test(t) ? "bool" : "int");
  }
  const tr = new HostTranslator(hctx, vars, h);
  try {
    const lines = tr.block(h.body, 1);
    if (!/^\s*return\b/.test(lines[lines.length - 1] ?? "")) {
      const written = [...tr.written].filter((w) => h.params.some((p) => p.name === w));
      if (written.length) lines.push(`    return ${written.map(pyName).join(", ")}`);
    }
    return { name: pyName(h.name), params, lines, launches: tr.launches };
  } catch (e) {
    if (e instanceof HostUntranslatable) {
      reportKernel(hctx.bag, e.code, position(e.node), `launcher '${h.name}' is not translated: ${e.message}`);
      return undefined;
    }
    throw e;
  }
}

class HostTranslator {
  written = new Set<string>();
  launches: { kernel: string; line: number }[] = [];
  constructor(
    readonly hctx: HostContext,
    readonly vars: Map<string, VarKind>,
    readonly h: HostFunction,
  ) {}

  block(node: CudaNode, depth: number): string[] {
    const out: string[] = [];
    const stmts = node.type === "compound_statement" ? named(node) : [node];
    let lastRow = -1;
    for (const s of stmts) {
      // a comment on the same line as the statement before it stays on that line
      if (s.type === "comment" && s.startPosition.row === lastRow && out.length) {
        out[out.length - 1] += `  #${s.text.replace(/^\/\/|^\/\*|\*\/$/g, "").trimEnd()}`;
        continue;
      }
      out.push(...this.statement(s, depth));
      lastRow = s.endPosition.row;
    }
    return out;
  }

  statement(s: CudaNode, depth: number): string[] {
    const pad = "    ".repeat(depth);
    switch (s.type) {
      case "comment":
        return [`${pad}#${s.text.replace(/^\/\/|^\/\*|\*\/$/g, "").trimEnd()}`];
      case "compound_statement":
        return this.block(s, depth);
      case "declaration":
        return this.declaration(s, depth);
      case "expression_statement": {
        const e = named(s)[0];
        if (!e) return [];
        return this.exprStatement(e, depth);
      }
      case "if_statement": {
        const cond = named(field(s, "condition")!)[0];
        const out = [`${pad}if ${this.expr(cond)}:`, ...this.orPass(this.block(field(s, "consequence")!, depth + 1), depth + 1)];
        const alt = field(s, "alternative");
        if (alt) {
          const altBody = alt.type === "else_clause" ? named(alt)[0] : alt;
          out.push(`${pad}else:`, ...this.orPass(this.block(altBody, depth + 1), depth + 1));
        }
        return out;
      }
      case "for_statement": {
        // for (init; cond; update) body  →  init; while cond: body; update   (no `continue`: it would skip the update)
        if (s.descendantsOfType("continue_statement").length) throw new HostUntranslatable(s, "a host for loop with continue is not translated");
        const init = field(s, "initializer");
        const cond = field(s, "condition");
        const update = field(s, "update");
        const out: string[] = [];
        if (init) out.push(...(init.type === "declaration" ? this.declaration(init, depth) : this.exprStatement(init, depth)));
        out.push(`${pad}while ${cond ? this.expr(cond) : "True"}:`);
        const body = this.block(field(s, "body")!, depth + 1);
        if (update) body.push(...this.exprStatement(update, depth + 1));
        out.push(...this.orPass(body, depth + 1));
        return out;
      }
      case "while_statement": {
        const cond = named(field(s, "condition")!)[0]!;
        return [`${pad}while ${this.expr(cond)}:`, ...this.orPass(this.block(field(s, "body")!, depth + 1), depth + 1)];
      }
      case "break_statement":
        return [`${pad}break`];
      case "return_statement": {
        const v = named(s)[0];
        if (!v) return [`${pad}return`];
        const e = unparen(v);
        if (e.type === "initializer_list")
          return [
            `${pad}return ${named(e)
              .map((x) => this.expr(x))
              .join(", ")}`,
          ];
        if (e.type === "call_expression" && /make_tuple|vector|tuple/.test(field(e, "function")?.text ?? "")) {
          return [
            `${pad}return ${callArgs(e)
              .map((x) => this.expr(x))
              .join(", ")}`,
          ];
        }
        if (e.type === "compound_literal_expression") {
          const list = named(e).find((c) => c.type === "initializer_list");
          if (list)
            return [
              `${pad}return ${named(list)
                .map((x) => this.expr(x))
                .join(", ")}`,
            ];
        }
        return [`${pad}return ${this.expr(v)}`];
      }
      default:
        throw new HostUntranslatable(s, `${s.type.replace(/_/g, " ")} in host code is not translated`);
    }
  }

  orPass(lines: string[], depth: number): string[] {
    return lines.length ? lines : ["    ".repeat(depth) + "pass"];
  }

  declaration(s: CudaNode, depth: number): string[] {
    const pad = "    ".repeat(depth);
    const typeNode = field(s, "type");
    const typeText = typeNode ? canonicalTypeName(typeNode.text) : "auto";
    const out: string[] = [];
    if (/(CUDAGuard|DeviceGuard|cudaStream_t|CUDAStream|cudaEvent_t)$/.test(typeText.replace(/^const /, ""))) {
      return [`${pad}# c2m: dropped ${s.text.replace(/\s+/g, " ").slice(0, 60)} (MLX manages devices and streams)`];
    }
    for (const d of fields(s, "declarator")) {
      const { name } = declaratorType({ kind: "unknown", text: typeText }, d, false);
      if (!name) throw new HostUntranslatable(d, "declaration without a name");
      if (typeText === "dim3") {
        // dim3 b(x, y) / dim3 b = dim3(x, y) / dim3 b = n
        let args: readonly CudaNode[] = [];
        if (d.type === "function_declarator") {
          // `dim3 block(TILE, TILE);` parses as a function declaration (C++'s most vexing parse)
          const dims = named(field(d, "parameters")!).map((p) => this.word(p));
          while (dims.length < 3) dims.push("1");
          this.vars.set(name, "dim3");
          out.push(`${pad}${pyName(name)} = (${dims.join(", ")})`);
          continue;
        }
        if (d.type === "init_declarator") {
          const v = field(d, "value");
          if (v?.type === "argument_list" || v?.type === "initializer_list") args = named(v);
          else if (v?.type === "call_expression" && calleeName(v) === "dim3") args = callArgs(v);
          else if (v) args = [v];
        }
        const dims = args.map((a) => this.expr(a));
        while (dims.length < 3) dims.push("1");
        this.vars.set(name, "dim3");
        out.push(`${pad}${pyName(name)} = (${dims.join(", ")})`);
        continue;
      }
      if (d.type !== "init_declarator") {
        this.vars.set(name, this.kindOfType(typeText));
        out.push(`${pad}${pyName(name)} = 0`);
        continue;
      }
      const v = field(d, "value")!;
      const value = v.type === "argument_list" ? named(v)[0] : v;
      const kind = typeText === "auto" ? this.kindOf(value) : this.kindOfType(typeText);
      this.vars.set(name, kind);
      let text = this.expr(value);
      if (typeText !== "auto" && kind === "int" && this.kindOf(value) === "float") text = `int(${text})`;
      out.push(`${pad}${pyName(name)} = ${text}`);
    }
    return out;
  }

  /** A bare name or number that the parser took for a parameter declaration. */
  word(p: CudaNode): string {
    const t = p.text.trim();
    if (/^\d+$/.test(t)) return t;
    if (this.vars.has(t)) return pyName(t);
    if (this.hctx.macros.has(t)) return t;
    throw new HostUntranslatable(p, `'${t}' in a dim3 is not translated`);
  }

  kindOfType(t: string): VarKind {
    if (/Tensor/.test(t)) return "tensor";
    if (/^(const )?(float|double|half)$/.test(t)) return "float";
    if (/bool/.test(t)) return "bool";
    if (t.endsWith("*")) return "tensor";
    return "int";
  }

  exprStatement(e: CudaNode, depth: number): string[] {
    const pad = "    ".repeat(depth);
    if (e.type === "call_expression") {
      const name = calleeName(e) ?? "";
      if (kids(e).some((c) => c.type === "kernel_call_syntax")) return this.launch(e, depth);
      if (HOST_UNSUPPORTED_CALLS[name]) throw new HostUntranslatable(e, HOST_UNSUPPORTED_CALLS[name], "C2M-K008");
      if (HOST_IGNORED_CALLS.has(name)) return [`${pad}# c2m: dropped ${name}(...) (a CUDA/torch check with no MLX counterpart)`];
      if (/^AT_DISPATCH_/.test(name)) return this.dispatch(e, depth);
      throw new HostUntranslatable(e, `call to '${name || e.text.slice(0, 30)}' in a launcher is not translated`);
    }
    if (e.type === "assignment_expression") {
      const left = unparen(field(e, "left")!);
      if (left.type !== "identifier") throw new HostUntranslatable(e, "assignment to something other than a variable");
      const op = field(e, "operator")!.text;
      const pyOp = op === "/=" && this.kindOf(left) !== "float" ? "//=" : op;
      return [`${pad}${pyName(left.text)} ${pyOp} ${this.expr(field(e, "right")!)}`];
    }
    if (e.type === "update_expression") {
      const arg = unparen(field(e, "argument")!);
      return [`${pad}${pyName(arg.text)} ${field(e, "operator")!.text === "++" ? "+=" : "-="} 1`];
    }
    throw new HostUntranslatable(e, `${e.type.replace(/_/g, " ")} in host code is not translated`);
  }

  /** AT_DISPATCH_FLOATING_TYPES(t.scalar_type(), "name", [&] { ... }): scalar_t is t's dtype. */
  dispatch(e: CudaNode, depth: number): string[] {
    const args = callArgs(e);
    const lambda = args.map((a) => unparen(a)).find((a) => a.type === "lambda_expression");
    if (!lambda || !args[0]) throw new HostUntranslatable(e, "AT_DISPATCH without a lambda body");
    const pad = "    ".repeat(depth);
    this.vars.set("scalar_t", "dtype");
    const body = field(lambda, "body")!;
    return [`${pad}scalar_t = ${this.expr(args[0])}  # AT_DISPATCH: the kernel is instantiated for the tensor's dtype`, ...this.block(body, depth)];
  }

  launch(e: CudaNode, depth: number): string[] {
    const pad = "    ".repeat(depth);
    const site = launchSites(e)[0];
    const kernel = this.hctx.unit.kernels.find((k) => k.name === site.kernel);
    if (!kernel) throw new HostUntranslatable(e, `launch of unknown kernel '${site.kernel}'`);
    const analysis = this.hctx.analyses.get(kernel.name)!;
    // a stream argument is dropped: MLX orders kernels on its own stream
    const [g, b, smem] = site.config;
    const dims = (n: CudaNode | undefined) => {
      if (!n) return "(1, 1, 1)";
      const u = unparen(n);
      if (u.type === "identifier" && this.vars.get(u.text) === "dim3") return pyName(u.text);
      if (u.type === "call_expression" && calleeName(u) === "dim3") {
        const a = callArgs(u).map((x) => this.expr(x));
        while (a.length < 3) a.push("1");
        return `(${a.join(", ")})`;
      }
      if (u.type === "initializer_list") {
        const a = named(u).map((x) => this.expr(x));
        while (a.length < 3) a.push("1");
        return `(${a.join(", ")})`;
      }
      return `(${this.expr(u)}, 1, 1)`;
    };
    const args: string[] = [];
    const targets: string[] = [];
    const typeArgs = new Map<string, string>();
    site.args.forEach((a, i) => {
      const p = kernel.params[i];
      if (!p) throw new HostUntranslatable(a, `too many arguments for kernel '${kernel.name}'`);
      if (p.type.kind === "pointer") {
        const buf = this.bufferName(a);
        args.push(pyName(buf.name));
        if (p.type.pointee.kind === "template" && buf.elem) typeArgs.set(p.type.pointee.name, buf.elem);
        const plan = analysis.buffers.find((x) => x.param === p.name);
        if (plan && plan.role !== "input" && plan.role !== "unused") {
          targets.push(pyName(buf.name));
          this.written.add(buf.name);
        }
      } else {
        args.push(this.expr(a));
      }
    });
    // a parameter the launch leaves out: its default (C2M-K041), else the kernel took it in translation (C2M-K043)
    const missing = kernel.params.slice(site.args.length).find((p) => !p.defaultValue);
    if (missing) {
      const hostConstant = this.hctx.unit.globals.some((g) => g.name === missing.name && /\b__constant__\b/.test(g.node.text));
      const why = hostConstant
        ? `its parameter '${missing.name}' is the __constant__ variable the host fills with cudaMemcpyToSymbol (C2M-K043), and the launcher has no array for it`
        : `it leaves out parameter '${missing.name}'`;
      throw new HostUntranslatable(e, `launch of '${kernel.name}' with ${site.args.length} of its ${kernel.params.length} arguments: ${why}`);
    }
    const tmpl: string[] = [];
    kernel.templateParams.forEach((t, i) => {
      const ta = site.templateArgs[i];
      let v: string | undefined;
      if (ta) v = t.kind === "type" ? this.dtypeOf(ta) : this.expr(ta);
      else if (typeArgs.has(t.name)) v = typeArgs.get(t.name);
      if (!v) throw new HostUntranslatable(e, `template parameter '${t.name}' of '${kernel.name}' cannot be deduced at this launch`, "C2M-K010");
      tmpl.push(`${t.name}=${v}`);
    });
    const kw = [`grid=${dims(g)}`, `block=${dims(b)}`];
    if (smem && smem.text.trim() !== "0") kw.push(`shared_mem=${this.expr(smem)}`);
    const call = `${this.hctx.kernelFunctionName(kernel.name)}(${[...args, ...kw, ...tmpl].join(", ")})`;
    this.launches.push({ kernel: kernel.name, line: e.startPosition.row + 1 });
    if (!targets.length) return [`${pad}${call}`];
    return [`${pad}${targets.join(", ")} = ${call}`];
  }

  /** The buffer a pointer argument names: `x`, `x.data_ptr<float>()`, `(float*)x.data_ptr()`. */
  bufferName(a: CudaNode): { name: string; elem?: string } {
    let e = unparen(a);
    if (e.type === "cast_expression") e = unparen(field(e, "value")!);
    if (e.type === "call_expression" && /^(static_cast|reinterpret_cast)$/.test(calleeName(e) ?? "") && callArgs(e)[0]) e = unparen(callArgs(e)[0]!);
    if (e.type === "identifier" && this.vars.get(e.text) === "tensor") {
      const p = this.h.params.find((x) => x.name === e.text);
      const t = p ? canonicalTypeName(p.type.replace(/\*|const|__restrict__/g, "")) : undefined;
      return { name: e.text, elem: t && SCALAR_TYPES[t] ? `mx.${SCALAR_TYPES[t].mlx}` : undefined };
    }
    if (e.type === "call_expression") {
      const fn = field(e, "function");
      if (fn?.type === "field_expression") {
        const obj = unparen(field(fn, "argument")!);
        const method = field(fn, "field");
        const mname = method?.type === "template_method" ? field(method, "name")?.text : method?.text;
        if (obj.type === "identifier" && /^(data_ptr|data|mutable_data_ptr|const_data_ptr)$/.test(mname ?? "")) {
          const targ = method?.type === "template_method" ? named(field(method, "arguments")!)[0] : undefined;
          return { name: obj.text, elem: targ ? this.dtypeOf(targ) : undefined };
        }
      }
    }
    throw new HostUntranslatable(a, `kernel argument '${a.text}' is not a whole buffer (pointer arithmetic on launch arguments is not translated)`);
  }

  /** A C++ type (as written) → a Python dtype expression. */
  dtypeOf(t: CudaNode): string {
    const name = canonicalTypeName(t.text);
    if (this.vars.get(name) === "dtype") return name;
    const s = SCALAR_TYPES[name];
    if (s) return `mx.${s.mlx}`;
    throw new HostUntranslatable(t, `type '${name}' has no MLX dtype`);
  }

  kindOf(e: CudaNode): VarKind {
    const u = unparen(e);
    switch (u.type) {
      case "number_literal":
        return /[.eE]|[fF]$/.test(u.text) && !/^0[xX]/.test(u.text) ? "float" : "int";
      case "identifier":
        return this.vars.get(u.text) ?? (this.hctx.macros.has(u.text) && /\./.test(this.hctx.macros.get(u.text)!) ? "float" : "int");
      case "binary_expression": {
        const op = field(u, "operator")!.text;
        if (/^(==|!=|<|>|<=|>=|&&|\|\|)$/.test(op)) return "bool";
        const l = this.kindOf(field(u, "left")!);
        const r = this.kindOf(field(u, "right")!);
        return l === "float" || r === "float" ? "float" : "int";
      }
      case "conditional_expression":
        return this.kindOf(field(u, "consequence")!);
      case "cast_expression": {
        const t = canonicalTypeName(field(u, "type")!.text);
        return /float|double|half/.test(t) ? "float" : "int";
      }
      case "call_expression": {
        const name = calleeName(u) ?? "";
        if (/^(torch|at)::/.test(name) || /data_ptr|contiguous|to$/.test(field(u, "function")?.text ?? "")) return "tensor";
        if (/^(static_cast)$/.test(name)) {
          const t = named(field(field(u, "function")!, "arguments")!)[0]?.text ?? "";
          return /float|double|half/.test(t) ? "float" : "int";
        }
        const fn = field(u, "function");
        if (fn?.type === "field_expression" && /^(contiguous|clone|to|view|reshape|flatten)$/.test(field(fn, "field")?.text ?? "")) return "tensor";
        if (fn?.type === "field_expression" && /^(scalar_type|dtype)$/.test(field(fn, "field")?.text ?? "")) return "dtype";
        return "int";
      }
      default:
        return "int";
    }
  }

  expr(e: CudaNode): string {
    switch (e.type) {
      case "number_literal": {
        let t = e.text.replace(/'/g, "");
        if (/^0[xX]/.test(t)) return t.replace(/[uUlL]+$/, "");
        t = t.replace(/[uUlL]+$/, "");
        if (/[.eE]/.test(t)) t = t.replace(/[fF]$/, "");
        if (t.endsWith(".")) t += "0";
        if (t.startsWith(".")) t = "0" + t;
        return t;
      }
      case "true":
        return "True";
      case "false":
        return "False";
      case "identifier": {
        if (this.vars.has(e.text)) return pyName(e.text);
        if (this.hctx.macros.has(e.text)) return e.text;
        throw new HostUntranslatable(e, `unknown name '${e.text}' in host code`);
      }
      case "parenthesized_expression":
        return `(${this.expr(named(e)[0])})`;
      case "binary_expression": {
        const op = field(e, "operator")!.text;
        const l = field(e, "left")!;
        const r = field(e, "right")!;
        const pyOp = op === "&&" ? "and" : op === "||" ? "or" : op === "/" && this.kindOf(l) !== "float" && this.kindOf(r) !== "float" ? "//" : op;
        return `${this.expr(l)} ${pyOp} ${this.expr(r)}`;
      }
      case "unary_expression": {
        const op = field(e, "operator")!.text;
        return op === "!" ? `not ${this.expr(field(e, "argument")!)}` : `${op}${this.expr(field(e, "argument")!)}`;
      }
      case "conditional_expression":
        return `(${this.expr(field(e, "consequence")!)} if ${this.expr(field(e, "condition")!)} else ${this.expr(field(e, "alternative")!)})`;
      case "cast_expression": {
        const t = canonicalTypeName(field(e, "type")!.text);
        const v = this.expr(field(e, "value")!);
        if (/\*/.test(t)) return v;
        return /float|double|half/.test(t) ? `float(${v})` : SCALAR_TYPES[t]?.integer ? `int(${v})` : v;
      }
      case "sizeof_expression": {
        const t = named(e)[0];
        const tn = canonicalTypeName((t?.type === "type_descriptor" ? t.text : (t?.text ?? "")).replace(/[()]/g, ""));
        if (this.vars.get(tn) === "dtype") return `${tn}.size`;
        const s = SCALAR_TYPES[tn];
        if (s) return String(tn === "double" ? 8 : Math.max(1, s.bits / 8));
        throw new HostUntranslatable(e, `sizeof(${tn}) is not known`);
      }
      case "field_expression": {
        const obj = field(e, "argument")!;
        const f = field(e, "field")!.text;
        if (obj.type === "identifier" && this.vars.get(obj.text) === "dim3") return `${pyName(obj.text)}[${"xyz".indexOf(f)}]`;
        throw new HostUntranslatable(e, `member access '${e.text}' in host code is not translated`);
      }
      case "call_expression":
        return this.call(e);
      default:
        throw new HostUntranslatable(e, `${e.type.replace(/_/g, " ")} '${e.text.slice(0, 30)}' in host code is not translated`);
    }
  }

  call(e: CudaNode): string {
    const fn = field(e, "function")!;
    const args = callArgs(e);
    if (fn.type === "field_expression") {
      const obj = field(fn, "argument")!;
      const method = field(fn, "field")!;
      const mname = method.type === "template_method" ? field(method, "name")!.text : method.text;
      const o = this.expr(obj);
      switch (mname) {
        case "size":
          return args.length ? `${o}.shape[${this.expr(args[0])}]` : `${o}.size`;
        case "numel":
          return `${o}.size`;
        case "dim":
        case "ndimension":
          return `${o}.ndim`;
        case "sizes":
          return `${o}.shape`;
        case "scalar_type":
        case "dtype":
          return `${o}.dtype`;
        case "contiguous":
        case "cuda":
        case "clone":
          return mname === "clone" ? `mx.array(${o})` : o;
        case "data_ptr":
        case "data":
          return o;
        case "options":
          return `${o}.dtype`;
        case "element_size":
        case "itemsize":
          return `${o}.itemsize`;
      }
      throw new HostUntranslatable(e, `tensor method '${mname}' in host code is not translated`);
    }
    const name = calleeName(e) ?? "";
    const short = name.replace(/^(std|torch|at|c10)::/, "");
    if (/^(min|max|fmin|fmax|fminf|fmaxf)$/.test(short)) return `${short.replace(/^f|f$/g, "")}(${args.map((a) => this.expr(a)).join(", ")})`;
    if (/^(ceil|floor)$/.test(short)) return `int(__import__("math").${short}(${this.expr(args[0])}))`;
    if (name === "static_cast" || name === "int" || name === "float" || name === "size_t" || name === "int64_t") {
      const t = fn.type === "template_function" ? canonicalTypeName(named(field(fn, "arguments")!)[0].text) : name;
      const v = this.expr(args[0]);
      if (this.vars.get(t) === "dtype") return v;
      return /float|double|half/.test(t) ? `float(${v})` : `int(${v})`;
    }
    if (/^(empty_like|zeros_like|ones_like)$/.test(short)) {
      const init = short === "ones_like" ? "ones_like" : "zeros_like";
      return `mx.${init}(${this.expr(args[0])}${args[1] ? `, dtype=${this.options(args[1])}` : ""})`;
    }
    if (/^(empty|zeros|ones|full)$/.test(short)) {
      const shape = unparen(args[0]);
      const dims = shape.type === "initializer_list" ? named(shape).map((x) => this.expr(x)) : [this.expr(shape)];
      const shapeText = `(${dims.join(", ")}${dims.length === 1 ? "," : ""})`;
      if (short === "full") return `mx.full(${shapeText}, ${this.expr(args[1])}, dtype=${args[2] ? this.options(args[2]) : "mx.float32"})`;
      const init = short === "ones" ? "ones" : "zeros";
      return `mx.${init}(${shapeText}, dtype=${args[1] ? this.options(args[1]) : "mx.float32"})`;
    }
    const macro = this.hctx.unit.macros.find((m) => m.name === name && m.node.type === "preproc_function_def");
    if (macro && this.macroHelper(macro.node)) return `${name}(${args.map((a) => this.expr(a)).join(", ")})`;
    const helper = this.hctx.unit.hostFunctions.find((h) => h.name === name) ?? hostDeviceHelper(this.hctx.unit, name);
    if (helper && this.helper(helper)) return `${pyName(name)}(${args.map((a) => this.expr(a)).join(", ")})`;
    throw new HostUntranslatable(e, `call to '${name || fn.text}' in host code is not translated`);
  }

  /** Tensor options → dtype: `x.options()`, `x.options().dtype(torch::kInt32)`, `torch::dtype(torch::kInt)`. */
  options(e: CudaNode): string {
    const text = e.text;
    const k = text.match(/\bk(\w+)\b/g)?.map((s) => s) ?? [];
    for (const name of k.reverse()) if (TORCH_DTYPES[name]) return `mx.${TORCH_DTYPES[name]}`;
    const m = text.match(/^(\w+)\.options\(\)/);
    if (m && this.vars.get(m[1]) === "tensor") return `${pyName(m[1])}.dtype`;
    if (/^\w+$/.test(text) && this.vars.get(text) === "dtype") return text;
    throw new HostUntranslatable(e, `tensor options '${text}' are not translated`);
  }

  /** A function-like macro `#define CEIL_DIV(a, b) (((a) + (b) - 1) / (b))` used in host code → a Python def (integer arguments). */
  macroHelper(node: CudaNode): boolean {
    const name = field(node, "name")!.text;
    if (this.hctx.helpers.has(name)) return true;
    const params = named(field(node, "parameters")!).map((p) => p.text);
    const value = field(node, "value")?.text.trim();
    if (!value) return false;
    const tree = parseCuda(`int c2m_macro_value = ${value};`);
    const init = tree.rootNode.descendantsOfType("init_declarator")[0];
    const expr = init ? field(init, "value") : null;
    if (!expr || tree.rootNode.hasError) return false;
    const sub = new HostTranslator(this.hctx, new Map(params.map((p) => [p, "int" as VarKind])), this.h);
    const body = sub.expr(expr);
    this.hctx.helpers.set(name, `def ${name}(${params.join(", ")}):\n    return ${body}\n`);
    return true;
  }

  /** A host helper `int cdiv(int a, int b) { return (a + b - 1) / b; }` → a Python def. */
  helper(h: HostFunction): boolean {
    if (this.hctx.helpers.has(h.name)) return true;
    const stmts = named(h.body).filter((s) => s.type !== "comment");
    if (stmts.length !== 1 || stmts[0].type !== "return_statement") return false;
    const vars = new Map<string, VarKind>(h.params.map((p) => [p.name, /float|double/.test(p.type) ? "float" : "int"]));
    const sub = new HostTranslator(this.hctx, vars, h);
    const body = sub.expr(named(stmts[0])[0]);
    this.hctx.helpers.set(h.name, `def ${pyName(h.name)}(${h.params.map((p) => pyName(p.name)).join(", ")}):\n    return ${body}\n`);
    return true;
  }
}

export function kernelsLaunchedBy(h: HostFunction): string[] {
  return launchSites(h.body).map((s) => s.kernel);
}
