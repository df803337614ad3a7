// Warp reconvergence for the CUDA emulator, where CUDA code leans on it to pass data between lanes
// (passes/kernel/warp-reconvergence.ts says where and why). The emulator's fibers run one lane until it
// blocks, so without a reconvergence point llm.c's attention_forward_fused1 had lane 0 read `att`'s row
// before lane 1 wrote its share (20 of 40 `out` elements differed from the H100's). After each site this
// rewrite puts `::emu::reconverge();` (a lockstep point: the lanes of a warp that wait there go on together
// once no lane can move), on the same line so that compiler messages keep their lines.
import { parseCuda, type CudaNode } from "../../grammar/cuda.js";
import { field, named, qualifierWords } from "../../passes/kernel/cst.js";
import { reconvergenceSites } from "../../passes/kernel/warp-reconvergence.js";

const POINT = "::emu::reconverge();";

/**
 * The bodies of the kernels. Not device functions: a helper's branch (c2m_own's copy-in) is per thread, and
 * a lane waiting inside a helper called in a loop would be let go with lanes already past the loop.
 */
function kernelBodies(root: CudaNode): CudaNode[] {
  const out: CudaNode[] = [];
  const visit = (n: CudaNode) => {
    for (const c of named(n)) {
      if (c.type === "function_definition") {
        const words = qualifierWords(c);
        const body = field(c, "body");
        if (body && words.includes("__global__")) out.push(body);
      } else if (
        ["template_declaration", "namespace_definition", "declaration_list", "linkage_specification", "preproc_if", "preproc_ifdef", "preproc_else", "preproc_elif"].includes(
          c.type,
        )
      )
        visit(c);
    }
  };
  visit(root);
  return out;
}

/** The source with a reconvergence point after each site of its kernels. */
export function insertReconvergence(source: string): string {
  if (!/__global__|__device__/.test(source)) return source;
  const root = parseCuda(source).rootNode;
  const edits: { at: number; text: string }[] = [];
  // a site is an item of the kernel's body (never another statement's slot), so the point can follow it as a statement
  for (const body of kernelBodies(root)) for (const s of reconvergenceSites(body)) edits.push({ at: s.endIndex, text: ` ${POINT}` });
  if (!edits.length) return source;
  edits.sort((a, b) => a.at - b.at);
  let out = "";
  let last = 0;
  for (const e of edits) {
    out += source.slice(last, e.at) + e.text;
    last = e.at;
  }
  return out + source.slice(last);
}
