// GLM (gsplat's vectors and matrices) onto Metal's float vectors and floatCxR matrices: the aliases
// followed to GLM's canonical names, GLM's functions from passes/kernel/glm.ts, and the CUDA original
// run against the emulator's GLM (include/stubs/glm) — both sides compared on the emulators.
import { describe, expect, it } from "vitest";
import { compileKernels } from "../src/kernel/index.js";
import { spec, translatesAndVerifies } from "./kernel-spec-helpers.js";
import { canonicalGlmType } from "../passes/kernel/glm.js";
import { deviceOnlySource } from "../src/verify/device-code.js";
import { namespaceDirectives, runCuda } from "../src/verify/cuda.js";

const GLM_KERNEL = `
#include <glm/glm.hpp>
#include <glm/gtc/type_ptr.hpp>
using vec2 = glm::vec<2, float>;
using vec3 = glm::vec<3, float>;
using vec4 = glm::vec<4, float>;
using mat3 = glm::mat<3, 3, float>;
using mat3x2 = glm::mat<3, 2, float>;

__device__ mat3 rotation(const vec4 q) {
    vec4 n = glm::normalize(q);
    float w = n[0], x = n[1], y = n[2], z = n[3];
    return mat3(1.f - 2.f * (y * y + z * z), 2.f * (x * y + w * z), 2.f * (x * z - w * y),
                2.f * (x * y - w * z), 1.f - 2.f * (x * x + z * z), 2.f * (y * z + w * x),
                2.f * (x * z + w * y), 2.f * (y * z - w * x), 1.f - 2.f * (x * x + y * y));
}

__device__ void accumulate(const mat3 R, const vec3 v, mat3 &acc, vec3 &out) {
    acc += glm::outerProduct(v, R * v);
    out += glm::transpose(R) * v;
}

__global__ void covar(const float* quats, const float* scales, const float* mats, float* covars, float* extras, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    const vec4 q = glm::make_vec4(quats + i * 4);
    const vec3 s = glm::make_vec3(scales + i * 3);
    mat3 S = mat3(s[0], 0.f, 0.f, 0.f, s[1], 0.f, 0.f, 0.f, s[2]);
    mat3 M = rotation(q) * S;
    mat3 C = M * glm::transpose(M) + glm::transpose(glm::make_mat3(mats + i * 9));
    mat3 acc(0.f);
    vec3 out(0.f);
    accumulate(M, s, acc, out);
    mat3x2 J = mat3x2(1.f, 0.f, 0.f, 1.f, s.x, s.y);
    vec2 p = J * (s * C);
    float d = glm::dot(out, s) + glm::length(glm::cross(s, vec3(1.f, 2.f, 3.f))) + glm::determinant(M) + glm::max(p.x, p.y);
    for (int r = 0; r < 3; r++)
        for (int c = 0; c < 3; c++) covars[i * 9 + r * 3 + c] = C[c][r] + acc[c][r];
    extras[i] = d;
}
`;

