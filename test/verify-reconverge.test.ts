// Warp reconvergence on the CUDA emulator (src/verify/reconverge.ts): the lanes of a warp meet again after
// every loop and branch of device code, as on the GPU. llm.c's attention_forward_fused1 writes a row of
// `att` a lane per element in one loop and reads the whole row from every lane in the next, no __syncwarp
// between them; an H100 gives the numpy reference (test/corpus/fixtures/attention_forward_fused1.*), and
// the emulator gave 20 of 40 `out` elements wrong before (lane 0 read the row before lane 1 wrote its share).
import { describe, expect, test } from "vitest";
import { runCuda } from "../src/verify/cuda.js";
import { insertReconvergence } from "../src/verify/reconverge.js";

describe("warp reconvergence points", () => {
  test("after every loop, if and switch of device code; a statement in another's slot is wrapped; host code untouched", () => {
    const src = `__device__ int f(int* a, int n) {
  for (int i = 0; i < n; i++) if (a[i]) a[i]--;
  if (n) a[0] = 1; else while (n) n--;
  return n;
}
void host(int* a) { for (int i = 0; i < 4; i++) a[i] = 0; }
`;
    const out = insertReconvergence(src);
    expect(out.split("\n")).toHaveLength(src.split("\n").length); // lines keep their numbers
    expect(out).toContain("for (int i = 0; i < n; i++) {if (a[i]) a[i]--; ::emu::reconverge(); } ::emu::reconverge();");
    expect(out).toContain("if (n) a[0] = 1; else {while (n) n--; ::emu::reconverge(); } ::emu::reconverge();");
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
});
