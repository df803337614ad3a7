/**
 * The op table (passes/tables/ops.ts) checked against torch: every row has concrete torch calls; each is
 * bound to the row's signature, rendered through the row's MLX template (a small renderer below, following
 * the template language of ir/tables.ts), and evaluated with torch and with MLX in one Python process
 * (test/py/ops_check.py). Results must agree within 1e-5 (exactly for integers and booleans).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parsePython, type SyntaxNode } from "../grammar/python.js";
import { parseSig, renderTemplate } from "../passes/template-render.js";
import { OPS, OP_HELPERS, UNSUPPORTED_OPS, type OpRow } from "../passes/tables/ops.js";
import { packageRoot, pythonExecutable } from "../src/python.js";

// ── a test-side template renderer ───────────────────────────────────────────────────────────────────

type Piece =
  | { kind: "text"; text: string }
  | { kind: "hole"; name: string; star: boolean; spread?: boolean; fallback?: string }
  | { kind: "helper"; name: string }
  | { kind: "optional"; pieces: Piece[] };

function parseTemplate(template: string): Piece[] {
  let pos = 0;
  function pieces(closing?: string): Piece[] {
    const out: Piece[] = [];
    let text = "";
    const flush = () => {
      if (text) out.push({ kind: "text", text });
      text = "";
    };
    while (pos < template.length) {
      const ch = template[pos];
      if (ch === closing) {
        pos++;
        flush();
        return out;
      }
      if (ch === "[") {
        pos++;
        flush();
        out.push({ kind: "optional", pieces: pieces("]") });
      } else if (ch === "{") {
        const end = template.indexOf("}", pos);
        if (end < 0) throw new Error(`unclosed hole in ${template}`);
        const body = template.slice(pos + 1, end);
        pos = end + 1;
        flush();
        if (body.startsWith("@")) out.push({ kind: "helper", name: body.slice(1) });
        else {
          const eq = body.indexOf("=");
          const name = (eq < 0 ? body : body.slice(0, eq)).replace(/^\*/, "").replace(/\.\.\.$/, "");
          const spread = body.startsWith("*") && body.endsWith("...");
          out.push({ kind: "hole", name, star: body.startsWith("*"), spread, ...(eq < 0 ? {} : { fallback: body.slice(eq + 1) }) });
        }
      } else {
        text += ch;
        pos++;
      }
    }
    if (closing) throw new Error(`unclosed [ in ${template}`);
    flush();
    return out;
  }
  return pieces();
}

interface Arg {
  text: string;
  node: SyntaxNode;
}

interface Bound {
  single: Map<string, Arg>;
  star: Map<string, Arg[]>;
}

/** Expression node types that need no parentheses before `.attr`. */
const ATOMS = new Set([
  "identifier",
  "attribute",
  "call",
  "subscript",
  "integer",
  "float",
  "string",
  "true",
  "false",
  "none",
  "list",
  "tuple",
  "parenthesized_expression",
  "dictionary",
]);