describe("GLM vectors and matrices", () => {
  it("the emulator's GLM is column-major as GLM is: make_mat3 reads columns, m[c][r], mat * vec and mat * mat against a reference", async () => {
    // an independent check of the shim (the translation is checked against it below): A = make_mat3(a) holds
    // a[3c + r] at row r of column c; out = A * B read back row by row, then A * v
    const src = `#include <glm/glm.hpp>
#include <glm/gtc/type_ptr.hpp>
__global__ void k(const float* a, const float* b, const float* v, float* out) {
    glm::mat3 A = glm::make_mat3(a), B = glm::make_mat3(b);
    glm::mat3 C = A * B;
    glm::vec3 w = A * glm::make_vec3(v);
    for (int r = 0; r < 3; r++) for (int c = 0; c < 3; c++) out[r * 3 + c] = C[c][r];
    for (int r = 0; r < 3; r++) out[9 + r] = w[r];
    out[12] = glm::dot(w, glm::cross(glm::make_vec3(v), w));
}`;
    const a = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 10]);
    const b = Float32Array.from([2, 0, 1, 1, 3, 0, 0, 1, 4]);
    const v = Float32Array.from([1, -1, 2]);
    const out = await runCuda(
      { source: src, kernel: "k", grid: [1, 1, 1], block: [1, 1, 1], args: [{ buffer: "a" }, { buffer: "b" }, { buffer: "v" }, { buffer: "out" }] },
      { a, b, v, out: new Float32Array(13) },
    );
    const at = (m: Float32Array, r: number, c: number) => m[3 * c + r]!;
    const expected: number[] = [];
    for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) expected.push([0, 1, 2].reduce((t, k) => t + at(a, r, k) * at(b, k, c), 0));
    for (let r = 0; r < 3; r++) expected.push([0, 1, 2].reduce((t, k) => t + at(a, r, k) * v[k]!, 0));
    expected.push(0); // w . (v x w) = 0
    expect(Array.from(out.out!)).toEqual(expected);
  }, 60_000);

  it("GLM's spellings of its float types have one canonical name each", () => {
    expect(canonicalGlmType("glm::vec<3, float>")).toBe("glm::vec3");
    expect(canonicalGlmType("glm::fvec4")).toBe("glm::vec4");
    expect(canonicalGlmType("glm::mat<3, 3, float>")).toBe("glm::mat3");
    expect(canonicalGlmType("glm::mat3x3")).toBe("glm::mat3");
    expect(canonicalGlmType("glm::mat<3, 2, float>")).toBe("glm::mat3x2");
    expect(canonicalGlmType("glm::vec<3, double>")).toBeUndefined();
  });

  it("a kernel of GLM quaternions, matrix products, transposes and outer products translates to Metal's float3x3 and verifies", async () => {
    const r = await translatesAndVerifies(
      GLM_KERNEL,
      spec(
        "covar",
        [{ n: 40 }, { n: 5 }],
        [
          { name: "quats", dtype: "float32", count: "4 * n", role: "input" },
          { name: "scales", dtype: "float32", count: "3 * n", role: "input" },
          { name: "mats", dtype: "float32", count: "9 * n", role: "input" },
          { name: "covars", dtype: "float32", count: "9 * n", role: "output" },
          { name: "extras", dtype: "float32", count: "n", role: "output" },
        ],
        [
          {
            kernel: "covar",
            grid: ["cdiv(n, 32)", 1, 1],
            block: [32, 1, 1],
            args: [{ buffer: "quats" }, { buffer: "scales" }, { buffer: "mats" }, { buffer: "covars" }, { buffer: "extras" }, { scalar: "n", type: "int" }],
          },
        ],
      ),
    );
    const metal = `${r.kernels[0]!.spec.header ?? ""}\n${r.kernels[0]!.spec.source}`;
    expect(metal).toMatch(/float3x3 M = rotation\(q\) \* S;/);
    expect(metal).toMatch(/c2m_glm_make_vec4\(quats \+ i \* 4\)/);
    expect(metal).toMatch(/metal::transpose\(/);
    expect(metal).not.toMatch(/glm::/);
  }, 120_000);

  it("a GLM function with no Metal mapping stays a located C2M-K042 naming it", () => {
    const r = compileKernels(
      `#include <glm/glm.hpp>
using vec3 = glm::vec<3, float>;
__global__ void k(const float* a, float* b, int n) { int i = threadIdx.x; vec3 v = glm::make_vec3(a + 3 * i); b[i] = glm::compMax(v); }`,
      { filename: "k.cu" },
    );
    const d = r.diagnostics.find((x) => x.code === "C2M-K042");
    expect(d?.message).toMatch(/'glm::compMax' is from GLM/);
    expect(d?.message).toMatch(/not among them/);
  });
});

describe("gsplat's headers on the emulator", () => {
  it("host declarations naming at::/c10:: types go from the device code, and so does a specialisation naming a type that went", () => {
    const src = `namespace gsplat {
struct Result { at::Tensor renders; at::optional<at::Tensor> ids; };
template <class T> struct ArgDef;
template <> struct ArgDef<Result> { static int n() { return 1; } };
void launch(const at::Tensor x, at::optional<at::Tensor> y);
struct Plain { float a; };
__device__ float twice(Plain p) { return 2.f * p.a; }
}`;
    const d = deviceOnlySource(src);
    expect(d.source).not.toMatch(/at::|ArgDef<Result>|void launch/);
    expect(d.source).toMatch(/struct Plain \{ float a; \};/);
    expect(d.source).toMatch(/__device__ float twice/);
    expect(d.dropped.filter((x) => /host library's type/.test(x))).toHaveLength(3);
  });

  it("the harness reaches a kernel inside a namespace by its plain name: a using-directive per named namespace, nested ones by path", () => {
    const src = `namespace gsplat { namespace cg = cooperative_groups; namespace detail { __device__ int f(); } __global__ void k(float* x) {} }
namespace { __global__ void hidden() {} }`;
    expect(namespaceDirectives(src).split("\n")).toEqual(["using namespace gsplat;", "using namespace gsplat::detail;"]);
    expect(namespaceDirectives("__global__ void k(float* x) {}")).toBe("");
  });
});
