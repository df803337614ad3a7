/**
 * The random kernels rendered (src/verify/random-kernels.ts has the plans): a plan's block and grid
 * layout, its CUDA text with its launch and buffers, and the buffers' contents before the launch.
 */
import { fromNumbers, type TypedArray } from "./dtypes.js";
import { lcgValues } from "./golden.js";
import { ALPHAS, BIT_STEPS, MULTIPLIERS, type Cond, type Expr, type KernelPlan, type RandomBuffer, type RandomKernel, type Scalar } from "./random-kernels.js";
import { VALUE_LIMIT, FLOAT_LIMIT, IntVal, FloatVal, Scope, maxAbs, reduceInt, clampFloat, Printer } from "./random-kernels-printer.js";
import { nameTable } from "../../ir/tables.js";

const BLOCKS_1D = [32, 64, 128, 256, 96, 160, 48, 40, 100, 17, 1, 7, 33, 64, 128];
const BLOCKS_2D: [number, number][] = [
  [8, 4],
  [16, 4],
  [4, 8],
  [8, 8],
  [16, 8],
  [32, 2],
  [32, 4],
  [6, 5],
  [10, 3],
  [3, 7],
  [12, 4],
  [2, 16],
];
const MAX_THREADS = 768;

function isPow2(v: number): boolean {
  return v > 0 && (v & (v - 1)) === 0;
}

interface Layout {
  bx: number;
  by: number;
  gx: number;
  gy: number;
  /** 1-D: n; 2-D: rows, cols. */
  n: number;
  rows: number;
  cols: number;
}

function layoutOf(p: KernelPlan): Layout {
  const needsWarp = p.sections.some((s) => s.kind === "warp");
  const needsPow2 = p.sections.some((s) => s.kind === "reduce");
  const ok = (threads: number) => (!needsWarp || threads % 32 === 0) && (!needsPow2 || isPow2(threads));
  const pick = <T>(list: T[], threads: (b: T) => number): T => {
    const fits = list.filter((b) => ok(threads(b)));
    return fits[p.blockPick % fits.length]!;
  };
  let bx: number;
  let by = 1;
  if (p.dims === 1) bx = pick(BLOCKS_1D, (b) => b);
  else [bx, by] = pick(BLOCKS_2D, ([a, b]) => a * b);
  const threads = bx * by;
  let gx = p.gridX;
  let gy = p.dims === 2 ? p.gridY : 1;
  while (gx * gy * threads > MAX_THREADS && gx > 1) gx--;
  while (gx * gy * threads > MAX_THREADS && gy > 1) gy--;
  const size = (cover: number, pickN: number): number => {
    switch (p.sizeMode) {
      case "exact":
        return cover;
      case "ragged":
        return Math.max(1, cover - 1 - (pickN % Math.max(1, Math.min(cover - 1, 40))));
      case "small":
        return 1 + (pickN % Math.max(1, Math.min(cover, 20)));
      case "over":
        return cover + 1 + (pickN % Math.max(1, cover));
    }
  };
  if (p.dims === 1) return { bx, by, gx, gy, n: size(gx * bx, p.sizePick), rows: 1, cols: 1 };
  const cols = size(gx * bx, p.sizePick);
  const rows = size(gy * by, p.sizePick2);
  return { bx, by, gx, gy, n: rows * cols, rows, cols };
}

const IDENTITY: Record<string, Record<Scalar, string>> = {
  "+": { int: "0", float: "0.0f" },
  max: { int: "(-1000000)", float: "(-1.0e30f)" },
  min: { int: "1000000", float: "1.0e30f" },
};

function combineOp(op: string, t: Scalar, a: string, b: string): string {
  if (op === "+") return `${a} + ${b}`;
  return t === "int" ? `${op}(${a}, ${b})` : `${op === "max" ? "fmaxf" : "fminf"}(${a}, ${b})`;
}

