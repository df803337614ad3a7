/**
 * Issue 14, read-through in-place buffers (passes/kernel/read-through.ts, C2M-K053): a buffer threads read at
 * indices taken from memory while other threads write those elements, nothing ordering the two (pytorch_cluster's
 * graclus: `out[col[i]]`). The CUDA original races; Metal's device memory races the same way, so the translation
 * reads each element through a flag its stores set after a fence (the stored value where set, else the caller's)
 * and never copies in. Shown on the Metal emulator: it agrees with the CUDA original with the threads in either
 * order (the result depends on the order, on both sides alike), and a translation whose reads miss the caller's
 * values (what a copy-in by the element's owner gives a reader that comes first) or miss the flags is caught. A
 * thread that may wait for another's store, an update in place, a row pointer or atomics stay refused (C2M-K046).
 */
import { describe, expect, it } from "vitest";
import { compileKernels } from "../src/kernel/index.js";
import { runEmitted, verifyAgainstSpec } from "../src/kernel/verify.js";
import { runCudaLaunches } from "../src/verify/cuda.js";
import { compareArrays } from "../src/verify/compare.js";
import { goldenBuffers, goldenLaunches } from "../src/verify/golden.js";
import { spec, translatesAndVerifies } from "./kernel-spec-helpers.js";

// graclus's propose and respond (pytorch_cluster/csrc/cuda/graclus_cuda.cu), as written there but for the types
const GRACLUS = `
__global__ void propose(long long* out, long long* proposal, const long long* rowptr, const long long* col, long long numel) {
  const long long u = blockIdx.x * blockDim.x + threadIdx.x;
  if (u < numel) {
    if (out[u] != -1) return;
    bool unmatched = false;
    for (long long i = rowptr[u]; i < rowptr[u + 1]; i++) {
      auto v = col[i];
      if (out[v] < 0) unmatched = true;
      if (out[v] == -2) {
        proposal[u] = v;
        break;
      }
    }
    if (!unmatched) out[u] = u;
  }
}

__global__ void respond(long long* out, const long long* proposal, const long long* rowptr, const long long* col, long long numel) {
  const long long u = blockIdx.x * blockDim.x + threadIdx.x;
  if (u < numel) {
    if (out[u] != -2) return;
    bool unmatched = false;
    for (long long i = rowptr[u]; i < rowptr[u + 1]; i++) {
      auto v = col[i];
      if (out[v] < 0) unmatched = true;
      if (out[v] == -1 && proposal[v] == u) {
        out[u] = min(u, v);
        out[v] = min(u, v);
        break;
      }
    }
    if (!unmatched) out[u] = u;
  }
}
`;

const launch = (kernel: string) => ({
  kernel,
  grid: ["cdiv(N, 64)", 1, 1] as [string, number, number],
  block: [64, 1, 1] as [number, number, number],
  args: [{ buffer: "out" }, { buffer: "proposal" }, { buffer: "rowptr" }, { buffer: "col" }, { scalar: "N", type: "long long" }],
});

// a random graph (not symmetric), nodes coloured -2 (red), -1 (blue) or 0 (matched), three threadgroups and a ragged one
const graclusSpec = spec(
  "graclus_round",
  [
    { N: 150, E: 420 },
    { N: 61, E: 200 },
  ],
  [
    { name: "out", dtype: "int64", count: "N", role: "inout", domain: [-2, 1] },
    { name: "proposal", dtype: "int64", count: "N", role: "output" },
    { name: "rowptr", dtype: "int64", count: "N + 1", role: "input", range: "E + 1", ascending: true },
    { name: "col", dtype: "int64", count: "E", role: "input", range: "N" },
  ],
  [launch("propose"), launch("respond")],
);

const errors = (src: string) => compileKernels(src, { filename: "k.cu" }).diagnostics.filter((d) => d.severity === "error");