function render(template: string, bound: Bound, helpers: Set<string>): string {
  function given(ps: Piece[]): boolean {
    return ps.every((p) => (p.kind === "hole" ? (p.star ? (bound.star.get(p.name)?.length ?? 0) > 0 : bound.single.has(p.name)) : p.kind === "optional" ? true : true));
  }
  function emit(ps: Piece[]): string {
    let out = "";
    ps.forEach((p, n) => {
      if (p.kind === "text") out += p.text;
      else if (p.kind === "helper") {
        helpers.add(p.name);
        out += p.name;
      } else if (p.kind === "optional") {
        if (given(p.pieces)) out += emit(p.pieces);
      } else if (p.star) {
        const args = bound.star.get(p.name) ?? [];
        // torch reads one list or tuple given for varargs as the varargs; MLX takes them spread
        const spread = p.spread && args.length === 1 && (args[0].node.type === "list" || args[0].node.type === "tuple");
        out += spread ? `*${args[0].text}` : args.map((a) => a.text).join(", ");
      } else {
        const arg = bound.single.get(p.name);
        if (!arg) {
          if (p.fallback === undefined) throw new Error(`required argument '${p.name}' missing`);
          out += p.fallback;
          return;
        }
        const next = ps[n + 1];
        const needsParens = next?.kind === "text" && next.text.startsWith(".") && !ATOMS.has(arg.node.type);
        out += needsParens ? `(${arg.text})` : arg.text;
      }
    });
    return out;
  }
  // `f(({*size}))` given one argument passes it as written (`mx.zeros(5)`, `mx.zeros((2, 3))`), also as a later argument (`mx.tile(x, 3)`), see ir/tables.ts
  template = template.replace(/(?<=\(|, )\(\{\*(\w+)\}\)/g, (whole, name: string) => ((bound.star.get(name)?.length ?? 0) === 1 ? `{*${name}}` : whole));
  return emit(parseTemplate(template));
}

/** Bind call arguments to a row signature ("name", "name=default", "*name"), as Python would. */
function bind(sig: string[], positional: Arg[], keywords: Map<string, Arg>): Bound {
  const bound: Bound = { single: new Map(), star: new Map() };
  const params = sig.map((s) => ({ name: s.replace(/^\*/, "").split("=")[0], star: s.startsWith("*") }));
  let n = 0;
  for (const param of params) {
    if (param.star) {
      bound.star.set(param.name, positional.slice(n));
      n = positional.length;
      break;
    }
    if (n < positional.length) bound.single.set(param.name, positional[n++]);
  }
  if (n < positional.length) throw new Error(`too many positional arguments for (${sig.join(", ")})`);
  for (const [name, arg] of keywords) {
    const param = params.find((p) => p.name === name && !p.star);
    if (!param) throw new Error(`unknown keyword argument '${name}' for (${sig.join(", ")})`);
    if (bound.single.has(name)) throw new Error(`argument '${name}' given twice`);
    bound.single.set(name, arg);
  }
  return bound;
}

/** dtype values in argument text: what the translator's name table does for `torch.float16` etc. */
const DTYPES: Record<string, string> = {
  float32: "float32",
  float: "float32",
  float16: "float16",
  half: "float16",
  bfloat16: "bfloat16",
  int64: "int64",
  long: "int64",
  int32: "int32",
  int: "int32",
  int16: "int16",
  int8: "int8",
  uint8: "uint8",
  bool: "bool_",
  complex64: "complex64",
};
function translateArgText(text: string): string {
  return text.replace(/\btorch\.(\w+)\b/g, (all, name: string) => (DTYPES[name] ? `mx.${DTYPES[name]}` : all));
}

const OPERATORS: Record<string, string> = { "@": "Tensor.__matmul__", "//": "Tensor.__floordiv__", "%": "Tensor.__mod__", "**": "Tensor.__pow__" };

function dotted(node: SyntaxNode): string | undefined {
  if (node.type === "identifier") return node.text;
  if (node.type === "attribute") {
    const obj = dotted(node.childForFieldName("object")!);
    return obj === undefined ? undefined : `${obj}.${node.childForFieldName("attribute")!.text}`;
  }
  return undefined;
}

/** A torch call or operator in a syntax node: the callable's table name and its arguments (receiver first). */
function callOf(expr: SyntaxNode): { name: string; positional: SyntaxNode[]; keywords: Map<string, SyntaxNode> } | undefined {
  if (expr.type === "binary_operator") {
    const op = expr.childForFieldName("operator")!.text;
    return OPERATORS[op] ? { name: OPERATORS[op], positional: [expr.childForFieldName("left")!, expr.childForFieldName("right")!], keywords: new Map() } : undefined;
  }
  if (expr.type !== "call") return undefined;
  const fn = expr.childForFieldName("function")!;
  const positional: SyntaxNode[] = [];
  const keywords = new Map<string, SyntaxNode>();
  const full = dotted(fn);
  let name: string;
  if (full && /^(torch|F)\./.test(full)) name = full.replace(/^F\./, "torch.nn.functional.");
  else if (fn.type === "attribute") {
    name = `Tensor.${fn.childForFieldName("attribute")!.text}`;
    positional.push(fn.childForFieldName("object")!);
  } else return undefined;
  if (!OP_OF.has(name)) return undefined;
  for (const a of expr.childForFieldName("arguments")!.namedChildren) {
    if (a.type === "keyword_argument") keywords.set(a.childForFieldName("name")!.text, a.childForFieldName("value")!);
    else if (a.type !== "comment") positional.push(a);
  }
  return { name, positional, keywords };
}

/**
 * Translate an expression the way the translator would: every torch call or operator found in the table
 * is rendered through its row (arguments first); other text is kept. `rows` collects the rows used, outermost first.
 */
function translate(node: SyntaxNode, rows: OpRow[], helpers: Set<string>): string {
  const call = callOf(node);
  if (!call) {
    // keep the text, with translated children spliced in
    let out = "";
    let at = node.startIndex;
    for (const child of node.namedChildren) {
      out += node.text.slice(at - node.startIndex, child.startIndex - node.startIndex) + translate(child, rows, helpers);
      at = child.endIndex;
    }
    return translateArgText(out + node.text.slice(at - node.startIndex));
  }
  const row = OP_OF.get(call.name)!;
  rows.push(row);
  const arg = (n: SyntaxNode): Arg => ({ text: translate(n, rows, helpers), node: n });
  const keywords = new Map([...call.keywords].map(([k, v]) => [k, arg(v)] as const));
  const bound = bind(row.sig, call.positional.map(arg), keywords);
  for (const [param, values] of Object.entries(row.allowed ?? {})) {
    const given = bound.single.get(param);
    // the translator flags such a call (C2M-W003), so it is no evidence for the row
    if (given && !values.includes(given.node.text)) throw new Error(`${node.text} passes ${param}=${given.node.text}, which ${call.name}'s row restricts`);
  }
  if (row.layout === "channels_last") {
    // what the layout pass does: the subject arrives channels-last, the result is moved back for comparison
    const subject = row.subject ?? row.sig[0].replace(/^\*/, "").split("=")[0];
    const a = bound.single.get(subject)!;
    bound.single.set(subject, { text: `mx.moveaxis(${a.text}, 1, -1)`, node: a.node });
  }
  const mlx = render(row.mlx, bound, helpers);
  // the translator's renderer (passes/template-render.ts) must agree with this one on the same argument texts
  // (given the argument texts parenthesised where the template puts `.` after the hole, which it leaves
  // to its caller)
  const beforeDot = (name: string, a: Arg) => (new RegExp(`\\{${name}(=[^}]*)?\\}\\.`).test(row.mlx) && !ATOMS.has(a.node.type) ? `(${a.text})` : a.text);
  const given = new Map<string, string | string[]>();
  for (const [k, v] of bound.single) given.set(k, beforeDot(k, v));
  for (const [k, v] of bound.star)
    if (v.length > 0)
      given.set(
        k,
        v.map((x) => x.text),
      );
  const theirs = renderTemplate(row.mlx, {
    given,
    defaults: new Map(
      parseSig(row.sig)
        .filter((p) => p.default !== undefined)
        .map((p) => [p.name, p.default!]),
    ),
  });
  if (!theirs.ok || theirs.text !== mlx) RENDER_MISMATCHES.push(`${node.text}: ${mlx} vs ${theirs.ok ? theirs.text : `missing ${theirs.missing}`}`);
  return row.layout === "channels_last" ? `mx.moveaxis(${mlx}, -1, 1)` : mlx;
}

/** Cases where passes/template-render.ts renders a row differently from the renderer above. */
const RENDER_MISMATCHES: string[] = [];

/** The torch callable a source's outermost call is (for the renderer unit test). */
function analyseCall(source: string): { name: string; positional: Arg[]; keywords: Map<string, Arg> } {
  const expr = parsePython(source).rootNode.namedChildren[0]?.namedChildren[0];
  const call = expr && callOf(expr);
  if (!call) throw new Error(`no table call in ${source}`);
  const arg = (n: SyntaxNode): Arg => ({ text: translateArgText(n.text), node: n });
  return { name: call.name, positional: call.positional.map(arg), keywords: new Map([...call.keywords].map(([k, v]) => [k, arg(v)] as const)) };
}

// ── the cases ───────────────────────────────────────────────────────────────────────────────────────
// Inputs (test/py/ops_check.py): a, b, p (positive), u (in (-0.9, 0.9)), g (> 1), uniq (distinct values):
// float (2, 3, 4); m, n: bool (2, 3, 4); i, k: int (2, 3, 4); c (3, 4), d (4, 5), v, w (4,); s1 (2, 1, 4);
// x3 (2, 4, 9), x4 (2, 4, 6, 7), x5 (1, 2, 4, 5, 6) channels-first images with conv weights w3, w4, w4g
// (groups 2), w4e (even kernel), w5, biases bias5, bias3; attention q, kk, vv (2, 2, 5, 8), kl/vl (7 keys),
// kg/vg (1 head); bmask, fmask (5, 5); logits (4, 5) labels, ilabels (with -100), probs, classw;
// logits3 (2, 5, 3) labels3; emb (10, 3) tok; z complex (3,); r2 (3, 2); seq sorted, vals; sq (3, 3), bsq.

type Case = string | { src: string; check: "shape" | "normal" | "uniform" | "randint" | "runs"; low?: number; high?: number };

const CASES: Record<string, Case[]> = {
  "Tensor.view": ["a.view(6, 4)", "a.view(-1)", "a.view((4, 6))", "(a + b).view(4, 6)"],
  "torch.reshape": ["torch.reshape(a, (3, 8))", "torch.reshape(a + b, (-1, 2))"],
  "Tensor.reshape": ["a.reshape(2, 12)"],
  "Tensor.view_as": ["a.view_as(torch.zeros(6, 4))"],
  "Tensor.permute": ["a.permute(2, 0, 1)", "a.permute((1, 2, 0))"],
  "torch.permute": ["torch.permute(a, (2, 1, 0))"],
  "Tensor.transpose": ["a.transpose(0, 2)", "a.transpose(-1, -2)"],
  "torch.transpose": ["torch.transpose(a, 1, 2)"],
  "torch.swapaxes": ["torch.swapaxes(a, 0, 1)"],
  "torch.t": ["torch.t(c)", "c.t()", "v.t()"],
  "torch.movedim": ["torch.movedim(a, 0, -1)", "a.movedim(2, 0)"],
  "Tensor.contiguous": ["a.contiguous()"],
  "torch.flatten": ["torch.flatten(a)", "torch.flatten(a, 1)", "a.flatten(start_dim=0, end_dim=1)", "torch.flatten(x4, 2)"],
  "torch.unflatten": ["torch.unflatten(a, 2, (2, 2))", "a.unflatten(1, (3, 1))", "a.unflatten(-1, (-1, 2))"],
  "torch.unsqueeze": ["torch.unsqueeze(a, 0)", "a.unsqueeze(-1)", "a.unsqueeze(1)"],
  // an axis whose size is not 1 stays, in torch (MLX's squeeze raises): pixart's `hidden_states.squeeze(1)`
  "torch.squeeze": ["torch.squeeze(s1)", "s1.squeeze(1)", "s1.squeeze(dim=1)", "a.squeeze(1)", "s1.squeeze((0, 1))", "torch.squeeze(a, -1)"],
  "Tensor.expand": ["s1.expand(2, 3, 4)", "s1.expand(-1, 5, -1)", "v.expand(3, 4)", "s1.expand((2, 2, 4))", "v.expand(2, 3, -1)"],
  "torch.broadcast_to": ["torch.broadcast_to(v, (3, 4))"],
  "Tensor.expand_as": ["s1.expand_as(a)"],
  "torch.broadcast_tensors": ["torch.broadcast_tensors(s1, a)"],
  "Tensor.repeat": ["c.repeat(2, 3)", "v.repeat(3)", "c.repeat(2, 1, 2)", "c.repeat((1, 2))"],
  "torch.tile": ["torch.tile(c, (2, 1))", "c.tile((2,))"],
  "torch.repeat_interleave": ["torch.repeat_interleave(c, 2)", "c.repeat_interleave(3, dim=1)", "torch.repeat_interleave(c, 2, 0)"],
  "torch.cat": ["torch.cat([a, b], dim=1)", "torch.cat((a, b))", "torch.cat([a, b, a], -1)"],
  "torch.concat": ["torch.concat([c, c], 0)"],
  "torch.stack": ["torch.stack([a, b])", "torch.stack((a, b), dim=-1)", "torch.stack([v, w], 1)"],
  "torch.split": ["torch.split(a, 2, dim=2)", "torch.split(a, [1, 3], 2)", "torch.split(a, 3)", "torch.split(c, 2)"],
  "Tensor.split": ["a.split(2, -1)", "c.split([1, 1, 1])", "a.split([2, 1], dim=1)", "a.split(split_size=[2, 1], dim=1)"],
  "torch.split_with_sizes": ["torch.split_with_sizes(a, [1, 3], 2)", "a.split_with_sizes([2, 1], dim=1)", "a.split_with_sizes((1, 1, 1), -2)"],
  // torchvision's MViT: class_token, x = torch.tensor_split(x, indices=(1,), dim=2)
  "torch.tensor_split": [
    "torch.tensor_split(a, 3, dim=2)",
    "torch.tensor_split(a, (1,), 1)",
    "torch.tensor_split(a, indices=(1, 3), dim=2)",
    "a.tensor_split(sections=2)",
    "torch.tensor_split(x3, 4, dim=2)",
  ],
  "torch.chunk": ["torch.chunk(a, 2, dim=2)", "torch.chunk(c, 2)", "torch.chunk(x3, 4, dim=2)"],
  "Tensor.chunk": ["a.chunk(3, 1)", "x3.chunk(2, -1)", "a.chunk(4, dim=-1)"],
  "torch.unbind": ["torch.unbind(a)", "a.unbind(1)", "a.unbind(dim=-1)"],
  "torch.narrow": ["torch.narrow(a, 2, 1, 2)", "a.narrow(-1, 0, 3)", "a.narrow(1, -2, 2)"],
  "torch.select": ["torch.select(a, 1, 2)", "a.select(2, -1)", "a.select(-1, 0)"],
  "torch.flip": ["torch.flip(a, (0, 2))", "torch.flip(a, [2])", "torch.flip(a, dims=[1])"],
  "Tensor.flip": ["a.flip(1)", "a.flip(0, 1)", "a.flip((0, 2))"],
  "torch.fliplr": ["torch.fliplr(c)"],
  "torch.flipud": ["torch.flipud(c)"],
  "torch.roll": ["torch.roll(a, 1, 2)", "torch.roll(a, 2)", "a.roll((1, -1), (0, 2))", "a.roll(shifts=3, dims=-1)"],
  "Tensor.size": ["a.size()", "a.size(1)", "a.size(-1)", "a.size(dim=0)"],
  "Tensor.dim": ["a.dim()", "v.ndimension()"],
  "torch.numel": ["torch.numel(a)", "a.numel()", "c.nelement()"],
  "Tensor.element_size": ["a.element_size()", "half.element_size()"],

  "Tensor.to": ["a.to(torch.float16)", "a.to(dtype=torch.float16)", "a.to('cpu')", "a.to('cpu', torch.int32)", "i.to(a)", "a.to(device='cpu')"],
  "Tensor.type_as": ["i.type_as(a)", "a.type_as(half)"],
  "Tensor.type": ["a.type(torch.int32)"],
  "Tensor.float": ["i.float()", "half.float()"],
  "Tensor.half": ["a.half()"],
  "Tensor.bfloat16": ["a.bfloat16()"],
  "Tensor.long": ["(a * 3).long()", "i.long()"],
  "Tensor.int": ["(a * 3).int()"],
  "Tensor.short": ["i.short()"],
  "Tensor.char": ["i.char()"],
  "Tensor.byte": ["k.byte()"],
  "Tensor.bool": ["i.bool()", "a.bool()"],
  "Tensor.cpu": ["a.cpu()"],
  "Tensor.detach": ["a.detach()"],
  "torch.clone": ["torch.clone(a)", "a.clone()"],
  "torch.autograd.Variable": ["torch.autograd.Variable(a)"],
  "Tensor.item": ["a.sum().item()", "i.max().item()"],
  "Tensor.tolist": ["c.tolist()", "j.tolist()"],
  "Tensor.numpy": ["a.numpy()"],
  "torch.is_tensor": ["torch.is_tensor(a)", "torch.is_tensor(3)"],
  "torch.nn.modules.utils._single": ["torch.nn.modules.utils._single(3)", "torch.nn.modules.utils._single([2])"],
  "torch.nn.modules.utils._pair": ["torch.nn.modules.utils._pair(3)", "torch.nn.modules.utils._pair((1, 2))", "torch.nn.modules.utils._pair([0, 4])"],
  "torch.nn.modules.utils._triple": ["torch.nn.modules.utils._triple(1)", "torch.nn.modules.utils._triple((1, 2, 3))"],
  "torch.nn.modules.utils._quadruple": ["torch.nn.modules.utils._quadruple(0)"],
  // a 2-D weight here: a conv weight's fans are checked on MLX's layout in construction-idioms.test.ts
  "torch.nn.init._calculate_fan_in_and_fan_out": ["torch.nn.init._calculate_fan_in_and_fan_out(c)"],
  // a device is its name in MLX: what survives of it is the name
  "torch.device": ['a * len(str(torch.device("cpu")))'],
  "torch.is_floating_point": ["torch.is_floating_point(a)", "i.is_floating_point()"],

  "torch.tensor": ["torch.tensor([1.0, 2.0])", "torch.tensor([[1, 2], [3, 4]])", "torch.tensor([1, 2], dtype=torch.float32)", "torch.tensor(True)"],
  "torch.as_tensor": ["torch.as_tensor([0.5, 1.5])"],
  "torch.from_numpy": ["torch.from_numpy(np.ones((2, 2), dtype=np.float32))"],
  "torch.scalar_tensor": ["torch.scalar_tensor(3.5)", "torch.scalar_tensor(2)", "torch.scalar_tensor(7, dtype=torch.int32)"],
  "torch.utils.checkpoint.checkpoint": [
    "torch.utils.checkpoint.checkpoint(lambda t: t * 2 + 1, a, use_reentrant=False)",
    "torch.utils.checkpoint.checkpoint(lambda u, v: u * v, a, b, use_reentrant=False)",
  ],
  "torch.zeros": ["torch.zeros(2, 3)", "torch.zeros((2, 3))", "torch.zeros(5)", "torch.zeros(2, 3, dtype=torch.int32)", "torch.zeros([4])"],
  "torch.ones": ["torch.ones(2, 3)", "torch.ones((1, 4), dtype=torch.bool)"],
  "torch.Tensor": [{ src: "torch.Tensor(2, 3)", check: "shape" }, "torch.Tensor([1.5, 2.0])", { src: "torch.Tensor(4).uniform_()", check: "uniform", low: 0, high: 1 }],
  "torch.LongTensor": [{ src: "torch.LongTensor(3)", check: "shape" }, "torch.LongTensor([1, 2, 3])"],
  "torch.empty": [
    { src: "torch.empty(2, 3)", check: "shape" },
    { src: "torch.empty((4,), dtype=torch.int64)", check: "shape" },
  ],
  "torch.full": ["torch.full((2, 3), 1.5)", "torch.full((2,), 7)", "torch.full((2, 2), 0.5, dtype=torch.float16)", "torch.full((3,), True)"],
  "torch.zeros_like": ["torch.zeros_like(a)", "torch.zeros_like(i)", "torch.zeros_like(a, dtype=torch.int32)"],
  "torch.ones_like": ["torch.ones_like(a)", "torch.ones_like(m, dtype=torch.float32)"],
  "torch.empty_like": [{ src: "torch.empty_like(a)", check: "shape" }],
  "torch.full_like": ["torch.full_like(a, 2.5)", "torch.full_like(i, 3)", "torch.full_like(a, 2, dtype=torch.int32)"],
  "torch.randn_like": [{ src: "torch.randn_like(torch.zeros(100, 100))", check: "normal" }],
  "torch.rand_like": [{ src: "torch.rand_like(a)", check: "uniform", low: 0, high: 1 }],
  "Tensor.new_zeros": ["a.new_zeros(2, 3)", "i.new_zeros((2,))", "a.new_zeros((2, 2), dtype=torch.int32)"],
  "Tensor.new_ones": ["a.new_ones(3)", "half.new_ones((2, 2))"],
  "Tensor.new_empty": [{ src: "a.new_empty((2, 3))", check: "shape" }],
  "Tensor.new_full": ["a.new_full((2, 3), 4.0)", "i.new_full((2,), 3)"],
  "Tensor.new_tensor": ["a.new_tensor([1, 2])", "i.new_tensor([1, 2])"],
  "torch.arange": [
    "torch.arange(0, 1, 0.1)",
    "torch.arange(-1, 1, 0.3)",
    "torch.arange(0.5, 3)",
    "torch.arange(5)",
    "torch.arange(1, 7)",
    "torch.arange(0, 10, 3)",
    "torch.arange(0, 1, 0.25)",
    "torch.arange(4, dtype=torch.float32)",
    "torch.arange(2, 8, step=2)",
  ],
  "torch.linspace": ["torch.linspace(0, 1, 1)", "torch.linspace(0, 1, 5)", "torch.linspace(-2, 2, steps=9)"],
  "torch.eye": ["torch.eye(3)", "torch.eye(2, 4)", "torch.eye(3, dtype=torch.int32)"],
  "torch.randn": [
    { src: "torch.randn(100, 100)", check: "normal" },
    { src: "torch.randn((50, 40))", check: "normal" },
    { src: "torch.randn(2, 3, dtype=torch.float16)", check: "shape" },
  ],
  "torch.rand": [
    { src: "torch.rand(20, 30)", check: "uniform", low: 0, high: 1 },
    { src: "torch.rand((4,))", check: "uniform", low: 0, high: 1 },
  ],
  "torch.randint": [
    { src: "torch.randint(3, 9, (50,))", check: "randint", low: 3, high: 9 },
    { src: "torch.randint(5, (4, 4))", check: "randint", low: 0, high: 5 },
  ],
  "torch.bernoulli": [{ src: "torch.bernoulli(torch.rand(50, 50))", check: "randint", low: 0, high: 2 }, "torch.bernoulli(torch.ones(3, 4))", "torch.bernoulli(torch.zeros(3))"],
  "torch.randperm": [{ src: "torch.randperm(10)", check: "randint", low: 0, high: 10 }, "torch.randperm(10).sort()[0]"],
  "torch.multinomial": [
    { src: "torch.multinomial(probs, 3, replacement=True)", check: "randint", low: 0, high: 5 },
    { src: "probs.multinomial(1)", check: "randint", low: 0, high: 5 },
    "torch.multinomial(F.one_hot(cls, 4).float(), 1)",
    "torch.multinomial(torch.tensor([[0.0, 1.0, 0.0, 1.0, 0.0]]), 2).sort()[0]",
    "torch.multinomial(probs, 5).sort()[0]",
  ],
  "torch.manual_seed": [{ src: "torch.manual_seed(0)", check: "runs" }],
  "torch.meshgrid": [
    "torch.meshgrid(v, w, indexing='ij')",
    "torch.meshgrid(torch.arange(3), torch.arange(2), indexing='xy')",
    "torch.meshgrid([v, w], indexing='ij')",
    "torch.stack(torch.meshgrid((torch.arange(3), torch.arange(2)), indexing='ij'))",
  ],
  "torch.tril": ["torch.tril(sq)", "bsq.tril(1)", "torch.tril(c, diagonal=-1)"],
  "torch.triu": ["torch.triu(sq)", "bsq.triu(-1)", "c.triu(diagonal=1)"],
  "torch.diag": ["torch.diag(v)", "torch.diag(sq)", "sq.diag(1)"],
  "torch.diagonal": ["torch.diagonal(sq)", "bsq.diagonal(0, 1, 2)", "c.diagonal(offset=1)"],
  "torch.trace": ["torch.trace(sq)", "c.trace()"],

  "torch.add": ["torch.add(a, b)", "a.add(2.0)", "torch.add(a, b, alpha=1)"],
  "torch.sub": ["torch.sub(a, b)", "a.subtract(1)"],
  "torch.mul": ["torch.mul(a, b)", "a.mul(3)", "torch.multiply(i, k)"],
  "torch.div": ["torch.div(a, b)", "a.div(2)", "torch.div(i, k)", "torch.true_divide(i, 2)", "i.divide(k)"],
  "torch.floor_divide": ["torch.floor_divide(i, k)", "torch.floor_divide(a, 0.3)", "i // k", "a // 0.5"],
  "torch.remainder": ["torch.remainder(i, k)", "torch.remainder(i, -3)", "a % 0.7", "i.remainder(3)"],
  "torch.pow": ["torch.pow(2, a)", "torch.pow(p, 1.5)", "p.pow(b)", "a ** 2", "torch.pow(k, 2)"],
  "torch.maximum": ["torch.maximum(nanv, torch.zeros(5))", "torch.maximum(a, b)", "i.maximum(k)"],
  "torch.minimum": ["torch.minimum(a, b)"],
  "torch.atan2": ["torch.atan2(a, b)", "a.atan2(b)"],
  "torch.logaddexp": ["torch.logaddexp(a, b)"],
  "torch.lerp": ["torch.lerp(a, b, 0.3)", "a.lerp(b, p)"],
  "torch.addcmul": ["torch.addcmul(a, b, p)", "a.addcmul(b, p, value=0.5)"],
  "torch.addcdiv": ["torch.addcdiv(a, b, p)", "a.addcdiv(b, p, value=-2)"],
  "torch.abs": ["torch.abs(a)", "i.abs()", "torch.absolute(a)"],
  "torch.neg": ["torch.neg(a)", "torch.negative(i)", "a.neg()"],
  "torch.exp": ["torch.exp(a)", "a.exp()"],
  "torch.exp2": ["torch.exp2(a)"],
  "torch.expm1": ["torch.expm1(a)"],
  "torch.log": ["torch.log(p)", "p.log()"],
  "torch.log2": ["torch.log2(p)"],
  "torch.log10": ["torch.log10(p)"],
  "torch.log1p": ["torch.log1p(p)"],
  "torch.sqrt": ["torch.sqrt(p)", "p.sqrt()"],
  "torch.rsqrt": ["torch.rsqrt(p)", "p.rsqrt()"],
  "torch.square": ["torch.square(a)", "i.square()"],
  "torch.reciprocal": ["torch.reciprocal(p)"],
  "torch.sin": ["torch.sin(a)"],
  "torch.cos": ["torch.cos(a)", "a.cos()"],
  "torch.tan": ["torch.tan(u)"],
  "torch.asin": ["torch.asin(u)", "torch.arcsin(u)"],
  "torch.acos": ["torch.acos(u)"],
  "torch.atan": ["torch.atan(a)"],
  "torch.sinh": ["torch.sinh(a)"],
  "torch.cosh": ["torch.cosh(a)"],
  "torch.asinh": ["torch.asinh(a)"],
  "torch.acosh": ["torch.acosh(g)"],
  "torch.atanh": ["torch.atanh(u)"],
  "torch.erf": ["torch.erf(a)", "torch.special.erf(a)"],
  "torch.erfinv": ["torch.erfinv(u)"],
  "torch.floor": ["torch.floor(a * 3)"],
  "torch.ceil": ["torch.ceil(a * 3)"],
  "torch.trunc": ["torch.trunc(a * 3)", "torch.fix(a * 3)"],
  "torch.round": ["torch.round(a * 3)", "torch.round(torch.tensor([0.5, 1.5, 2.5, -0.5, -1.5]))", "torch.round(a, decimals=2)"],
  "torch.sign": ["torch.sign(a)", "i.sign()"],
  "torch.isnan": ["torch.isnan(nanv)"],
  "torch.isinf": ["torch.isinf(nanv)"],
  "torch.isfinite": ["torch.isfinite(nanv)"],
  "torch.nan_to_num": ["torch.nan_to_num(nanv)", "nanv.nan_to_num(nan=1.0, posinf=9.0)"],
  "torch.clamp": ["torch.clamp(nanv, -1, 1)", "torch.clamp(a, 0.5, -0.5)", "torch.clamp(a, -0.5, 0.5)", "a.clamp(min=0)", "a.clip(max=0.2)", "torch.clamp(a, b, p)"],
  "torch.clamp_min": ["torch.clamp_min(a, 0.1)", "a.clamp_min(0)"],
  "torch.clamp_max": ["torch.clamp_max(a, 0.1)"],
  "torch.masked_fill": [
    "torch.masked_fill(a, m, 0.0)",
    "a.masked_fill(m, float('-inf'))",
    "i.masked_fill(m, 7)",
    "i.masked_fill(m, 2.5)",
    "half.masked_fill(half > 0, torch.tensor(1.5))",
  ],
  "torch.where": ["torch.where(m, a, b)", "torch.where(a > 0, a, 0.0)", "torch.where(m, 1.0, a)"],
  "Tensor.where": ["a.where(m, b)"],

  "torch.eq": ["torch.eq(i, k)", "i.eq(1)"],
  "torch.ne": ["torch.ne(i, k)", "i.ne(0)"],
  "torch.lt": ["torch.lt(a, b)", "a.lt(0)"],
  "torch.le": ["torch.le(i, k)"],
  "torch.gt": ["torch.gt(a, b)", "torch.greater(a, 0.5)"],
  "torch.ge": ["torch.ge(i, k)"],
  "torch.logical_and": ["torch.logical_and(m, n)", "m.logical_and(n)"],
  "torch.logical_or": ["torch.logical_or(m, n)"],
  "torch.logical_xor": ["torch.logical_xor(m, n)"],
  "torch.logical_not": ["torch.logical_not(m)", "m.logical_not()"],
  "torch.bitwise_and": ["torch.bitwise_and(i, k)", "m.bitwise_and(n)"],
  "torch.bitwise_or": ["torch.bitwise_or(i, k)"],
  "torch.bitwise_xor": ["torch.bitwise_xor(i, k)"],
  "torch.isclose": ["torch.isclose(a, a + 1e-7)", "torch.isclose(a, b, atol=1.0)"],
  "torch.allclose": ["torch.allclose(a, a + 1e-7)", "a.allclose(b)"],
  "torch.equal": ["torch.equal(a, a)", "i.equal(k)"],

  "torch.sum": ["torch.sum(a)", "a.sum(1)", "a.sum(dim=(0, 2), keepdim=True)", "torch.sum(m)", "i.sum(-1)", "a.sum(1, dtype=torch.float16)"],
  "torch.mean": ["torch.mean(a)", "a.mean(-1)", "a.mean((1, 2), keepdim=True)", "torch.mean(a, dim=0)"],
  "torch.prod": ["torch.prod(a)", "a.prod(1)", "k.prod(2, keepdim=True)"],
  "torch.var": ["torch.var(a)", "a.var(1)", "a.var(-1, keepdim=True, unbiased=False)", "torch.var(a, dim=(0, 2), correction=0)", "a.var(False)", "a.var(dim=1, correction=2)"],
  "torch.std": ["torch.std(a)", "a.std(1)", "a.std(-1, unbiased=False, keepdim=True)", "torch.std(a, 0, True)", "a.std(dim=2, correction=0)"],
  "torch.amax": ["torch.amax(a, 1)", "a.amax(dim=(0, 2))"],
  "torch.amin": ["torch.amin(a, -1, keepdim=True)"],
  "torch.max": [
    "torch.max(nanv)",
    "torch.max(torch.tensor([[1, 3, 3]]), 1)",
    "torch.max(uniq)",
    "torch.max(uniq, 1)",
    "uniq.max(dim=-1, keepdim=True)",
    "torch.max(a, b)",
    "uniq.max(1)[0]",
    "uniq.max(2).values",
    "uniq.max(0).indices",
    "a.max(other=b)",
  ],
  "torch.min": ["torch.min(uniq)", "torch.min(uniq, 2)", "uniq.min(dim=0, keepdim=True)", "torch.min(a, b)", "uniq.min(-1)[1]"],
  "torch.argmax": ["torch.argmax(nanv)", "torch.argmax(torch.tensor([1, 3, 3]))", "torch.argmax(uniq)", "uniq.argmax(1)", "uniq.argmax(dim=-1, keepdim=True)"],
  "torch.argmin": ["torch.argmin(uniq)", "uniq.argmin(0)", "torch.argmin(uniq, dim=2, keepdim=True)"],
  "torch.all": ["torch.all(m)", "m.all(1)", "torch.all(m, dim=-1, keepdim=True)", "(a > -10).all()"],
  "torch.any": ["torch.any(m)", "m.any(0)", "torch.any(m, dim=2)"],
  "torch.histc": [
    "torch.histc(a, bins=4, min=-1, max=1)",
    "torch.histc(uniq, bins=5, min=0, max=23)",
    "uniq.histc(6, 0, 11)",
    "torch.histc(a)",
    "torch.histc(torch.ones(3), bins=3)",
  ],
  "torch.median": ["torch.median(uniq)", "uniq.median(1)", "torch.median(uniq, dim=-1, keepdim=True)", "torch.median(c)", "uniq.median(2).values", "torch.median(uniq, 0)[1]"],
  "torch.logsumexp": ["torch.logsumexp(a, 1)", "a.logsumexp(-1, keepdim=True)", "torch.logsumexp(a, dim=(0, 2))"],
  "torch.count_nonzero": ["torch.count_nonzero(i)", "m.count_nonzero(1)"],
  "torch.norm": [
    "torch.norm(a)",
    "a.norm(dim=1)",
    "torch.norm(a, 1, dim=-1)",
    "a.norm(p=3, dim=2, keepdim=True)",
    "torch.norm(a, float('inf'))",
    "a.norm(2, -1)",
    "torch.norm(a, p='fro', dim=(1, 2))",
  ],
  "torch.linalg.vector_norm": ["torch.linalg.vector_norm(a)", "torch.linalg.vector_norm(a, 1, dim=-1)", "torch.linalg.vector_norm(a, ord=0.5, dim=(0, 1))"],
  "torch.cumsum": ["torch.cumsum(a, 1)", "a.cumsum(dim=-1)", "i.cumsum(0)", "a.cumsum(2, dtype=torch.float16)"],
  "torch.cumprod": ["torch.cumprod(u, 2)", "k.cumprod(dim=1)"],
  "torch.diff": ["torch.diff(a)", "a.diff(dim=1)", "torch.diff(a, n=2, dim=2)"],
  "torch.logcumsumexp": ["torch.logcumsumexp(a, 1)"],
  "torch.unique": [
    "torch.unique(torch.tensor([3, 1, 3, 1, 2]))",
    "torch.unique(uniq, return_inverse=True, return_counts=True)",
    "uniq.unique(return_counts=True)",
    "torch.unique(torch.round(a * 2))",
  ],
  "torch.sort": [
    "torch.sort(nanv)",
    "torch.sort(nanv, descending=True)",
    "m.sort(-1)[0]",
    "torch.sort(torch.tensor([3, 1, 3, 1, 2]), descending=True)",
    "torch.sort(uniq)",
    "uniq.sort(1)",
    "uniq.sort(dim=0, descending=True)",
    "torch.sort(uniq, -1, True)[0]",
    "uniq.sort(descending=True).indices",
  ],
  "torch.argsort": [
    "torch.argsort(nanv, descending=True)",
    "torch.argsort(torch.tensor([3, 1, 3, 1, 2]), stable=True)",
    "torch.argsort(uniq)",
    "uniq.argsort(1)",
    "torch.argsort(uniq, dim=-1, descending=True)",
  ],
  "torch.topk": [
    "torch.topk(nanv, 2)",
    "torch.topk(nanv, 2, largest=False)",
    "torch.topk(uniq, 2)",
    "uniq.topk(2, dim=1)",
    "torch.topk(uniq, 3, largest=False)",
    "uniq.topk(1, 0)[1]",
    "uniq.topk(2).values",
  ],

  "torch.gather": ["torch.gather(a, 2, idx)", "a.gather(-1, idx)", "torch.gather(a, 1, torch.tensor([[[0], [2]]]))", "c.gather(0, torch.tensor([[2, 0, 1, 1]]))"],
  "torch.take_along_dim": ["torch.take_along_dim(a, idx, dim=2)"],
  "torch.index_select": ["torch.index_select(a, 1, j)", "a.index_select(-1, j)", "c.index_select(0, j)"],
  "torch.searchsorted": [
    "torch.searchsorted(seq, vals)",
    "torch.searchsorted(seq, vals, side='right')",
    "torch.searchsorted(seq, vals, right=True)",
    "torch.searchsorted(seq, seq, right=True)",
  ],
  "torch.bucketize": ["torch.bucketize(vals, seq)", "torch.bucketize(seq, seq, right=True)", "torch.bucketize(seq, seq)"],
  "torch.scatter": [
    "torch.scatter(a, 2, perm, b)",
    "a.scatter(2, perm, 5.0)",
    "a.scatter(1, torch.tensor([[[2, 0, 1, 1]], [[0, 1, 2, 2]]]), b)",
    "a.scatter(2, perm, value=-1.0)",
    "i.scatter(2, perm, k)",
  ],
  "torch.scatter_add": ["torch.scatter_add(a, 2, idx, b)", "a.scatter_add(0, torch.zeros(1, 3, 4, dtype=torch.long), b)", "a.scatter_add(-1, idx, b)"],
  "torch.index_add": ["torch.index_add(a, 1, j, b)", "a.index_add(1, torch.tensor([0, 0, 2]), b, alpha=2.0)", "c.index_add(0, torch.tensor([1, 1]), torch.ones(2, 4))"],

  "torch.matmul": ["torch.matmul(c, d)", "torch.matmul(bA, bB)", "torch.matmul(c, v)"],
  "torch.mm": ["torch.mm(c, d)", "c.mm(d)"],
  "torch.bmm": ["torch.bmm(bA, bB)", "bA.bmm(bB)"],
  "Tensor.matmul": ["bA.matmul(bB)"],
  "Tensor.__matmul__": ["c @ d", "bA @ bB", "(c + 1) @ d"],
  "torch.einsum": ["torch.einsum('bij,bjk->bik', bA, bB)", "torch.einsum('ij->ji', c)", "torch.einsum('i,i->', v, w)", "torch.einsum('i,i->', [v, w])"],
  "torch.outer": ["torch.outer(v, w)", "torch.ger(v, w)"],
  "torch.inner": ["torch.inner(v, w)", "torch.dot(v, w)", "v.dot(w)"],
  "torch.kron": ["torch.kron(sq, c)"],
  "torch.baddbmm": ["torch.baddbmm(torch.zeros(2, 3, 5), bA, bB)", "torch.baddbmm(bA @ bB, bA, bB, beta=0.5, alpha=2.0)"],
  "torch.addmm": ["torch.addmm(v, c.t(), c)", "torch.addmm(v, c.t(), c, beta=0.5, alpha=2.0)"],
  "torch.nn.functional.linear": ["F.linear(c, torch.ones(2, 4) * 0.5)", "F.linear(a, d.t(), w.sum() + torch.arange(5.0))", "F.linear(v, c)"],

  "torch.polar": ["torch.polar(p, a)"],
  "torch.complex": ["torch.complex(a, b)"],
  "torch.view_as_real": ["torch.view_as_real(z)"],
  "torch.view_as_complex": ["torch.view_as_complex(r2)"],
  "torch.real": ["torch.real(z)"],
  "torch.imag": ["torch.imag(z)"],
  "torch.conj": ["torch.conj(z)", "z.conj()", "torch.conj(a)"],
  "torch.angle": ["torch.angle(z)"],

  "torch.relu": ["F.relu(nanv)", "torch.relu(a)", "F.relu(a)", "a.relu()", "F.relu(a, inplace=False)"],
  "torch.sigmoid": ["torch.sigmoid(a)", "F.sigmoid(a)", "a.sigmoid()"],
  "torch.tanh": ["torch.tanh(a)", "F.tanh(a)"],
  "torch.nn.functional.relu6": ["F.relu6(a * 5)"],
  "torch.nn.functional.gelu": ["F.gelu(a)", "F.gelu(a, approximate='tanh')", "F.gelu(a, approximate='none')"],
  "torch.nn.functional.silu": ["F.silu(a)"],
  "torch.nn.functional.mish": ["F.mish(a)"],
  "torch.nn.functional.softplus": ["F.softplus(a)", "F.softplus(a * 30)"],
  "torch.nn.functional.leaky_relu": ["F.leaky_relu(a)", "F.leaky_relu(a, 0.2)", "F.leaky_relu(a, negative_slope=0.1)"],
  "torch.nn.functional.elu": ["F.elu(a)", "F.elu(a, alpha=0.5)"],
  "torch.nn.functional.selu": ["F.selu(a)", "torch.selu(a)"],
  "torch.nn.functional.celu": ["F.celu(a, alpha=2.0)"],
  "torch.nn.functional.hardswish": ["F.hardswish(a * 4)"],
  "torch.nn.functional.hardsigmoid": ["F.hardsigmoid(a * 4)", "F.hardsigmoid(a - b)"],
  "torch.nn.functional.hardtanh": ["F.hardtanh(a * 2)", "F.hardtanh(a, -0.5, 0.5)"],
  "torch.nn.functional.logsigmoid": ["F.logsigmoid(a * 5)"],
  "torch.nn.functional.softsign": ["F.softsign(a)"],
  "torch.nn.functional.tanhshrink": ["F.tanhshrink(a)"],
  "torch.nn.functional.glu": ["F.glu(a)", "F.glu(x4, dim=1)"],
  "torch.softmax": ["torch.softmax(a, 1)", "a.softmax(-1)", "F.softmax(a, dim=0)", "F.softmax(a, dim=-1, dtype=torch.float16)"],
  "torch.log_softmax": ["torch.log_softmax(a, 1)", "a.log_softmax(dim=-1)", "F.log_softmax(a * 10, dim=2)"],
  "torch.nn.functional.softmin": ["F.softmin(a, dim=1)"],
  "torch.nn.functional.dropout": ["F.dropout(a, 0.5, training=False)", "F.dropout2d(x4, training=False)"],

  "torch.nn.functional.layer_norm": [
    "F.layer_norm(a, (4,))",
    "F.layer_norm(a, (4,), lnw, lnb)",
    "F.layer_norm(a, a.shape[-1:], weight=lnw, eps=1e-3)",
    "F.layer_norm(a, (3, 4), lnw2, lnb2)",
  ],
  "torch.nn.functional.group_norm": ["F.group_norm(x4, 2)", "F.group_norm(x4, 2, ch4, ch4b)", "F.group_norm(x3, 4, ch4, ch4b, eps=1e-3)", "F.group_norm(x4, 1)"],
  "torch.nn.functional.rms_norm": ["F.rms_norm(a, (4,))", "F.rms_norm(a, (4,), lnw, eps=1e-5)", "F.rms_norm(a, (3, 4), lnw2)"],
  "torch.nn.functional.cosine_similarity": [
    "F.cosine_similarity(a, b)",
    "F.cosine_similarity(a, b, dim=-1)",
    "torch.cosine_similarity(c, c * 2, 0)",
    "F.cosine_similarity(a, torch.zeros(2, 3, 4))",
  ],
  "torch.nn.functional.batch_norm": [
    "F.batch_norm(x4, rm, rv)",
    "F.batch_norm(x4, rm, rv, ch4, ch4b, eps=1e-3)",
    "F.batch_norm(x3, rm, rv, weight=ch4)",
    "F.batch_norm(x4, None, None, training=True)",
    "F.batch_norm(x3, None, None, weight=ch4, training=True, eps=1e-3)",
  ],
  "torch.nn.functional.normalize": ["F.normalize(a)", "F.normalize(a, dim=-1)", "F.normalize(a, p=1.0, dim=0)", "F.normalize(torch.zeros(2, 3))"],
  "torch.nn.functional.embedding": ["F.embedding(tok, emb)", "F.embedding(j, emb)"],
  "torch.nn.functional.one_hot": ["F.one_hot(cls)", "F.one_hot(tok, 12)", "F.one_hot(cls, num_classes=5)"],
  "torch.nn.functional.cross_entropy": [
    "F.cross_entropy(logits, labels)",
    "F.cross_entropy(logits, labels, reduction='sum')",
    "F.cross_entropy(logits, labels, reduction='none')",
    "F.cross_entropy(logits, ilabels)",
    "F.cross_entropy(logits, ilabels, weight=classw)",
    "F.cross_entropy(logits, labels, label_smoothing=0.1)",
    "F.cross_entropy(logits, ilabels, weight=classw, label_smoothing=0.2)",
    "F.cross_entropy(logits, probs)",
    "F.cross_entropy(logits3, labels3)",
    "F.cross_entropy(logits[0], labels[0])",
  ],
  "torch.nn.functional.nll_loss": ["F.nll_loss(F.log_softmax(logits, 1), labels)", "F.nll_loss(logits, ilabels, weight=classw)", "F.nll_loss(logits3, labels3, reduction='none')"],
  "torch.nn.functional.mse_loss": ["F.mse_loss(a, b)", "F.mse_loss(a, b, reduction='sum')", "F.mse_loss(a, b, reduction='none')"],
  "torch.nn.functional.l1_loss": ["F.l1_loss(a, b)", "F.l1_loss(a, b, reduction='none')"],
  "torch.nn.functional.smooth_l1_loss": ["F.smooth_l1_loss(a, b)", "F.smooth_l1_loss(a, b, beta=0.5, reduction='sum')"],
  "torch.nn.functional.binary_cross_entropy": [
    "F.binary_cross_entropy(sig, bin)",
    "F.binary_cross_entropy(sig, bin, reduction='none')",
    "F.binary_cross_entropy(sig, bin, weight=sig)",
  ],
  "torch.nn.functional.binary_cross_entropy_with_logits": ["F.binary_cross_entropy_with_logits(logits, bin)", "F.binary_cross_entropy_with_logits(logits, bin, reduction='sum')"],
  "torch.nn.functional.multi_head_attention_forward": [
    "F.multi_head_attention_forward(mq, mk, mv, 8, 2, mw, mb, None, None, False, 0.0, mow, mob, training=False)",
    "F.multi_head_attention_forward(mq, mk, mv, 8, 2, mw, mb, None, None, False, 0.0, mow, mob, training=False, attn_mask=mmask, average_attn_weights=False)",
    "F.multi_head_attention_forward(mq, mk, mv, 8, 2, mw, mb, None, None, False, 0.0, mow, mob, training=False, attn_mask=mfmask, key_padding_mask=mkpm)",
    "F.multi_head_attention_forward(mq, mk, mv, 8, 2, mw, mb, mbk, mbv, True, 0.0, mow, mob, training=False, key_padding_mask=mkpm)",
    "F.multi_head_attention_forward(query=mq[:1], key=mq, value=mq, embed_dim_to_check=8, num_heads=2, q_proj_weight=mwq, k_proj_weight=mwk, v_proj_weight=mwv, in_proj_weight=None, in_proj_bias=mb, bias_k=None, bias_v=None, add_zero_attn=False, dropout_p=0, out_proj_weight=mow, out_proj_bias=mob, use_separate_proj_weight=True, training=False, need_weights=False)",
    "F.multi_head_attention_forward(mq1, mk1, mk1, 8, 2, mw, None, None, None, False, 0.0, mow, None, training=False)",
  ],
  "torch.nn.functional.scaled_dot_product_attention": [
    "F.scaled_dot_product_attention(q, kk, vv)",
    "F.scaled_dot_product_attention(q, kk, vv, is_causal=True)",
    "F.scaled_dot_product_attention(q, kl, vl, is_causal=True)",
    "F.scaled_dot_product_attention(q, kk, vv, attn_mask=bmask)",
    "F.scaled_dot_product_attention(q, kl, vl, attn_mask=fmask @ torch.ones(5, 7))",
    "F.scaled_dot_product_attention(q, kk, vv, fmask, scale=0.3)",
    "F.scaled_dot_product_attention(q, kg, vg, enable_gqa=True)",
    // more than 4 axes (hiera's windowed attention), some broadcast; a query the mask allows no key
    "F.scaled_dot_product_attention(q.view(2, 1, 2, 5, 8), kl.view(2, 1, 2, 7, 8), vl.view(2, 1, 2, 7, 8))",
    "F.scaled_dot_product_attention(q.view(2, 2, 1, 5, 8), kk.view(1, 2, 2, 5, 8)[:, :, :1], vv.view(1, 2, 2, 5, 8)[:, :, :1], attn_mask=bmask)",
    "F.scaled_dot_product_attention(q, kk, vv, attn_mask=bmask & (torch.arange(5) > 0)[:, None])",
  ],

  "torch.nn.functional.pad": [
    "F.pad(a, (1, 2))",
    "F.pad(a, (1, 1, 2, 0), value=0.5)",
    "F.pad(x4, (2, 1, 1, 2), mode='reflect')",
    "F.pad(x4, (1, 2, 3, 0), mode='replicate')",
    "F.pad(x4, (1, 2, 2, 1), mode='circular')",
    "F.pad(a, (-1, 1))",
    "F.pad(x3, [1, 1], 'constant', 2.0)",
  ],
  "torch.nn.functional.conv1d": ["F.conv1d(x3, w3)", "F.conv1d(x3, w3, bias5, stride=2, padding=1)", "F.conv1d(x3, w3, padding='same', dilation=2)"],
  "torch.nn.functional.conv2d": [
    "F.conv2d(x4, w4)",
    "F.conv2d(x4, w4, bias5, 2, 1)",
    "F.conv2d(x4, w4g, groups=2, padding=(1, 0))",
    "F.conv2d(x4, w4e, padding='same')",
    "F.conv2d(x4, w4, padding='valid', dilation=(1, 2))",
  ],
  "torch.nn.functional.conv3d": ["F.conv3d(x5, w5, bias3, padding=1)"],
  "torch.nn.functional.max_pool1d": ["F.max_pool1d(x3, 2)", "F.max_pool1d(x3, 3, stride=2, padding=1)"],
  "torch.nn.functional.max_pool2d": ["F.max_pool2d(x4, 2)", "F.max_pool2d(x4, 3, stride=2, padding=1)", "F.max_pool2d(x4, (2, 3), (1, 2))"],
  "torch.nn.functional.avg_pool1d": ["F.avg_pool1d(x3, 3)", "F.avg_pool1d(x3, 2, stride=1, padding=1)"],
  "torch.nn.functional.avg_pool2d": ["F.avg_pool2d(x4, 2)", "F.avg_pool2d(x4, 3, stride=2, padding=1)", "F.avg_pool2d(x4, (3, 2))"],
  "torch.nn.functional.unfold": ["F.unfold(x4, 3, padding=1)", "F.unfold(x4, (2, 3), dilation=(1, 2), stride=2)", "F.unfold(x4[0], 2)"],
  "torch.nn.functional.fold": ["F.fold(F.unfold(x4, 3, padding=1), (6, 7), 3, padding=1)", "F.fold(F.unfold(x4, 2, stride=2), output_size=(6, 7), kernel_size=2, stride=2)"],
  "torch.nn.functional.pixel_shuffle": ["F.pixel_shuffle(x4, 2)", "torch.pixel_shuffle(torch.arange(2 * 8 * 3 * 2.0).reshape(2, 8, 3, 2), 2)"],
  "torch.nn.functional.adaptive_avg_pool2d": [
    "F.adaptive_avg_pool2d(x4, 1)",
    "F.adaptive_avg_pool2d(x4, (3, 7))",
    "F.adaptive_avg_pool2d(x4, (4, 3))",
    "F.adaptive_avg_pool2d(x4, (None, 2))",
    "F.adaptive_avg_pool2d(x4, (5, 3))",
  ],
  "torch.nn.functional.interpolate": [
    "F.interpolate(x4, scale_factor=2, mode='bilinear', align_corners=True)",
    "F.interpolate(x4, size=(4, 5))",
    "F.interpolate(x3, scale_factor=2, mode='linear')",
    "F.interpolate(x4, scale_factor=2)",
    "F.interpolate(x4, size=(9, 5))",
    "F.interpolate(x4, scale_factor=2, mode='bilinear')",
    "F.interpolate(x4, size=(4, 10), mode='bilinear', align_corners=False)",
    "F.interpolate(x4, size=(8, 9), mode='bilinear', align_corners=True)",
    "F.interpolate(x4, scale_factor=0.5, mode='nearest-exact')",
    "F.interpolate(x4, scale_factor=1.5, mode='bilinear', recompute_scale_factor=True)",
    "F.upsample(x4, scale_factor=3)",
    // YOLOS / ViT-style position-embedding resizes
    "F.interpolate(x4, size=(7, 3), mode='bicubic', align_corners=False)",
    "F.interpolate(x4, scale_factor=2, mode='bicubic', align_corners=True)",
  ],

  "Tensor.add_": ["a.add_(b)", "a.add_(1.5)"],
  "Tensor.sub_": ["a.sub_(b)"],
  "Tensor.mul_": ["a.mul_(b)"],
  "Tensor.div_": ["a.div_(p)"],
  "Tensor.clamp_": ["a.clamp_(min=0)", "a.clamp_(-0.1, 0.1)"],
  "Tensor.masked_fill_": ["a.masked_fill_(m, 0.0)"],
  "Tensor.relu_": ["a.relu_()", "torch.relu_(a)"],
  "Tensor.sigmoid_": ["a.sigmoid_()"],
  "Tensor.tanh_": ["a.tanh_()"],
  "Tensor.exp_": ["a.exp_()"],
  "Tensor.scatter_": ["a.scatter_(2, perm, b)", "a.scatter_(2, perm, 2.0)"],
  "Tensor.scatter_add_": ["a.scatter_add_(2, idx, b)"],
  "Tensor.index_add_": ["a.index_add_(1, j, b)"],
  "Tensor.triu_": ["sq.triu_(1)", "bsq.triu_()"],
  "Tensor.tril_": ["sq.tril_(-1)"],
  "Tensor.erfinv_": ["(a * 0.3).clamp(-0.9, 0.9).erfinv_()"],
  "Tensor.detach_": ["a.detach_()"],
  "Tensor.bernoulli_": [{ src: "torch.zeros(10, 10).bernoulli_(0.5)", check: "shape" }],
  "Tensor.normal_": [
    { src: "torch.zeros(100, 100).normal_()", check: "normal" },
    { src: "a.normal_(0.0, 0.02)", check: "shape" },
  ],
  "Tensor.uniform_": [
    { src: "torch.zeros(20, 20).uniform_()", check: "uniform", low: 0, high: 1 },
    { src: "a.uniform_(-2, -1)", check: "uniform", low: -2, high: -1 },
  ],
  "Tensor.unfold": ["a.unfold(2, 2, 1)", "r8.unfold(0, 3, 2)", "a.unfold(-2, 2, 2)"],
  "Tensor.is_contiguous": ["a.is_contiguous()"],
  "torch.finfo": ["torch.finfo(torch.float16).max", "torch.finfo(torch.float32).eps", "torch.finfo().min", "torch.finfo(a.dtype).max"],
  "torch.iinfo": ["torch.iinfo(torch.int32).max", "torch.iinfo(torch.int8).min"],
  "torch.deg2rad": ["torch.deg2rad(a * 90)"],
  "torch.rad2deg": ["torch.rad2deg(a)"],
  "torch.frac": ["torch.frac(a * 3)", "(a * 3).frac()"],
  "torch.bitwise_not": ["torch.bitwise_not(i)", "torch.bitwise_not(m)", "k.bitwise_not()"],
  "torch.special.expit": ["torch.special.expit(a)"],
  "torch.nn.functional.prelu": ["F.prelu(x4, ch4)", "F.prelu(a, torch.tensor([0.25]))", "F.prelu(c, ch4)"],
  "torch.nn.functional.hardshrink": ["F.hardshrink(a)", "F.hardshrink(a, 0.8)", "a.hardshrink(lambd=0.3)"],
  "torch.nn.functional.softshrink": ["F.softshrink(a)", "F.softshrink(a, lambd=0.8)"],
  "torch.nn.functional.threshold": ["F.threshold(a, 0.1, -5.0)", "F.threshold(i, 0, 9)"],
  "torch.nn.functional.kl_div": [
    "F.kl_div(F.log_softmax(logits, 1), probs)",
    "F.kl_div(F.log_softmax(logits, 1), probs, reduction='batchmean')",
    "F.kl_div(F.log_softmax(logits, 1), torch.log(probs), reduction='sum', log_target=True)",
    "F.kl_div(F.log_softmax(logits, 1), bin, reduction='none')",
  ],
  "torch.nn.functional.huber_loss": ["F.huber_loss(a, b)", "F.huber_loss(a, b, delta=0.5, reduction='sum')", "F.huber_loss(a, b, reduction='none')"],
  "torch.cdist": ["torch.cdist(bA, pts)", "torch.cdist(c, c, p=1)", "torch.cdist(bA, pts, 3)", "torch.cdist(c, c)"],
  "torch.linalg.inv": ["torch.linalg.inv(spd)", "torch.inverse(bspd)", "spd.inverse()"],
  "torch.linalg.pinv": ["torch.linalg.pinv(spd)", "torch.linalg.pinv(c)"],
  "torch.linalg.solve": ["torch.linalg.solve(spd, rhs)", "torch.linalg.solve(bspd, torch.ones(2, 3, 1))"],
  "torch.linalg.solve_triangular": ["torch.linalg.solve_triangular(low, rhs, upper=False)", "torch.linalg.solve_triangular(low.t(), rhs, upper=True)"],
  "torch.linalg.cholesky": ["torch.linalg.cholesky(spd)", "torch.linalg.cholesky(bspd, upper=True)"],
  "torch.linalg.qr": ["torch.linalg.qr(spd)", "torch.linalg.qr(d.t())"],
  "torch.linalg.det": ["torch.linalg.det(spd)", "torch.det(bspd)", "low.det()"],
  "torch.linalg.eigvalsh": ["torch.linalg.eigvalsh(spd)", "torch.linalg.eigvalsh(bspd, 'U')"],
  "torch.linalg.svdvals": ["torch.linalg.svdvals(c)", "torch.linalg.svdvals(bspd)"],
  "torch.linalg.cross": ["torch.linalg.cross(c3a, c3b)", "torch.linalg.cross(c3a.t(), c3b.t(), dim=0)"],
  "torch.fft.fft": ["torch.fft.fft(r8)", "torch.fft.fft(c, dim=0)", "torch.fft.fft(r8, n=12, norm='ortho')", "torch.fft.fft(z)"],
  "torch.fft.ifft": ["torch.fft.ifft(z)", "torch.fft.ifft(torch.fft.fft(r8))"],
  "torch.fft.rfft": ["torch.fft.rfft(r8)", "torch.fft.rfft(c, norm='forward')"],
  "torch.fft.irfft": ["torch.fft.irfft(torch.fft.rfft(r8))", "torch.fft.irfft(torch.fft.rfft(r8), n=8)"],
  "torch.fft.fft2": ["torch.fft.fft2(c)", "torch.fft.fft2(a, dim=(0, 2))"],
  "torch.fft.ifft2": ["torch.fft.ifft2(torch.fft.fft2(c))"],
  "torch.fft.rfft2": ["torch.fft.rfft2(c)", "torch.fft.rfft2(a)"],
  "torch.fft.irfft2": ["torch.fft.irfft2(torch.fft.rfft2(c), s=(3, 4))"],
  "torch.fft.fftshift": ["torch.fft.fftshift(r8)", "torch.fft.fftshift(c, dim=1)"],
  "torch.fft.ifftshift": ["torch.fft.ifftshift(r8)"],
  "torch.fft.fftfreq": ["torch.fft.fftfreq(8)", "torch.fft.fftfreq(5, d=0.5)"],
  "torch.fft.rfftfreq": ["torch.fft.rfftfreq(8)", "torch.fft.rfftfreq(9, 0.1)"],
  "torch.nn.functional.adaptive_avg_pool1d": ["F.adaptive_avg_pool1d(x3, 1)", "F.adaptive_avg_pool1d(x3, 4)"],
  "torch.nn.functional.adaptive_avg_pool3d": ["F.adaptive_avg_pool3d(x5, 1)", "F.adaptive_avg_pool3d(x5, (3, 2, 4))"],
  "torch.nn.functional.adaptive_max_pool1d": ["F.adaptive_max_pool1d(x3, 1)", "F.adaptive_max_pool1d(x3, 4)"],
  "torch.nn.functional.adaptive_max_pool2d": ["F.adaptive_max_pool2d(x4, 1)", "F.adaptive_max_pool2d(x4, (4, 3))", "F.adaptive_max_pool2d(x4, (None, 5))"],
  "torch.nn.functional.max_pool3d": ["F.max_pool3d(x5, 2)", "F.max_pool3d(x5, 3, stride=1, padding=1)"],
  "torch.nn.functional.avg_pool3d": ["F.avg_pool3d(x5, 2)", "F.avg_pool3d(x5, (2, 3, 2), stride=1)"],
  "torch.nn.functional.conv_transpose1d": ["F.conv_transpose1d(x3, wt3)", "F.conv_transpose1d(x3, wt3, bias5, stride=2, padding=1, output_padding=1)"],
  "torch.nn.functional.conv_transpose2d": [
    "F.conv_transpose2d(x4, wt4)",
    "F.conv_transpose2d(x4, wt4, bias3, stride=2, padding=1)",
    "F.conv_transpose2d(x4, wt4g, groups=2)",
    "F.conv_transpose2d(x4, wt4, stride=2, output_padding=1, dilation=2)",
  ],
  "Tensor.lerp_": ["a.lerp_(b, 0.1)"],
  "Tensor.addcmul_": ["a.addcmul_(b, p, value=0.1)"],
  "Tensor.addcdiv_": ["a.addcdiv_(b, p)"],
  "Tensor.pow_": ["p.pow_(2)"],
  "Tensor.sqrt_": ["p.sqrt_()"],
  "Tensor.abs_": ["a.abs_()"],
  "Tensor.neg_": ["a.neg_()"],
  "Tensor.floor_": ["a.floor_()"],
  "Tensor.clamp_min_": ["a.clamp_min_(0.0)"],
  "Tensor.clamp_max_": ["a.clamp_max_(0.1)"],
  "Tensor.ceil_": ["a.ceil_()"],
  "Tensor.round_": ["(a * 10).round_()"],
  "Tensor.requires_grad_": ["a.requires_grad_()"],
  "torch.vstack": ["torch.vstack([a, b])", "torch.vstack((v, w))", "torch.row_stack([c, c])"],
  "torch.hstack": ["torch.hstack([a, b])", "torch.hstack((v, w))"],
  "torch.atleast_1d": ["torch.atleast_1d(torch.tensor(1.5))", "torch.atleast_1d(a)"],
  "torch.atleast_2d": ["torch.atleast_2d(v)", "torch.atleast_2d(v, w)"],
  "torch.atleast_3d": ["torch.atleast_3d(c)"],
  "torch.take": ["torch.take(a, j)", "a.take(torch.tensor([[0, 23], [5, 7]]))"],
  "torch.std_mean": ["torch.std_mean(a)", "torch.std_mean(a, 1)", "torch.std_mean(a, dim=-1, unbiased=False, keepdim=True)", "torch.std_mean(a, (0, 2), correction=0)"],
  "torch.var_mean": ["torch.var_mean(a, 1)", "torch.var_mean(a, dim=2, keepdim=True)"],
  "torch.erfc": ["torch.erfc(a)", "torch.special.erfc(a)"],
  "torch.logit": ["torch.logit(sig)", "sig.logit()"],
  "torch.nn.functional.pixel_unshuffle": ["F.pixel_unshuffle(x4sq, 2)", "F.pixel_unshuffle(F.pixel_shuffle(x4, 2), 2)"],
  "Tensor.zero_": ["a.zero_()"],
  "Tensor.fill_": ["a.fill_(2.5)", "i.fill_(3)"],
  "Tensor.copy_": ["a.copy_(b)", "a.copy_(v)", "a.copy_(i)"],
};

// ── tests ───────────────────────────────────────────────────────────────────────────────────────────

const OP_OF = new Map<string, OpRow>(OPS.flatMap((row) => row.torch.map((name) => [name, row] as const)));

interface RenderedCase {
  id: string;
  row: string;
  torch: string;
  mlx: string;
  check?: string;
  low?: number;
  high?: number;
}

/** Translate one case (every table call in it); one of them must be the row the case is filed under. */
function renderCase(source: string): { rows: OpRow[]; mlx: string; helpers: Set<string> } {
  const expr = parsePython(source).rootNode.namedChildren[0]?.namedChildren[0];
  if (!expr) throw new Error(`no expression in ${source}`);
  const rows: OpRow[] = [];
  const helpers = new Set<string>();
  const mlx = translate(expr, rows, helpers);
  return { rows, mlx, helpers };
}

describe("op table (passes/tables/ops.ts)", () => {
  it("names every torch callable once, and none that is also marked unsupported", () => {
    const seen = new Map<string, number>();
    for (const name of OPS.flatMap((r) => r.torch).concat(UNSUPPORTED_OPS.flatMap((u) => u.torch))) seen.set(name, (seen.get(name) ?? 0) + 1);
    const duplicates = [...seen].filter(([, count]) => count > 1).map(([name]) => name);
    expect(duplicates).toEqual([]);
    const torchNames = OPS.flatMap((r) => r.torch);
    console.log(`op table: ${OPS.length} rows, ${torchNames.length} torch names, ${Object.keys(OP_HELPERS).length} helpers`);
    expect(torchNames.length).toBeGreaterThanOrEqual(150);
  });

  it("declares every helper its template uses, and every helper file defines that function", () => {
    for (const row of OPS) {
      const used = [...row.mlx.matchAll(/\{@(\w+)\}/g)].map((m) => m[1]);
      expect(new Set(row.helpers ?? []), row.torch[0]).toEqual(new Set(used));
      for (const name of used) {
        const helper = OP_HELPERS[name];
        expect(helper, `${name} registered`).toBeDefined();
        const text = readFileSync(join(packageRoot(), helper.file), "utf8");
        expect(text).toMatch(new RegExp(`^def ${name}\\(`, "m"));
      }
      if (row.layout === "channels_last") expect(row.rank, `${row.torch[0]} needs a rank`).toBeGreaterThan(0);
      for (const axis of row.axes ?? []) expect(row.sig.map((s) => s.replace(/^\*/, "").split("=")[0])).toContain(axis);
      for (const param of Object.keys(row.allowed ?? {})) expect(row.sig.map((s) => s.split("=")[0])).toContain(param);
    }
  });

  it("writes every hole outside an optional piece as a required parameter or with an MLX default", () => {
    // a bare {x} for a parameter with a torch default would paste torch's default text into MLX code
    for (const row of OPS) {
      const outside = row.mlx.replace(/\[[^\]]*\]/g, "");
      const params = parseSig(row.sig);
      for (const m of outside.matchAll(/\{(\w+)\}/g)) {
        const p = params.find((q) => q.name === m[1]);
        expect(p, `${row.torch[0]}: {${m[1]}} is not a parameter`).toBeDefined();
        expect(p!.default, `${row.torch[0]}: {${m[1]}} has torch default ${p!.default}; write {${m[1]}=...} or an optional piece`).toBeUndefined();
      }
    }
  });

  it("renders templates: optional pieces, defaults, varargs, parentheses before a method", () => {
    const helpers = new Set<string>();
    const sum = OP_OF.get("torch.sum")!;
    const r = (src: string) => {
      const call = analyseCall(src);
      return render(OP_OF.get(call.name)!.mlx, bind(OP_OF.get(call.name)!.sig, call.positional, call.keywords), helpers);
    };
    expect(sum.mlx).toContain("[");
    expect(r("torch.sum(x)")).toBe("mx.sum(x)");
    expect(r("x.sum(1, keepdim=True)")).toBe("mx.sum(x, axis=1, keepdims=True)");
    expect(r("torch.cat([a, b])")).toBe("mx.concatenate([a, b], axis=0)");
    expect(r("x.view(2, -1)")).toBe("x.reshape(2, -1)");
    expect(r("x.view((2, 3))")).toBe("x.reshape((2, 3))");
    expect(r("torch.reshape(a + b, (2, 3))")).toBe("(a + b).reshape((2, 3))");
    expect(r("torch.zeros(2, 3, dtype=torch.float16)")).toBe("mx.zeros((2, 3), dtype=mx.float16)");
    expect(r("x.max(1)")).toBe("ops_max(x, 1)");
    expect(helpers.has("ops_max")).toBe(true);
  });

  it("matches torch numerically on every row (one Python process)", () => {
    const cases: RenderedCase[] = [];
    const helpersUsed = new Set<string>();
    const rowsCovered = new Set<OpRow>();
    for (const [name, list] of Object.entries(CASES)) {
      expect(OP_OF.has(name), `cases for ${name}, which has no row`).toBe(true);
      list.forEach((c, n) => {
        const spec = typeof c === "string" ? { src: c } : c;
        const { rows, mlx, helpers } = renderCase(spec.src);
        const row = OP_OF.get(name)!;
        expect(rows.includes(row), `${spec.src} has no call of ${name}`).toBe(true);
        rows.forEach((r) => rowsCovered.add(r));
        helpers.forEach((h) => helpersUsed.add(h));
        cases.push({ ...spec, id: `${name}#${n}`, row: row.torch[0], torch: spec.src, mlx } as RenderedCase);
      });
    }
    expect(RENDER_MISMATCHES, "passes/template-render.ts renders differently").toEqual([]);
    const uncovered = OPS.filter((row) => !rowsCovered.has(row)).map((row) => row.torch[0]);
    expect(uncovered, "rows without a numeric case").toEqual([]);

    const dir = mkdtempSync(join(tmpdir(), "c2m-ops-"));
    const specPath = join(dir, "cases.json");
    const helpers = Object.fromEntries(Object.entries(OP_HELPERS).map(([name, h]) => [name, join(packageRoot(), h.file)]));
    for (const file of Object.values(helpers)) expect(existsSync(file), file).toBe(true);
    const names = [...OPS.flatMap((r) => r.torch), ...UNSUPPORTED_OPS.flatMap((u) => u.torch)];
    writeFileSync(specPath, JSON.stringify({ helpers, names, cases }));
    // C2M_OPS_DUMP=<file> keeps the rendered cases for reading
    if (process.env.C2M_OPS_DUMP) writeFileSync(process.env.C2M_OPS_DUMP, JSON.stringify(cases, null, 1));
    const stdout = execFileSync(pythonExecutable(), [join(packageRoot(), "test/py/ops_check.py"), specPath], { encoding: "utf8", timeout: 110_000, maxBuffer: 64 << 20 });
    const report = JSON.parse(stdout) as { fatal?: string; missing: string[]; results: { id: string; ok: boolean; error?: string }[] };
    expect(report.fatal).toBeUndefined();
    expect(report.missing, "torch names that do not exist in torch").toEqual([]);
    const byId = new Map(cases.map((c) => [c.id, c]));
    const failures = report.results.filter((r) => !r.ok).map((r) => `${r.id}: ${byId.get(r.id)!.torch}  →  ${byId.get(r.id)!.mlx}\n    ${r.error}`);
    console.log(`op table numeric check: ${report.results.length - failures.length}/${report.results.length} cases passed over ${rowsCovered.size} rows`);
    expect(failures.join("\n")).toBe("");
    expect(report.results.length).toBe(cases.length);
  });
});
