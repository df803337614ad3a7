// pytorch_cluster's graclus specs (test/corpus/specs/pytorch_cluster/*graclus*) are drawn so that a GPU recording
// must match the emulator exactly: propose and respond read out[col[i]] while other threads write it (C2M-K053), yet on
// their graph (symmetric, every node its own first neighbour) the result does not depend on the threads' order. The
// CUDA emulator runs the threads in order and in reverse and gets the same buffers; on the same graph without the
// self-loops (each replaced by a second edge to the next node: still symmetric) the order shows, which is why the
// specs have them; and the round matches nodes (out changes), so the recording has something to say.
import { describe, expect, test } from "vitest";
import { runCudaLaunches } from "../src/verify/cuda.js";
import { goldenBuffers, goldenLaunches, type GoldenSpec } from "../src/verify/golden.js";
import type { TypedArray } from "../src/verify/dtypes.js";
import { specDeviceSource, zooSpecs } from "../bench/kernel-zoo-gpu.js";

/** A buffer's elements as text (int64 buffers hold bigints). */
const text = (a: TypedArray | undefined) => Array.from(a as ArrayLike<number | bigint>, String);

const cases = zooSpecs(undefined, { unrecorded: true }).filter((c) => /graclus/.test(c.spec.name));

/** The spec with each row's self-loop (its first entry) an edge to the next node instead. */
function withoutSelfLoops(spec: GoldenSpec): GoldenSpec {
  const buffers = spec.buffers.map((b) => (b.name === "col" ? { ...b, index: String(b.index).replace("(floor(i / 5) + N +", "(floor(i / 5) + N + (1 - min(1, i % 5)) +") } : b));
  expect(buffers).not.toEqual(spec.buffers);
  return { ...spec, buffers };
}

describe("the graclus specs' result does not depend on the threads' order", () => {
  test("both specs are there", () => expect(cases.map((c) => c.spec.name).sort()).toEqual(["graclus_kernel", "weighted_graclus_kernel"]));
  for (const c of cases) {
    test(
      c.spec.name,
      async () => {
        const source = await specDeviceSource(c);
        const run = (spec: GoldenSpec, si: number, reverse: boolean) =>
          runCudaLaunches(source, goldenLaunches(spec, si), goldenBuffers(spec, si), { deviceCodeOnly: false, reverse });
        let ordered = 0;
        for (let si = 0; si < c.spec.sizes.length; si++) {
          const [fwd, back] = [await run(c.spec, si, false), await run(c.spec, si, true)];
          for (const b of ["out", "proposal"]) expect(text(back[b]), `${b} at size ${si}`).toEqual(text(fwd[b]));
          const before = text(goldenBuffers(c.spec, si).out);
          const changed = text(fwd.out).filter((v, i) => v !== before[i]).length;
          expect(changed, `out changed at size ${si}`).toBeGreaterThan(before.length / 20);
          const plain = withoutSelfLoops(c.spec);
          const [pf, pb] = [await run(plain, si, false), await run(plain, si, true)];
          if (text(pf.out).join() !== text(pb.out).join()) ordered++;
        }
        expect(ordered, "sizes whose result the order changes without the self-loops").toBeGreaterThan(0);
      },
      120_000,
    );
  }
});
