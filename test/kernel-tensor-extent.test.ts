/**
 * A PyTorch launcher that reads only `x.size(d)` of a tensor leaves its trailing extent unsaid
 * (ChamferDistance's `(B, N, 3)` point clouds, whose 3 only the kernel knows): the synthesised shape fixes
 * the sizes the launch passes, the element count is a lower bound grown where the original reads past it
 * (src/kernel/launch-spec.ts unsaidTensors, synth-spec.ts growCallerBuffers), and a tensor the kernel only
 * writes is an output, so that what the kernel leaves of a grown tensor is not compared.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileKernels } from "../src/kernel/index.js";
import { deriveVerifySpecs } from "../src/kernel/launch-spec.js";
import { sizedSpecs } from "../src/kernel/synth-spec.js";
import { kernelCliHarness } from "./kernel-spec-helpers.js";

const chamfer = `#include <torch/extension.h>
__global__ void nearest(int b, int n, const float* xyz, int m, const float* xyz2, float* result, int* result_i) {
  for (int i = blockIdx.x; i < b; i += gridDim.x) {
    for (int j = threadIdx.x + blockIdx.y * blockDim.x; j < n; j += blockDim.x * gridDim.y) {
      float best = 0; int best_i = 0;
      for (int k = 0; k < m; k++) {
        float dx = xyz2[(i * m + k) * 3 + 0] - xyz[(i * n + j) * 3 + 0];
        float dy = xyz2[(i * m + k) * 3 + 1] - xyz[(i * n + j) * 3 + 1];
        float dz = xyz2[(i * m + k) * 3 + 2] - xyz[(i * n + j) * 3 + 2];
        float d = dx * dx + dy * dy + dz * dz;
        if (k == 0 || d < best) { best = d; best_i = k; }
      }
      result[i * n + j] = best;
      result_i[i * n + j] = best_i;
    }
  }
}
int forward(at::Tensor xyz1, at::Tensor xyz2, at::Tensor dist1, at::Tensor dist2, at::Tensor idx1, at::Tensor idx2) {
  const auto batch_size = xyz1.size(0);
  const auto n = xyz1.size(1);
  const auto m = xyz2.size(1);
  nearest<<<dim3(4, 2, 1), 64>>>(batch_size, n, xyz1.data<float>(), m, xyz2.data<float>(), dist1.data<float>(), idx1.data<int>());
  nearest<<<dim3(4, 2, 1), 64>>>(batch_size, m, xyz2.data<float>(), n, xyz1.data<float>(), dist2.data<float>(), idx2.data<int>());
  return 1;
}
`;

const cli = kernelCliHarness("c2m-tensor-extent-");

describe("a tensor whose trailing extent the launcher leaves unsaid", () => {
  it("is grown where the original reads past it, the sizes the launch read kept", async () => {
    const compiled = compileKernels(chamfer, { filename: "chamfer.cu" });
    const d = deriveVerifySpecs(chamfer, "chamfer.cu", compiled, {});
    const s = d.specs[0]!;
    expect(d.callerBuffers?.[s.name]).toEqual(["xyz1", "xyz2", "dist1", "dist2", "idx1", "idx2"]);
    // written only: outputs, so that MLX's fresh outputs compare with what the kernel leaves untouched
    expect(s.buffers.map((b) => [b.name, b.role])).toEqual([
      ["xyz1", "input"],
      ["xyz2", "input"],
      ["dist1", "output"],
      ["dist2", "output"],
      ["idx1", "output"],
      ["idx2", "output"],
    ]);
    const [b, n, , m] = s.launches[0]!.args.map((a) => ("scalar" in a ? a.scalar : undefined));
    const sized = await sizedSpecs([s], d.callerBuffers, compiled.source);
    expect(sized.left).toEqual([]);
    const count = (name: string) => Number(sized.specs[0]!.buffers.find((x) => x.name === name)!.count);
    // every point of both clouds is read: the hidden 3 comes back, size(0) and size(1) stay what the launch passed
    expect(count("xyz1")).toBeGreaterThanOrEqual(b! * n! * 3);
    expect(count("xyz2")).toBeGreaterThanOrEqual(b! * m! * 3);
    expect(sized.specs[0]!.launches[0]!.args.slice(0, 2)).toEqual(s.launches[0]!.args.slice(0, 2));
  }, 120_000);

  it("keeps a tensor exact when the launcher reads its numel()", () => {
    const src = chamfer.replace("const auto n = xyz1.size(1);", "const auto n = xyz1.size(1); const auto all = xyz1.numel();");
    const compiled = compileKernels(src, { filename: "chamfer.cu" });
    const d = deriveVerifySpecs(src, "chamfer.cu", compiled, {});
    expect(d.callerBuffers?.[d.specs[0]!.name]).not.toContain("xyz1");
    expect(d.callerBuffers?.[d.specs[0]!.name]).toContain("xyz2");
  });

  it("verifies end to end (c2m kernel --verify, no spec)", async () => {
    const file = join(cli.dir(), "chamfer.cu");
    writeFileSync(file, chamfer);
    const { code, stderr } = await cli.run(file, { verify: true });
    expect(stderr).toMatch(/the tensors whose trailing extent it leaves unsaid sized by running the original/);
    expect(stderr).toMatch(/ok {3}chamfer_forward_0_0 \[n=1000\] idx1 \(metal\)/);
    expect(code).toBe(0);
  }, 240_000);
});
