// Warp reconvergence on the CUDA emulator (src/verify/reconverge.ts): only where a loop or branch stores into
// memory that a later statement of its block reads before any barrier do a warp's lanes meet again, as on
// the GPU. llm.c's attention_forward_fused1 writes a row of `att` a lane per element in one loop and reads
// the whole row from every lane in the next, no __syncwarp between them; an H100 gives the numpy reference
// (test/corpus/fixtures/attention_forward_fused1.*, checked in test/kernel-zoo-gpu.test.ts), and the
// emulator gave 20 of 40 `out` elements wrong before (lane 0 read the row before lane 1 wrote its share).
import { describe, expect, test } from "vitest";
import { runCuda } from "../src/verify/cuda.js";
import { insertReconvergence } from "../src/verify/reconverge.js";

const POINT = "::emu::reconverge();";

describe("warp reconvergence points", () => {
  test("after a construct whose stores a later statement reads; not for private arrays, not across a barrier, not in host code", () => {
    const src = `__global__ void k(float* out, float* row, int n) {
  int lane = threadIdx.x % 32;
  float priv[4];
  for (int j = lane; j < n; j += 32) row[j] = 1.0f;
  for (int j = 0; j < 4; j++) priv[j] = row[j];
  if (lane == 0) *out = priv[0];
  __syncthreads();
  float s = out[0];
  for (int j = lane; j < n; j += 32) out[j + 1] = s;
}
void host(float* a) { for (int i = 0; i < 4; i++) a[i] = 0; float b = a[0]; }
`;
    const out = insertReconvergence(src);
    expect(out.split("\n")).toHaveLength(src.split("\n").length); // lines keep their numbers
    // row's loop: read by the next loop. priv's loop: a thread-private array. out's if: a barrier comes before the read
    expect(out).toContain(`for (int j = lane; j < n; j += 32) row[j] = 1.0f; ${POINT}\n`);
    expect(out.split(POINT)).toHaveLength(2);
    expect(out).toContain("void host(float* a) { for (int i = 0; i < 4; i++) a[i] = 0; float b = a[0]; }");
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
      { source: src, kernel: "rows", grid: [1, 1, 1], block: [64, 1, 1], args: [{ buffer: "out" }, { buffer: "row" }, { scalar: n, type: "int" }] },
      { out: new Float32Array(64), row: new Float32Array(n) },
    );
    // every lane sums 1..40 = 820 (without reconvergence lane 0 summed the zeros lanes 1..31 had not written yet)
    expect([...r.out!]).toEqual(new Array(64).fill((n * (n + 1)) / 2));
  }, 60_000);
});
