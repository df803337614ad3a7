// H100 fixtures for the golden kernels: generated CUDA drivers that run each golden kernel natively on
// its spec sizes with the same LCG inputs as the emulator (golden.ts), and the reader for the output
// files they record (golden/kernels/fixtures/<spec>.s<size>.<buffer>.bin, raw little-endian).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { arrayFromBytes, normalizeDtype, type TypedArray } from "./dtypes.js";
import {
  bufferSeed,
  isIntegerDomain,
  evalExpr,
  goldenDir,
  goldenLaunches,
  isFloatDtype,
  listGoldenSpecs,
  loadGoldenSource,
  loadGoldenSpec,
  indexValues,
  type GoldenSpec,
} from "./golden.js";
import { extractDeviceCode } from "./rewrite.js";
import { nameTable } from "../../ir/tables.js";

export function fixturesDir(): string {
  return join(goldenDir(), "fixtures");
}

export function fixtureFile(spec: string, sizeIndex: number, buffer: string): string {
  return join(fixturesDir(), `${spec}.s${sizeIndex}.${buffer}.bin`);
}

/** The recorded buffer after the launches on the GPU, or undefined when none was recorded. */
export function loadFixture(spec: GoldenSpec, sizeIndex: number, buffer: string): TypedArray | undefined {
  const f = fixtureFile(spec.name, sizeIndex, buffer);
  if (!existsSync(f)) return undefined;
  const b = spec.buffers.find((x) => x.name === buffer);
  if (!b) throw new Error(`c2m verify: ${spec.name} has no buffer ${buffer}`);
  return arrayFromBytes(new Uint8Array(readFileSync(f)), normalizeDtype(b.dtype));
}

const C_TYPE: Record<string, string> = nameTable({
  float32: "float",
  float16: "__half",
  bfloat16: "__nv_bfloat16",
  int32: "int",
  uint32: "unsigned int",
  int64: "long long",
  uint8: "unsigned char",
  bool: "bool",
  float64: "double",
  int8: "signed char",
  int16: "short",
  uint16: "unsigned short",
  uint64: "unsigned long long",
});

function cType(dtype: string): string {
  const t = C_TYPE[normalizeDtype(dtype)];
  if (!t) throw new Error(`c2m verify: no C type for ${dtype} in the fixture driver`);
  return t;
}

/** A standalone .cu program that runs `spec` on every size and writes the non-input buffers to argv[1]. */
export function driverSource(spec: GoldenSpec): string {
  const include = spec.needsTorch ? `${spec.name}.device.cu` : `../../${spec.file}`;
  const what = `// Runs the golden kernel ${spec.name} natively on its spec sizes with the emulator's LCG inputs and writes
// every output buffer to <outdir>/${spec.name}.s<size>.<buffer>.bin.`;
  return `${driverPrelude(include, what, spec.name)}
int main(int argc, char** argv) {
  std::string out = argc > 1 ? argv[1] : ".";
${driverSpecBody(spec, spec.name)}  std::printf("${spec.name}: %d sizes recorded\\n", ${spec.sizes.length});
  return 0;
}
`;
}

/**
 * The driver's input generators, golden.ts's drawing in C++ (bit for bit: integers in uint32 as the LCG's draw, floats
 * as lcgValues computes them), so a driver draws its buffers instead of carrying them as literals. Host C++ alone
 * (<algorithm>, <cstdint>, <vector>): test/fixture-generators.test.ts compiles it with g++ against golden.ts.
 */