/** Prints a plan as a CUDA file with its launch and buffers. */
export function renderKernel(plan: KernelPlan): RandomKernel {
  const L = layoutOf(plan);
  const threads = L.bx * L.by;
  const blocks = L.gx * L.gy;
  const P = new Printer();
  const features = P.features;
  const is2d = plan.dims === 2;
  const hasBarrier = plan.sections.some((s) => s.kind === "stage" || s.kind === "reduce" || (s.kind === "atomic" && s.scope !== "global"));
  const hasWarp = plan.sections.some((s) => s.kind === "warp");
  const earlyReturn = plan.earlyReturn && !hasBarrier && !hasWarp;
  const hasGlobalAtomic = plan.sections.some((s) => s.kind === "atomic" && s.scope === "global");
  const ty = (t: RandomBuffer["t"]) => ({ int: "int", float: "float", half: "__half", uint: "unsigned int" })[t];
  const R = plan.restrict ? " __restrict__" : "";
  // the block size where a constant is needed
  const blockName = plan.blockConst === "literal" || is2d ? String(threads) : plan.blockConst === "define" ? "BLOCK" : "BS";
  if (!is2d && plan.blockConst !== "literal") features.add(plan.blockConst === "define" ? "macro" : "template");
  features.add(is2d ? "2d" : "1d");
  features.add(`size-${plan.sizeMode}`);

  const nCode = is2d ? "(rows * cols)" : "n";
  const guard = is2d ? "(r < rows && c < cols)" : "i < n";
  const m = plan.m + (plan.bumpScalar ? 1 : 0);
  const alpha = ALPHAS[plan.alphaPick % ALPHAS.length]!;
  const maxIndex = blocks * threads + (is2d ? L.cols * L.gy * L.by : 0);

  // helpers: T h(T a, int b), bodies over their parameters
  const hScope = (): Scope => ({
    ints: [{ s: "b", lo: -1023, hi: 1023 }],
    floats: [{ s: "a", mag: FLOAT_LIMIT }],
    xf: "x",
    xi: "xi",
    n: "1",
    nValue: 1,
  });
  const hiScope = hScope();
  hiScope.ints.unshift({ s: "a", lo: -1023, hi: 1023 });
  hiScope.floats = [{ s: "0.5f", mag: 0.5 }];
  // helpers read no buffers: their loads become parameters
  const noLoads = (e: Expr): Expr => {
    if (e.k === "load") return { k: "var", pick: 0 };
    if (e.k === "bin") return { ...e, a: noLoads(e.a), b: noLoads(e.b) };
    if (e.k === "un" || e.k === "cast") return { ...e, a: noLoads(e.a) };
    if (e.k === "call") return { ...e, a: noLoads(e.a), b: noLoads(e.b) };
    if (e.k === "sel") return { ...e, c: noLoadsCond(e.c), a: noLoads(e.a), b: noLoads(e.b) };
    return e;
  };
  const noLoadsCond = (c: Cond): Cond =>
    c.k === "cmp" ? { ...c, a: noLoads(c.a), b: noLoads(c.b) } : c.k === "not" ? { ...c, a: noLoadsCond(c.a) } : { ...c, a: noLoadsCond(c.a), b: noLoadsCond(c.b) };
  const hp = new Printer();
  const hf = hp.float(noLoads(plan.helpers.f), hScope());
  const hi = reduceInt(hp.int(noLoads(plan.helpers.i), hiScope), VALUE_LIMIT, 65536);
  const inl = plan.helpers.forceinline ? "__device__ __forceinline__" : "__device__";
  const helperDefs = [`${inl} float hf(float a, int b) { return ${hf.s}; }`, `${inl} int hi(int a, int b) { return ${hi.s}; }`];

  const ints: IntVal[] = [
    { s: "i", lo: 0, hi: maxIndex },
    { s: "tid", lo: 0, hi: threads - 1 },
    { s: "blk", lo: 0, hi: blocks - 1 },
    { s: "m", lo: m, hi: m },
    { s: is2d ? "cols" : "n", lo: is2d ? L.cols : L.n, hi: is2d ? L.cols : L.n },
  ];
  if (is2d) ints.push({ s: "r", lo: 0, hi: L.gy * L.by - 1 }, { s: "c", lo: 0, hi: L.gx * L.bx - 1 });
  else ints.push({ s: "(int)blockIdx.x", lo: 0, hi: blocks - 1 }, { s: "(int)threadIdx.x", lo: 0, hi: threads - 1 });
  const base: Scope = {
    ints,
    floats: [{ s: "alpha", mag: Math.abs(alpha) }],
    xf: "x",
    xi: "xi",
    n: nCode,
    nValue: L.n,
    helpers: { f: "hf", i: "hi", iBounds: [hi.lo, hi.hi], fMag: hf.mag },
  };
  const guarded = (sc: Scope, self = "i"): Scope => ({ ...sc, self });
  const withInt = (sc: Scope, v: IntVal): Scope => ({ ...sc, ints: [...sc.ints, v] });
  const withFloat = (sc: Scope, v: FloatVal): Scope => ({ ...sc, floats: [...sc.floats, v] });
  const value = (t: Scalar, e: Expr, sc: Scope): { s: string; lo: number; hi: number; mag: number } => {
    if (t === "int") {
      const v = reduceInt(P.int(e, sc), VALUE_LIMIT, 65536);
      return { ...v, mag: maxAbs(v) };
    }
    const f = clampFloat(P.float(e, sc), FLOAT_LIMIT);
    return { s: f.s, lo: -f.mag, hi: f.mag, mag: f.mag };
  };
  const withVal = (sc: Scope, t: Scalar, name: string, v: { lo: number; hi: number; mag: number }): Scope =>
    t === "int" ? withInt(sc, { s: name, lo: v.lo, hi: v.hi }) : withFloat(sc, { s: name, mag: v.mag });

  const buffers: RandomBuffer[] = [
    { name: "x", t: "float", count: L.n, role: "input", range: 0 },
    { name: "xi", t: "int", count: L.n, role: "input", range: 64 },
  ];
  const body: string[] = [];
  let dynamicUsed = false;
  let sharedBytes = 0;
  const FULL = (s: { mask: string }) => (s.mask === "hex" ? "0xffffffff" : "0xFFFFFFFFu");

  plan.sections.forEach((s, si) => {
    const o = `o${si}`;
    const out = (t: RandomBuffer["t"], count: number, role: RandomBuffer["role"] = "output", range = 0) => buffers.push({ name: o, t, count, role, range });
    const lines: string[] = [];
    switch (s.kind) {
      case "map": {
        features.add("map");
        out(s.t, L.n);
        let sc = guarded(base);
        lines.push(`if (${guard}) {`);
        if (s.pre) {
          const v = value(s.t, s.pre, sc);
          lines.push(`  ${s.constPre ? "const " : ""}${ty(s.t)} t${si} = ${v.s};`);
          sc = withVal(sc, s.t, `t${si}`, v);
          features.add("local");
        }
        const v = value(s.t, s.body, sc);
        if (s.alt) {
          features.add("if-else");
          lines.push(`  if (${P.cond(s.alt.c, sc)}) ${o}[i] = ${v.s};`, `  else ${o}[i] = ${value(s.t, s.alt.e, sc).s};`);
        } else lines.push(`  ${o}[i] = ${v.s};`);
        lines.push("}");
        break;
      }
      case "bits": {
        features.add("unsigned");
        out("uint", L.n);
        const h = `u${si}`;
        const v = P.int(s.value, guarded(base));
        const steps = s.steps.map(({ op, k }) => {
          switch (op % BIT_STEPS) {
            case 0:
              return `${h} ^= ${h} >> ${k};`;
            case 1:
              return `${h} *= ${MULTIPLIERS[k % MULTIPLIERS.length]};`;
            case 2:
              return `${h} += threadIdx.x * ${k}u;`;
            case 3:
              return `${h} = (${h} << ${k}) | (${h} >> ${32 - k});`;
            case 4:
              return `${h} = ${h} % ${k + 1}u + blockIdx.x;`;
            case 5:
              return `${h} -= (unsigned)tid + ${k}u;`;
            case 6:
              features.add("64-bit");
              return `${h} = (unsigned)(((unsigned long long)${h} * 0x100000001b3ull) >> ${k});`;
            default:
              return `if (${h} & ${1 << k % 8}u) ${h} = ${h} / ${k + 1}u; else ${h} = ${h} ^ 0x${((k * 0x9e3779b1) >>> 0).toString(16)}u;`;
          }
        });
        lines.push(`if (${guard}) {`, `  unsigned int ${h} = (unsigned)(${v.s});`, ...steps.map((l) => "  " + l), `  ${o}[i] = ${h};`, "}");
        break;
      }
      case "half": {
        features.add(`half-${s.style}`);
        const hx = `hx${si}`;
        const h = `h${si}`;
        buffers.push({ name: hx, t: "half", count: L.n, role: "input", range: 0 });
        // c2m refuses 16-bit outputs next to atomic outputs (MLX would declare them atomic<half>, which Metal
        // lacks): the half result is stored as float there
        if (hasGlobalAtomic) {
          out("float", L.n);
          const v = value("float", s.body, withFloat(guarded(base), { s: h, mag: 2 }));
          const store = s.style === "convert" ? `__half2float(__float2half(${v.s}))` : `__half2float(__hadd(${hx}[i], __float2half(${v.s})))`;
          lines.push(`if (${guard}) {`, `  float ${h} = __half2float(${hx}[i]);`, `  ${o}[i] = ${store};`, "}");
          break;
        }
        out("half", L.n);
        const v = value("float", s.body, withFloat(guarded(base), { s: h, mag: 2 }));
        const store = s.style === "convert" ? `__float2half(${v.s})` : `__hadd(${hx}[i], __float2half(${v.s}))`;
        lines.push(`if (${guard}) {`, `  float ${h} = __half2float(${hx}[i]);`, `  ${o}[i] = ${store};`, "}");
        break;
      }
      case "gridStride": {
        if (is2d) {
          // a grid-stride loop over the rows of a 2-D launch
          features.add("grid-stride");
          out(s.t, L.n);
          const sc = guarded(withInt(base, { s: `rr${si}`, lo: 0, hi: L.rows - 1 }), `rr${si} * cols + c`);
          lines.push(`if (c < cols) {`, `  for (int rr${si} = r; rr${si} < rows; rr${si} += blockDim.y * gridDim.y) {`);
          lines.push(`    ${o}[rr${si} * cols + c] = ${value(s.t, s.body, sc).s};`, "  }", "}");
          break;
        }
        features.add("grid-stride");
        out(s.t, L.n);
        const j = `j${si}`;
        const sc = guarded(withInt(base, { s: j, lo: 0, hi: L.n - 1 }), j);
        lines.push(`for (int ${j} = i; ${j} < n; ${j} += blockDim.x * gridDim.x) {`, `  ${o}[${j}] = ${value(s.t, s.body, sc).s};`, "}");
        break;
      }
      case "loop": {
        features.add(s.style === "while" ? "while-loop" : "for-loop");
        out(s.t, L.n);
        const k = `k${si}`;
        const count = s.count === 0 ? "m" : String(s.count);
        const countValue = s.count === 0 ? m : s.count;
        if (s.count === 0) features.add("loop-runtime-count");
        let sc = withInt(s.guarded ? guarded(base) : base, { s: k, lo: 0, hi: Math.max(0, countValue - 1) });
        const inner = s.inner > 0 ? `l${si}` : undefined;
        if (inner) {
          sc = withInt(sc, { s: inner, lo: 0, hi: s.inner - 1 });
          features.add("nested-loop");
        }
        const v = value(s.t, s.body, sc);
        const acc = `acc${si}`;
        const init = s.t === "int" ? "0" : "0.0f";
        const step =
          s.acc === "sum"
            ? `${acc} = ${acc} + ${v.s};`
            : s.acc === "max"
              ? `${acc} = ${combineOp("max", s.t, acc, v.s)};`
              : s.t === "int"
                ? `${acc} = (${acc} ^ (${v.s} & 255)) + 1;`
                : `${acc} = ${acc} * 0.5f + ${v.s};`;
        const ind = s.guarded ? "  " : "";
        if (s.guarded) lines.push(`if (${guard}) {`);
        lines.push(`${ind}${ty(s.t)} ${acc} = ${init};`);
        const innerOpen = inner ? [`${ind}  for (int ${inner} = 0; ${inner} < ${s.inner}; ++${inner}) {`] : [];
        const innerClose = inner ? [`${ind}  }`] : [];
        const skip = s.skip ? [`${ind}  ${inner ? "  " : ""}if (${P.cond(s.skip, sc)}) continue;`] : [];
        if (s.skip) features.add("continue");
        if (s.style === "for") {
          if (s.unroll && s.count > 0) {
            lines.push(`${ind}#pragma unroll`);
            features.add("pragma-unroll");
          }
          lines.push(`${ind}for (int ${k} = 0; ${k} < ${count}; ++${k}) {`, ...innerOpen, ...skip, `${ind}  ${inner ? "  " : ""}${step}`, ...innerClose, `${ind}}`);
        } else {
          // a while loop: `continue` would skip the increment, so it skips through an if
          const stepLine = s.skip ? `if (!${P.cond(s.skip, sc)}) ${step}` : step;
          lines.push(
            `${ind}int ${k} = 0;`,
            `${ind}while (${k} < ${count}) {`,
            ...innerOpen,
            `${ind}  ${inner ? "  " : ""}${stepLine}`,
            ...innerClose,
            `${ind}  ${k}++;`,
            `${ind}}`,
          );
        }
        if (s.guarded) lines.push(`  ${o}[i] = ${acc};`, "}");
        else lines.push(`if (${guard}) ${o}[i] = ${acc};`);
        break;
      }
      case "stage": {
        features.add("shared-staging");
        out(s.t, L.n);
        const arr = `s${si}`;
        const zero = s.t === "int" ? "0" : "0.0f";
        const dynamic = s.dynamic && !dynamicUsed && !is2d;
        if (dynamic) {
          dynamicUsed = true;
          sharedBytes = threads * 4;
          features.add("extern-shared");
          lines.push(`extern __shared__ ${ty(s.t)} ${arr}[];`);
        } else if (is2d) lines.push(`__shared__ ${ty(s.t)} ${arr}[${L.by}][${L.bx}];`);
        else lines.push(`__shared__ ${ty(s.t)} ${arr}[${blockName}];`);
        const at = (idx: string) => `${arr}[${idx}]`;
        const own = is2d ? `${arr}[threadIdx.y][threadIdx.x]` : `${arr}[tid]`;
        const w = value(s.t, s.write, guarded(base));
        lines.push(`${own} = (${guard}) ? ${w.s} : ${zero};`, "__syncthreads();");
        const nb = is2d ? at(`(threadIdx.y + ${s.d}) % ${L.by}][(threadIdx.x + ${s.d % 7}) % ${L.bx}`) : at(`(tid + ${s.d}) % ${blockName}`);
        const mirror = is2d ? at(`${L.by - 1} - threadIdx.y][${L.bx - 1} - threadIdx.x`) : at(`${blockName} - 1 - tid`);
        const a = `a${si}`;
        const b = `b${si}`;
        lines.push(`${ty(s.t)} ${a} = ${nb};`, `${ty(s.t)} ${b} = ${mirror};`);
        if (s.twoRound) {
          // a second round: every read above must finish before the array is overwritten
          features.add("barrier-war");
          const sum = s.t === "int" ? `(${a} + ${b}) % 65536` : `${a} - ${b}`;
          lines.push(
            "__syncthreads();",
            `${own} = ${sum};`,
            "__syncthreads();",
            `${a} = ${is2d ? at(`threadIdx.y][(threadIdx.x + 1) % ${L.bx}`) : at(`(tid + 1) % ${blockName}`)};`,
          );
        }
        const bound = { lo: -2 * w.mag - 65536, hi: 2 * w.mag + 65536, mag: 2 * w.mag + 2 };
        const sc = withVal(withVal(guarded(base), s.t, a, bound), s.t, b, bound);
        // the neighbour's value always reaches the output
        const rest = value(s.t, s.out, sc);
        lines.push(`if (${guard}) ${o}[i] = ${s.t === "int" ? `(${a} % 65536) + ${rest.s}` : `${a} + ${rest.s}`};`);
        break;
      }
      case "reduce": {
        features.add(`block-reduce`);
        out(s.t, blocks);
        const arr = `red${si}`;
        const v = value(s.t, s.value, guarded(base));
        const id = IDENTITY[s.op]![s.t];
        const sz = is2d ? String(threads) : blockName;
        lines.push(`__shared__ ${ty(s.t)} ${arr}[${sz}];`, `${arr}[tid] = (${guard}) ? ${v.s} : ${id};`, "__syncthreads();");
        const start = s.bound === "constant" ? `${sz} / 2` : is2d ? "blockDim.x * blockDim.y / 2" : "blockDim.x / 2";
        lines.push(
          `for (int st = ${start}; st > 0; st >>= 1) {`,
          `  if (tid < st) ${arr}[tid] = ${combineOp(s.op, s.t, `${arr}[tid]`, `${arr}[tid + st]`)};`,
          "  __syncthreads();",
          "}",
          `if (tid == 0) ${o}[blk] = ${arr}[0];`,
        );
        break;
      }
      case "warp": {
        features.add(`warp-${s.style}`);
        const W = s.width;
        const v = value(s.t, s.value, guarded(base));
        const id = IDENTITY[s.op]![s.t];
        const wv = `w${si}`;
        const widthArg = W === 32 && !s.explicitWidth ? "" : `, ${W}`;
        const mask = FULL(s);
        if (s.style === "reduceSync") {
          // __reduce_*_sync takes integers: a float value is converted (clamped) first
          const iv = s.t === "int" ? v.s : `(int)fminf(fmaxf(${v.s}, -4096.0f), 4096.0f)`;
          const fn = s.explicitWidth
            ? { "+": "__reduce_or_sync", max: "__reduce_and_sync", min: "__reduce_xor_sync" }[s.op]
            : `__reduce_${{ "+": "add", max: "max", min: "min" }[s.op]}_sync`;
          features.add(fn);
          out("int", L.n);
          const arg = s.explicitWidth ? `(unsigned)${wv}` : wv;
          lines.push(`int ${wv} = (${guard}) ? ${iv} : 0;`, `int r${si} = (int)${fn}(${mask}, ${arg});`, `if (${guard}) ${o}[i] = r${si};`);
          break;
        }
        lines.push(`${ty(s.t)} ${wv} = (${guard}) ? ${v.s} : ${id};`);
        if (s.style === "vote") {
          const src = P.int(s.src, base);
          const thr = s.t === "int" ? src.s : `(float)${src.s}`;
          out("int", L.n);
          lines.push(
            `unsigned bal${si} = __ballot_sync(${mask}, ${wv} > ${thr});`,
            `int any${si} = __any_sync(${mask}, ${wv} < ${thr});`,
            `int all${si} = __all_sync(${mask}, ${wv} != ${thr});`,
            `if (${guard}) ${o}[i] = __popc(bal${si}) + 64 * any${si} + 128 * all${si} + 256 * (int)(bal${si} & 1023u);`,
          );
          break;
        }
        features.add(`warp-width-${s.width}`);
        if (s.style === "down" || s.style === "xor") {
          const fn = s.style === "down" ? "__shfl_down_sync" : "__shfl_xor_sync";
          lines.push(`for (int off = ${W / 2}; off > 0; off /= 2) ${wv} = ${combineOp(s.op, s.t, wv, `${fn}(${mask}, ${wv}, off${widthArg})`)};`);
          if (s.style === "down") {
            out(s.t, (blocks * threads) / W);
            lines.push(`if (tid % ${W} == 0) ${o}[(blk * ${threads} + tid) / ${W}] = ${wv};`);
          } else {
            out(s.t, L.n);
            lines.push(`if (${guard}) ${o}[i] = ${wv};`);
          }
        } else if (s.style === "bcast") {
          out(s.t, L.n);
          const src = P.int(s.src, base);
          lines.push(`${ty(s.t)} q${si} = __shfl_sync(${mask}, ${wv}, ${src.s}${widthArg});`, `if (${guard}) ${o}[i] = q${si};`);
        } else {
          out(s.t, L.n);
          lines.push(
            `for (int off = 1; off < ${W}; off <<= 1) {`,
            `  ${ty(s.t)} u = __shfl_up_sync(${mask}, ${wv}, off${widthArg});`,
            `  if (tid % ${W} >= off) ${wv} = ${combineOp(s.op, s.t, wv, "u")};`,
            "}",
            `if (${guard}) ${o}[i] = ${wv};`,
          );
        }
        break;
      }
      case "atomic": {
        const idx = P.int(s.index, guarded(base));
        const val = reduceInt(P.int(s.value, guarded(base)), 1000, 1000);
        if (s.scope === "global") {
          const t: Scalar = s.op === "add" ? s.t : "int";
          features.add(`atomic-global-${s.op}-${t}`);
          // the caller's values are folded in (the buffer starts with data, not zeros)
          out(t, s.size, "inout", 64);
          const slot = idx.lo >= 0 ? `(${idx.s}) % ${s.size}` : `((${idx.s}) % ${s.size} + ${s.size}) % ${s.size}`;
          const fn = { add: "atomicAdd", sub: "atomicSub", or: "atomicOr", xor: "atomicXor" }[s.op]!;
          const arg = t === "float" ? `(float)${val.s}` : s.op === "or" || s.op === "xor" ? `(${val.s} & 1023)` : val.s;
          lines.push(`if (${guard}) ${fn}(&${o}[${slot}], ${arg});`);
          break;
        }
        const fn = { add: "atomicAdd", sub: "atomicSub", max: "atomicMax", min: "atomicMin", or: "atomicOr", and: "atomicAnd", xor: "atomicXor", cas: "atomicCAS" }[s.op]!;
        const init = { add: "0", sub: "0", max: "(-1000000)", min: "1000000", or: "0", and: "(-1)", xor: "0", cas: "0" }[s.op]!;
        const arg = s.op === "or" || s.op === "xor" || s.op === "and" ? `(${val.s} & 1023)` : val.s;
        const update = (target: string) =>
          s.op === "cas"
            ? [
                `  int old${si} = ${target};`,
                `  int as${si};`,
                "  do {",
                `    as${si} = old${si};`,
                `    old${si} = atomicCAS(&${target}, as${si}, as${si} + 1);`,
                `  } while (as${si} != old${si});`,
              ]
            : [`  ${fn}(&${target}, ${arg});`];
        if (s.scope === "shared") {
          features.add(`atomic-shared-${s.op}`);
          out("int", blocks);
          const cnt = `cnt${si}`;
          lines.push(
            `__shared__ int ${cnt};`,
            `if (tid == 0) ${cnt} = ${init};`,
            "__syncthreads();",
            `if (${guard}) {`,
            ...update(cnt),
            "}",
            "__syncthreads();",
            `if (tid == 0) ${o}[blk] = ${cnt};`,
          );
        } else {
          features.add(`atomic-histogram-${s.op}`);
          out("int", blocks * 8);
          const h = `h${si}`;
          const stride = is2d ? "blockDim.x * blockDim.y" : "blockDim.x";
          const slot = `(${idx.s}) & 7`;
          lines.push(
            `__shared__ int ${h}[8];`,
            `for (int q = tid; q < 8; q += ${stride}) ${h}[q] = ${init};`,
            "__syncthreads();",
            `if (${guard}) {`,
            ...update(`${h}[${slot}]`),
            "}",
            "__syncthreads();",
            `for (int q = tid; q < 8; q += ${stride}) ${o}[blk * 8 + q] = ${h}[q];`,
          );
        }
        break;
      }
      case "inplace": {
        if (hasGlobalAtomic) {
          // c2m refuses in-place buffers next to atomic outputs (MLX would make the copy atomic too):
          // the section becomes a plain map
          features.add("map");
          out(s.t, L.n);
          lines.push(`if (${guard}) ${o}[i] = ${value(s.t, s.body, guarded(base)).s};`);
          break;
        }
        features.add("in-place");
        buffers.push({ name: o, t: s.t, count: L.n + s.extra, role: "inout", range: s.t === "int" ? 64 : 0 });
        const cond = s.cond ? ` && ${P.cond(s.cond, guarded(base))}` : "";
        if (s.viaLocal) {
          // read into a local, which the new value may use anywhere
          const cur = `v${si}`;
          const v = value(s.t, s.body, withVal(guarded(base), s.t, cur, { lo: 0, hi: 63, mag: 2 }));
          lines.push(`if (${guard}${cond}) {`, `  ${ty(s.t)} ${cur} = ${o}[i];`, `  ${o}[i] = ${v.s};`, "}");
        } else {
          // read in the statement that writes it: as a plain operand (c2m copies only such reads in)
          const v = value(s.t, s.body, guarded(base));
          const upd = s.t === "int" ? `(${o}[i] ^ 85) + ${v.s}` : `${o}[i] * 0.5f + ${v.s}`;
          lines.push(`if (${guard}${cond}) ${o}[i] = ${upd};`);
        }
        break;
      }
    }
    body.push(...lines);
  });

  // parameters: inputs, section buffers, scalars
  const params: RandomKernel["params"] = [];
  const sig: string[] = [];
  for (const b of buffers) {
    const c = b.role === "input" ? "const " : "";
    sig.push(`${c}${ty(b.t)}*${R} ${b.name}`);
    params.push({ name: b.name, arg: { buffer: b.name } });
  }
  if (is2d) {
    sig.push("int rows", "int cols");
    params.push({ name: "rows", arg: { scalar: L.rows, type: "int" } }, { name: "cols", arg: { scalar: L.cols, type: "int" } });
  } else {
    sig.push("int n");
    params.push({ name: "n", arg: { scalar: L.n, type: "int" } });
  }
  sig.push("int m", "float alpha");
  params.push({ name: "m", arg: { scalar: plan.m, type: "int" } }, { name: "alpha", arg: { scalar: alpha, type: "float" } });
  if (plan.bumpScalar) features.add("assigned-scalar");
  if (earlyReturn) features.add("early-return");

  const prologue = is2d
    ? [
        "int c = blockIdx.x * blockDim.x + threadIdx.x;",
        "int r = blockIdx.y * blockDim.y + threadIdx.y;",
        "int tid = threadIdx.y * blockDim.x + threadIdx.x;",
        "int blk = blockIdx.y * gridDim.x + blockIdx.x;",
        "int i = r * cols + c;",
      ]
    : ["int tid = threadIdx.x;", `int i = blockIdx.x * ${plan.blockConst === "template" ? "BS" : "blockDim.x"} + threadIdx.x;`, "int blk = blockIdx.x;"];
  if (plan.bumpScalar) prologue.push("m = m + 1;");
  if (earlyReturn) prologue.push(is2d ? "if (r >= rows || c >= cols) return;" : "if (i >= n) return;");

  const usesHelper = features.has("device-helper");
  const template = !is2d && plan.blockConst === "template";
  const src = [
    `// random kernel (seed ${plan.seed}): ${[...features].sort().join(", ")}`,
    ...(plan.sections.some((s) => s.kind === "half") ? ["#include <cuda_fp16.h>"] : []),
    ...(!is2d && plan.blockConst === "define" ? [`#define BLOCK ${threads}`] : []),
    ...(usesHelper ? helperDefs : []),
    `${template ? "template <int BS>\n" : ""}__global__ void rk(${sig.join(", ")}) {`,
    ...[...prologue, ...body].map((l) => "  " + l),
    "}",
    "",
  ].join("\n");
  return {
    plan,
    kernel: "rk",
    source: src,
    ...(template ? { templateArgs: [String(threads)], template: { BS: threads } } : {}),
    grid: [L.gx, L.gy, 1],
    block: [L.bx, L.by, 1],
    sharedBytes,
    params,
    buffers,
    features: [...features].sort(),
  };
}

/** The buffers before the launch: inputs, in-place and atomic buffers from the LCG; outputs zero. */
export function randomKernelBuffers(k: RandomKernel): Record<string, TypedArray> {
  const out: Record<string, TypedArray> = nameTable({});
  k.buffers.forEach((b, bi) => {
    const dtype = ({ int: "int32", uint: "uint32", half: "float16", float: "float32" } as const)[b.t];
    const vals =
      b.role === "output"
        ? new Array<number>(b.count).fill(0)
        : lcgValues((k.plan.seed ^ Math.imul(bi + 1, 0x9e3779b1)) >>> 0, b.count, (b.t === "float" || b.t === "half") && b.range === 0, b.range);
    out[b.name] = fromNumbers(vals, dtype);
  });
  return out;
}
