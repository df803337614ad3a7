/**
 * Synthesised launches of graph kernels (pytorch_cluster's random walk and radius, issue 14): a CSR pointer array
 * read at `p[e]` and `p[e + 1]` ascends, a float fraction scaled into an index (`int64_t(rand[i] * n)`) is drawn
 * from [0, 1), and a launch whose threshold no input reaches (`dist < r`) retries with its float parameters raised
 * (src/kernel/synth-domain.ts, src/kernel/synth-spec.ts).
 */
import { describe, expect, it } from "vitest";
import { compileKernels } from "../src/kernel/index.js";
import { synthesizeSpecs } from "../src/kernel/synth-spec.js";
import { synthDomain, INDEX_FLOAT_DOMAIN } from "../src/kernel/synth-domain.js";
import { verifyAgainstSpec } from "../src/kernel/verify.js";

function compiled(source: string) {
  const c = compileKernels(source, { filename: "case.cu" });
  expect(c.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return c;
}
const kernel = (c: ReturnType<typeof compiled>, name: string) => c.kernels.find((k) => k.name === name)!;

const src = `
__global__ void walk(const long long* rowptr, const long long* col, const long long* start, const float* rand, long long* n_out, long long* e_out, const long long walk_length, const long long numel) {
  const long long t = blockIdx.x * blockDim.x + threadIdx.x;
  if (t < numel) {
    long long n_cur = start[t], e_cur, row_start, row_end, rnd;
    n_out[t] = n_cur;
    for (long long l = 0; l < walk_length; l++) {
      row_start = rowptr[n_cur], row_end = rowptr[n_cur + 1];
      if (row_end - row_start == 0) {
        e_cur = -1;
      } else {
        rnd = (long long)(rand[l * numel + t] * (row_end - row_start));
        e_cur = row_start + rnd;
        n_cur = col[e_cur];
      }
      n_out[(l + 1) * numel + t] = n_cur;
      e_out[l * numel + t] = e_cur;
    }
  }
}
__global__ void fields(const unsigned int* rays, const float* x, float* out, const unsigned int n) {
  const unsigned int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  out[i] = x[rays[i * 3]] + (float)rays[i * 3 + 1];
}
__global__ void near(const float* x, const float* y, const long long* ptr_x, long long* row, const float r, const long long m, const long long dim, const long long k) {
  const long long n_y = blockIdx.x * blockDim.x + threadIdx.x;
  if (n_y >= m) return;
  long long count = 0;
  const long long e = n_y % 2;
  for (long long n_x = ptr_x[e]; n_x < ptr_x[e + 1]; n_x++) {
    float dist = 0;
    for (long long d = 0; d < dim; d++) dist += (x[n_x * dim + d] - y[n_y * dim + d]) * (x[n_x * dim + d] - y[n_y * dim + d]);
    if (dist < r) {
      row[n_y * k + count] = n_x;
      count++;
    }
    if (count >= k) break;
  }
}
__global__ void pair(const int* dims, float* out) { out[threadIdx.x] = dims[0] * dims[1]; }
`;

describe("a synthesised launch of a graph kernel", () => {
  const c = compiled(src);

  it("reads `p[e]` and `p[e + 1]` as a CSR row's bounds (ascending), not a record's fields (`rays[i * 3 + 1]`) nor two literals; a scaled float cast to an integer is an index", () => {
    const walk = synthDomain(kernel(c, "walk"));
    expect([...walk.csrPointers]).toEqual(["rowptr"]);
    expect([...walk.indexFloats]).toEqual(["rand"]);
    expect([...synthDomain(kernel(c, "fields")).csrPointers]).toEqual([]);
    expect([...synthDomain(kernel(c, "near")).csrPointers]).toEqual(["ptr_x"]);
    expect([...synthDomain(kernel(c, "pair")).csrPointers]).toEqual([]);
  });

  it("a random walk over an ascending rowptr with fractions in [0, 1) verifies (random values read before col)", async () => {
    const [s] = await synthesizeSpecs(c, src, "walk");
    expect(s!.spec.buffers.find((b) => b.name === "rowptr")).toMatchObject({ ascending: true });
    expect(s!.spec.buffers.find((b) => b.name === "rand")!.domain).toEqual(INDEX_FLOAT_DOMAIN);
    expect((await verifyAgainstSpec(c, src, s!.spec)).ok).toBe(true);
  }, 180_000);

  it("a threshold no input reaches (`dist < r` over S coordinates) retries with the float parameters raised", async () => {
    const [s] = await synthesizeSpecs(c, src, "near");
    expect(s!.spec.launches[0]!.args[4]).toEqual({ scalar: 4, type: "float" });
    expect((await verifyAgainstSpec(c, src, s!.spec)).ok).toBe(true);
  }, 180_000);
});