export const DRIVER_GENERATORS = `// Same generator as src/verify/golden.ts lcgValues.
inline std::vector<float> lcg(uint32_t seed, size_t n, bool is_float, uint32_t range) {
  std::vector<float> v(n);
  uint32_t s = seed;
  for (size_t i = 0; i < n; ++i) {
    s = s * 1664525u + 1013904223u;
    uint32_t r = s >> 8;
    v[i] = is_float ? (float)((int)(r % 4096u) - 2048) / 1024.0f : (float)(r % (range ? range : 1u));
  }
  return v;
}

// An output's elements before the launches, as golden.ts outputValues draws them: kind 0 bool (the draw's parity),
// 1 float (the LCG, 0 made 1.5), 2 integer (1..99).
inline std::vector<float> out_draw(uint32_t seed, size_t n, int kind) {
  std::vector<float> v = lcg(seed, n, kind == 1, kind == 0 ? 2u : 99u);
  for (auto& x : v) x = kind == 1 ? (x == 0.0f ? 1.5f : x) : kind == 2 ? x + 1.0f : x;
  return v;
}

// A spec's "domain": [-2, 2) mapped onto [lo, hi), in double as golden.ts does, then rounded to float.
inline std::vector<float> domain(std::vector<float> v, double lo, double hi) {
  for (auto& x : v) x = (float)(lo + (((double)x + 2.0) / 4.0) * (hi - lo));
  return v;
}

// A spec's "index": an expression of the element's index i, in double as golden.ts's evalExpr computes it (its %
// is fmod, its / real division), then rounded to float (checked exact when the driver is written).
inline double c2m_cdiv(double a, double b) { return std::ceil(a / b); }
inline double c2m_min(std::initializer_list<double> a) { return std::min(a); }
inline double c2m_max(std::initializer_list<double> a) { return std::max(a); }
template <class F>
inline std::vector<float> indexed(size_t n, F f) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = (float)f((double)i);
  return v;
}

// The LCG's integer draw from [0, range), as uint32 (lcgValues with is_float false).
inline std::vector<uint32_t> lcg_uint(uint32_t seed, size_t n, uint32_t range) {
  std::vector<uint32_t> v(n);
  uint32_t s = seed;
  for (size_t i = 0; i < n; ++i) {
    s = s * 1664525u + 1013904223u;
    v[i] = (s >> 8) % range;
  }
  return v;
}

// golden.ts ascendingValues: 0, the draw of n - 2 from [0, range - n + 1) sorted, each raised by its index + 1, then
// range - 1 (strictly increasing; range >= n, checked when the driver is written).
inline std::vector<float> ascending(uint32_t seed, size_t n, uint32_t range) {
  if (n < 2) return std::vector<float>(n, 0.0f);
  std::vector<uint32_t> inner = lcg_uint(seed, n - 2, range - (uint32_t)n + 1u);
  std::sort(inner.begin(), inner.end());
  std::vector<float> v(n);
  v[0] = 0.0f;
  for (size_t i = 0; i < n - 2; ++i) v[i + 1] = (float)(inner[i] + (uint32_t)i + 1u);
  v[n - 1] = (float)(range - 1u);
  return v;
}

// golden.ts integerDomain: the draw from [0, hi - lo), shifted by lo.
inline std::vector<float> int_domain(uint32_t seed, size_t n, int64_t lo, int64_t hi) {
  std::vector<uint32_t> r = lcg_uint(seed, n, (uint32_t)(hi - lo));
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = (float)((int64_t)r[i] + lo);
  return v;
}
`;

/** The largest integer a driver's float vectors carry exactly (2^24): a drawn integer past it would round. */
const EXACT_IN_FLOAT = 2 ** 24;

/** The header every driver includes (written beside the drivers by writeDriverHeader). */
export const DRIVER_HEADER = "c2m_driver.cuh";

/**
 * The driver's text up to its main: the device code's include, then the shared header (the LCG, upload/download and
 * c2m_launch). `what` is the comment saying what it runs, `label` the name its error messages give.
 */
export function driverPrelude(include: string, what: string, label: string): string {
  return `// Generated by c2m (src/verify/fixtures.ts, \`c2m-verify-fixtures drivers\`): do not edit.
${what}
#include "${include}"
static const char* const c2m_label = "${label}";
#include "${DRIVER_HEADER}"
`;
}

/** Writes DRIVER_HEADER into `dir` (every folder of drivers needs one); returns its path. */
export function writeDriverHeader(dir: string): string {
  const p = join(dir, DRIVER_HEADER);
  writeFileSync(p, driverHeader());
  return p;
}