describe("a buffer read at indices taken from memory while other threads write it (graclus)", () => {
  it("is translated read-through, with a warning saying the result depends on thread order as the original's does", () => {
    const r = compileKernels(GRACLUS, { filename: "k.cu" });
    expect(r.refused).toEqual([]);
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const warnings = r.diagnostics.filter((d) => d.code === "C2M-K053");
    expect(warnings.map((d) => d.severity)).toEqual(["warning", "warning"]);
    expect(warnings[0]!.message).toMatch(/^buffer 'out' of kernel 'propose' is read and written: 'out\[v\]' \(line 9\) is at an index read from memory \('v' = col\[i\]\)/);
    expect(warnings[0]!.message).toMatch(/no copy-in, so no read can undo a write/);
    expect(warnings[0]!.message).toMatch(
      /depends on the order threads run in, exactly as the original's does, unless no element a thread reads at an index taken from memory is written by another thread/,
    );
    expect(warnings[0]!.hint).toMatch(/atomic_thread_fence, Metal 3\.2/);
    for (const k of r.kernels) {
      const out = k.params.find((p) => p.name === "out")!;
      expect(out.readThrough).toBe(true);
      // the flags are atomic words, read and set with device-scope fences; nothing is copied in
      expect(k.spec.output_names).toContain("out_touched");
      expect(k.spec.source).toContain("c2m_rt_load(out, out_in, out_touched, v)");
      expect(k.spec.source).not.toContain("c2m_own(out");
      expect(k.spec.header).toContain("atomic_thread_fence(mem_flags::mem_device, memory_order_seq_cst, thread_scope_device)");
      expect(k.cuda.source).toContain("c2m_rt_load(out, out_in, out_touched, v)");
    }
    // propose's proposal is written only where a red neighbour is found: it keeps the caller's values elsewhere (write-only.ts)
    expect(r.kernels.find((k) => k.name === "propose")!.params.find((p) => p.name === "proposal")).toMatchObject({ role: "inout-copy", writeOnly: true });
    const respond = r.kernels.find((k) => k.name === "respond")!;
    expect(respond.spec.source).toContain("c2m_rt_store(out, out_touched, v, metal::min(u, v));");
    // the wrapper: the flags are uint32, and elements no thread stored keep the caller's values
    const wrapper = r.python.slice(r.python.indexOf(`def ${respond.pythonFunction}(`));
    expect(wrapper).toContain("output_dtypes=[mx.int64, mx.uint32],");
    expect(wrapper).toContain("return mx.where(outputs[1].astype(mx.bool_), outputs[0], out)");
  });

  it("agrees with the CUDA original on the emulators (Metal through clang too), in the threads' order and in reverse", async () => {
    const r = await translatesAndVerifies(GRACLUS, graclusSpec);
    let orderMatters = false;
    for (let s = 0; s < graclusSpec.sizes.length; s++) {
      const cuda = (reverse: boolean) => runCudaLaunches(GRACLUS, goldenLaunches(graclusSpec, s), goldenBuffers(graclusSpec, s), { deviceCodeOnly: true, reverse });
      const [forward, backward] = [await cuda(false), await cuda(true)];
      orderMatters ||= !compareArrays(forward.out!, backward.out!, "int64").ok;
      const metal = await runEmitted(r, graclusSpec, s, "metal", { reverse: true });
      for (const b of ["out", "proposal"]) expect(compareArrays(metal[b]!, backward[b]!, "int64").ok, `${b} at size ${s}, threads in reverse`).toBe(true);
    }
    // the race is real on these graphs: the original's answer changes with the threads' order
    expect(orderMatters).toBe(true);
  }, 240_000);

  it("a translation whose reads miss the caller's values, or the flags, is caught", async () => {
    const r = compileKernels(GRACLUS, { filename: "k.cu" });
    // a reader that comes before the element's owner sees the fresh output (a copy-in by the owner gives that)
    const owner = await verifyAgainstSpec(r, GRACLUS, graclusSpec, { mutate: (k) => void (k.spec.header = k.spec.header.replace("return T(y_in[i]);", "return y[i];")) });
    expect(owner.ok).toBe(false);
    // stores that never set the flag: reads keep seeing the caller's values
    const unflagged = await verifyAgainstSpec(r, GRACLUS, graclusSpec, {
      mutate: (k) => void (k.spec.header = k.spec.header.replace("+ i, 1u, memory_order_relaxed)", "+ i, 0u, memory_order_relaxed)")),
    });
    expect(unflagged.ok).toBe(false);
  }, 240_000);
});

describe("an integer spec buffer's domain", () => {
  it("draws the integers of [lo, hi), negative ones too; ends that are not whole leave the range's draw", () => {
    const out = Array.from(goldenBuffers(graclusSpec, 0).out! as BigInt64Array, Number);
    expect(new Set(out)).toEqual(new Set([-2, -1, 0]));
    const halves = spec("halves", [{ N: 8 }], [{ name: "i", dtype: "int32", count: "N", role: "input", range: 4, domain: [0.5, 2] }], []);
    expect(Array.from(goldenBuffers(halves, 0).i!).every((v) => v >= 0 && v < 4)).toBe(true);
  });
});

describe("what stays refused (C2M-K046)", () => {
  const propose = GRACLUS.slice(0, GRACLUS.indexOf("__global__ void respond"));
  it("a thread that may wait for another thread's store", () => {
    const spin = `__global__ void wait(long long* out, const long long* col, long long n) {
  long long u = blockIdx.x * blockDim.x + threadIdx.x;
  if (u < n) {
    out[u] = 1;
    for (;;) {
      if (out[col[u]] != 0) break;
    }
  }
}`;
    const e = errors(spin);
    expect(e.map((d) => d.code)).toContain("C2M-K046");
    expect(e.find((d) => /buffer 'out'/.test(d.message))!.message).toMatch(/is read in a loop that is not a counted for loop .* no forward-progress guarantee/);
    // a for loop whose condition reads the buffer waits just the same
    const cond = errors(spin.replace("for (;;) {\n      if (out[col[u]] != 0) break;\n    }", "for (int k = 0; out[col[u]] == 0; k++) {}"));
    expect(cond.map((d) => d.code)).toContain("C2M-K046");
  });

  it("an update in place, a row pointer, or atomics in the kernel", () => {
    const why = (src: string) => errors(src).find((d) => d.code === "C2M-K046")?.message;
    expect(why(propose.replace("if (!unmatched) out[u] = u;", "if (!unmatched) out[u] += u;"))).toMatch(/but 'out\[u\]' \(line 15\) updates the element in place/);
    expect(why(propose.replace("if (out[u] != -1) return;", "long long* mine = out + u; if (*mine != -1) return;"))).toMatch(/is not a plain subscript of 'out'/);
    expect(
      why(propose.replace("long long numel)", "long long numel, int* count)").replace("if (!unmatched) out[u] = u;", "if (!unmatched) { out[u] = u; atomicAdd(count, 1); }")),
    ).toMatch(/but the kernel has atomics, and MLX then declares every output atomic<T>/);
  });
});
