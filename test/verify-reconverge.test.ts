// Warp reconvergence on the CUDA emulator (src/verify/reconverge.ts): the lanes of a warp meet again after
// every loop and branch of device code, as on the GPU, the lanes still inside a region going first. llm.c's attention_forward_fused1 writes a row of
// `att` a lane per element in one loop and reads the whole row from every lane in the next, no __syncwarp
// between them; an H100 gives the numpy reference (test/corpus/fixtures/attention_forward_fused1.*), and
// the emulator gave 20 of 40 `out` elements wrong before (lane 0 read the row before lane 1 wrote its share).
import { describe, expect, test } from "vitest";
import { runCuda } from "../src/verify/cuda.js";
import { insertReconvergence } from "../src/verify/reconverge.js";

describe("warp reconvergence points", () => {
  test("every loop, if and switch of device code is wrapped in a region; host code untouched; lines keep their numbers", () => {
    const src = `__device__ int f(int* a, int n) {
  for (int i = 0; i < n; i++) if (a[i]) a[i]--;
  if (n) a[0] = 1; else while (n) n--;
  return n;
}
void host(int* a) { for (int i = 0; i < 4; i++) a[i] = 0; }
`;
    const out = insertReconvergence(src);
    expect(out.split("\n")).toHaveLength(src.split("\n").length);
    const R = "{::emu::region __emu_region; ";
    expect(out).toContain(`${R}for (int i = 0; i < n; i++) ${R}if (a[i]) a[i]--; } }`);
    expect(out).toContain(`${R}if (n) a[0] = 1; else ${R}while (n) n--; } }`);
    expect(out).toContain("void host(int* a) { for (int i = 0; i < 4; i++) a[i] = 0; }");
  });

  test("a row written a lane per element in one loop is read whole by every lane in the next (attention_forward_fused1's shape)", async () => {
    const src = `
__global__ void rows(float* out, float* row, int n) {
  int lane = threadIdx.x % 32;
  for (int j = lane; j < n; j += 32) row[j] = (float)(j + 1);
  float s = 0.0f;
  for (int j = 0; j < n; j++) s += row[j];
  out[threadIdx.x] = s;
}
`;
    const n = 40;
    const r = await runCuda(
      { source: src, kernel: "rows", grid: [1, 1, 1], block: [32, 1, 1], args: [{ buffer: "out" }, { buffer: "row" }, { scalar: n, type: "int" }] },
      { out: new Float32Array(32), row: new Float32Array(n) },
    );
    // every lane sums 1..40 = 820 (without reconvergence lane 0 summed the zeros lanes 1..31 had not written yet)
    expect([...r.out!]).toEqual(new Array(32).fill((n * (n + 1)) / 2));
  });

  test("a helper's branch inside a loop only some lanes run does not let the other lanes go past the loop early", async () => {
    // c2m's CUDA twin of an in-place buffer: every access goes through a helper with an if (c2m_own)
    const src = `
__device__ float& own(float* y, int* touched, int i) { if (!touched[i]) { touched[i] = 1; y[i] = 0.0f; } return y[i]; }
__global__ void rows(float* out, float* row, int* touched, int n) {
  int lane = threadIdx.x % 32;
  for (int j = lane; j < n; j += 32) own(row, touched, j) = (float)(j + 1);
  float s = 0.0f;
  for (int j = 0; j < n; j++) s += own(row, touched, j);
  out[threadIdx.x] = s;
}
`;
    const n = 5;
    const r = await runCuda(
      { source: src, kernel: "rows", grid: [1, 1, 1], block: [32, 1, 1], args: [{ buffer: "out" }, { buffer: "row" }, { buffer: "touched" }, { scalar: n, type: "int" }] },
      { out: new Float32Array(32), row: new Float32Array(n), touched: new Int32Array(n) },
    );
    expect([...r.out!]).toEqual(new Array(32).fill((n * (n + 1)) / 2));
  });
});