/** What every driver shares: the generators, error checks, upload/download and c2m_launch. Needs `c2m_label`. */
export function driverHeader(): string {
  return `// Generated by c2m (src/verify/fixtures.ts): do not edit. What every fixture driver shares; a driver defines
// c2m_label (the name its error messages give) and includes this after its device code.
#pragma once
#include <cuda_fp16.h>
#include <cuda_bf16.h>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <memory>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

static void check(cudaError_t e, const char* what) {
  if (e != cudaSuccess) {
    std::fprintf(stderr, "%s: %s: %s\\n", c2m_label, what, cudaGetErrorString(e));
    std::exit(1);
  }
}

${DRIVER_GENERATORS}
// Host copies are plain arrays: std::vector<bool> packs bits and has no data().
template <class T>
static T* upload(const std::vector<float>& vals) {
  std::unique_ptr<T[]> host(new T[vals.size() + 1]);
  for (size_t i = 0; i < vals.size(); ++i) host[i] = (T)vals[i];
  T* d = nullptr;
  check(cudaMalloc(&d, vals.size() * sizeof(T) + 16), "cudaMalloc");
  check(cudaMemcpy(d, host.get(), vals.size() * sizeof(T), cudaMemcpyHostToDevice), "cudaMemcpy H2D");
  return d;
}

template <class T>
static void download(const std::string& path, T* d, size_t n) {
  std::unique_ptr<T[]> host(new T[n + 1]);
  check(cudaMemcpy(host.get(), d, n * sizeof(T), cudaMemcpyDeviceToHost), "cudaMemcpy D2H");
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) { std::perror(path.c_str()); std::exit(1); }
  std::fwrite(host.get(), sizeof(T), n, f);
  std::fclose(f);
}

// A tag parameter (llm.c's \`std::bool_constant<UseAuxBuffer>\`) takes no launch argument and is passed
// default-constructed, as the emulator's invoke does (cuda_emu.hpp arg_or_tag): the spec's arguments fill
// the other parameters in order.
template <class P>
constexpr bool c2m_is_tag = std::is_class_v<std::decay_t<P>> && std::is_empty_v<std::decay_t<P>>;
template <size_t I, class... P>
constexpr size_t c2m_position() {
  constexpr bool tag[] = {c2m_is_tag<P>..., false};
  size_t k = 0;
  for (size_t j = 0; j != I; ++j) k += tag[j] ? 0 : 1;
  return k;
}
template <class P, size_t K, class Given>
static P c2m_arg(const Given& given) {
  if constexpr (c2m_is_tag<P>) return std::decay_t<P>{};
  else return (P)std::get<K>(given);
}
template <class... P, class Given, size_t... I>
static void c2m_launch_impl(void (*fn)(P...), dim3 grid, dim3 block, size_t shared, const Given& given, std::index_sequence<I...>) {
  static_assert(std::tuple_size_v<Given> == (size_t(0) + ... + (c2m_is_tag<P> ? 0 : 1)), "the spec's launch gives one argument per non-tag parameter");
  fn<<<grid, block, shared>>>(c2m_arg<P, c2m_position<I, P...>()>(given)...);
}
template <class... P, class... A>
static void c2m_launch(void (*fn)(P...), dim3 grid, dim3 block, size_t shared, A... args) {
  c2m_launch_impl(fn, grid, block, shared, std::tuple<A...>(args...), std::index_sequence_for<P...>{});
}
`;
}

/**
 * The statements that run `spec` on every size (in a scope where \`out\` is the output folder): its buffers drawn as
 * goldenBuffers draws them, its launches, every non-input buffer written to <out>/<outName>.s<size>.<buffer>.bin
 * (by `opts.download`, a function of the driver's taking the path, the device pointer and the count; `download` the whole
 * buffer).
 */
export function driverSpecBody(spec: GoldenSpec, outName: string, opts: { download?: string } = {}): string {
  let s = "";
  spec.sizes.forEach((sizes, si) => {
    s += `  {  // size ${si}: ${JSON.stringify(sizes)}\n`;
    for (const b of spec.buffers) {
      const n = evalExpr(b.count, sizes);
      const t = cType(b.dtype);
      const range = b.range === undefined ? 0 : evalExpr(b.range, sizes);
      // as goldenBuffers draws them: an output's start (outputValues: zeros with zeroOutputs), a fill, the LCG (mapped onto the buffer's domain)
      const drawn = `lcg(${bufferSeed(spec.name, b.name, si)}u, ${n}, ${isFloatDtype(b.dtype)}, ${range}u)`;
      const init =
        b.role === "output"
          ? spec.zeroOutputs || b.zeroStart
            ? `std::vector<float>(${n}, 0.0f)`
            : `out_draw(${bufferSeed(spec.name, b.name, si)}u, ${n}, ${outputDrawKind(b.dtype)})`
          : b.fill !== undefined
            ? `std::vector<float>(${n}, (float)(${b.fill}))`
            : b.index !== undefined
              ? indexedCall(spec.name, b.name, b.index, n, sizes)
              : b.ascending
                ? `ascending(${bufferSeed(spec.name, b.name, si)}u, ${n}, ${ascendingRange(spec, b.name, n, range || n)}u)`
                : b.domain && isFloatDtype(b.dtype)
                  ? `domain(${drawn}, ${b.domain[0]}, ${b.domain[1]})`
                  : b.domain && isIntegerDomain(b.domain)
                    ? `int_domain(${bufferSeed(spec.name, b.name, si)}u, ${n}, ${exactDomain(spec, b.name, b.domain).join(", ")})`
                    : drawn;
      s += `    ${t}* ${b.name}_d = upload<${t}>(${init});\n`;
    }
    goldenLaunches(spec, si).forEach((l, li) => {
      const k = l.templateArgs && l.templateArgs.length ? `${l.kernel}<${l.templateArgs.join(", ")}>` : l.kernel;
      const args = l.args.map((a, ai) => {
        if ("buffer" in a) return `${a.buffer}_d`;
        const given = spec.launches[li]!.args[ai]!;
        // a CUDA vector by value (flownet2's long4 sizes): its components, each in the vector's element type
        if ("vector" in given) return `${given.type}{${given.vector.map((e) => `(decltype(${given.type}::x))(${evalExpr(e, sizes)})`).join(", ")}}`;
        if ("bytes" in a) throw new Error(`c2m verify: ${spec.name}: by-value struct arguments are not supported in fixture drivers`);
        return `(${a.type ?? "int"})(${a.scalar})`;
      });
      s += `    c2m_launch(&${k}, dim3(${l.grid.join(", ")}), dim3(${l.block.join(", ")}), ${l.sharedBytes ?? 0}${args.map((a) => `, ${a}`).join("")});\n`;
      s += `    check(cudaGetLastError(), "launch ${l.kernel}");\n`;
    });
    s += `    check(cudaDeviceSynchronize(), "sync");\n`;
    for (const b of spec.buffers) {
      if (b.role === "input") continue;
      s += `    ${opts.download ?? "download"}(out + "/${outName}.s${si}.${b.name}.bin", ${b.name}_d, ${evalExpr(b.count, sizes)});\n`;
    }
    for (const b of spec.buffers) s += `    cudaFree(${b.name}_d);\n`;
    s += `  }\n`;
  });
  return s;
}

/** An ascending buffer's range, checked as ascendingValues checks it and small enough for the driver's floats. */
function ascendingRange(spec: GoldenSpec, buffer: string, n: number, range: number): number {
  if (range < n) throw new Error(`c2m verify: ${spec.name}: an ascending buffer of ${n} elements needs a range of at least ${n} (it is ${range})`);
  if (range - 1 > EXACT_IN_FLOAT)
    throw new Error(`c2m verify: ${spec.name}: ascending buffer ${buffer} reaches ${range - 1}, past what the fixture driver's float inputs hold exactly`);
  return range;
}

/** An integer domain's ends as C++ literals, within what the driver's floats hold exactly. */
function exactDomain(spec: GoldenSpec, buffer: string, d: [number, number]): [string, string] {
  if (Math.max(Math.abs(d[0]), Math.abs(d[1])) > EXACT_IN_FLOAT)
    throw new Error(`c2m verify: ${spec.name}: the domain of ${buffer} reaches past what the fixture driver's float inputs hold exactly`);
  return [`${d[0]}LL`, `${d[1]}LL`];
}

/**
 * A buffer's "index" expression as the driver's generator call: `indexed(n, [](double i) { ... })`, the expression in
 * C++ double arithmetic (sizes as numbers, `%` fmod, functions the driver's c2m_cdiv, c2m_min, c2m_max, std::floor,
 * std::ceil), which is evalExpr's. Refused where a value would not pass through the driver's float exactly.
 */
export function indexedCall(specName: string, buffer: string, e: string | number, n: number, sizes: Record<string, number>): string {
  if (indexValues(e, n, sizes).some((v) => Math.fround(v) !== v))
    throw new Error(`c2m verify: ${specName}: buffer ${buffer}'s index values are not all exact in the fixture driver's float inputs`);
  return `indexed(${n}, [](double i) { return ${exprToCpp(e, sizes)}; })`;
}

const CPP_FUNCTIONS: Record<string, (args: string[]) => string> = nameTable({
  cdiv: (a: string[]) => `c2m_cdiv(${a.join(", ")})`,
  min: (a: string[]) => `c2m_min({${a.join(", ")}})`,
  max: (a: string[]) => `c2m_max({${a.join(", ")}})`,
  floor: (a: string[]) => `std::floor(${a.join(", ")})`,
  ceil: (a: string[]) => `std::ceil(${a.join(", ")})`,
});

/** evalExpr's grammar printed as C++ on doubles, `i` left a variable. */
function exprToCpp(e: string | number, sizes: Record<string, number>): string {
  if (typeof e === "number") return `((double)(${e}))`;
  const toks = e.match(/\d+\.?\d*(?:e[-+]?\d+)?|[A-Za-z_]\w*|[-+*/%(),]/g) ?? [];
  let k = 0;
  const peek = () => toks[k];
  const next = () => toks[k++];
  const primary = (): string => {
    const t = next();
    if (t === undefined) throw new Error(`c2m verify: bad expression "${e}"`);
    if (t === "(") {
      const v = sum();
      next();
      return `(${v})`;
    }
    if (t === "-") return `(-${primary()})`;
    if (/^\d/.test(t)) return `((double)${t})`;
    if (peek() === "(") {
      next();
      const args: string[] = [];
      while (peek() !== ")") {
        args.push(sum());
        if (peek() === ",") next();
      }
      next();
      const f = Object.hasOwn(CPP_FUNCTIONS, t) ? CPP_FUNCTIONS[t] : undefined;
      if (!f) throw new Error(`c2m verify: unknown function ${t} in "${e}"`);
      return f(args);
    }
    if (t === "i") return "i";
    if (!Object.hasOwn(sizes, t)) throw new Error(`c2m verify: unknown size "${t}" in "${e}"`);
    return `((double)${sizes[t]})`;
  };
  const product = (): string => {
    let v = primary();
    while (peek() === "*" || peek() === "/" || peek() === "%") {
      const op = next();
      const r = primary();
      v = op === "%" ? `std::fmod(${v}, ${r})` : `(${v} ${op} ${r})`;
    }
    return v;
  };
  const sum = (): string => {
    let v = product();
    while (peek() === "+" || peek() === "-") {
      const op = next();
      v = `(${v} ${op} ${product()})`;
    }
    return v;
  };
  return sum();
}

/** Writes golden/kernels/fixtures/drivers/<spec>.cu for every golden spec (and device-only copies of torch files). */
export function writeDrivers(): string[] {
  const dir = join(fixturesDir(), "drivers");
  mkdirSync(dir, { recursive: true });
  const written: string[] = [writeDriverHeader(dir)];
  for (const name of listGoldenSpecs()) {
    const spec = loadGoldenSpec(name);
    if (spec.needsTorch) {
      const p = join(dir, `${name}.device.cu`);
      writeFileSync(p, `// Generated by c2m: the device code of ../../${spec.file} (torch host code removed).\n` + extractDeviceCode(loadGoldenSource(spec)));
      written.push(p);
    }
    const p = join(dir, `${name}.cu`);
    writeFileSync(p, driverSource(spec));
    written.push(p);
  }
  return written;
}

/** out_draw's kind for an output of this dtype (golden.ts outputValues). */
function outputDrawKind(dtype: string): number {
  const d = normalizeDtype(dtype);
  return d === "bool" ? 0 : isFloatDtype(d) ? 1 : 2;
}
