// Warp reconvergence for the CUDA emulator. A GPU warp runs its lanes together: where a loop or a branch
// lets lanes go different ways, the lanes that entered it wait for each other at its end before going on
// (the compiler's reconvergence point; on Volta and later a BSSY/BSYNC pair around the divergent region).
// CUDA code leans on this without saying so: llm.c's attention_forward_fused1 has each lane write its
// share of a row of `att` in one loop and every lane read the whole row in the next, with no __syncwarp
// between them, and an H100 gives the reference result. The emulator's fibers run one lane until it
// blocks, so without reconvergence lane 0 would read the row before lane 1 wrote its share.
//
// This rewrite wraps every loop, `if` and `switch` of `__global__` and `__device__` functions in a block
// holding an `::emu::region` (cuda_emu.hpp): a lane leaving the region, at its end or by break, continue
// or return, waits for the warp's lanes still inside it. Lines keep their numbers. Host functions are left
// alone: they run outside any warp.
import { parseCuda, type CudaNode } from "../../grammar/cuda.js";
import { field, named, qualifierWords } from "../../passes/kernel/cst.js";

const DIVERGENT = new Set(["for_statement", "for_range_loop", "while_statement", "do_statement", "if_statement", "switch_statement"]);
const OPEN = "{::emu::region __emu_region; ";

function deviceFunctions(root: CudaNode): CudaNode[] {
  const out: CudaNode[] = [];
  const visit = (n: CudaNode) => {
    for (const c of named(n)) {
      if (c.type === "function_definition") {
        const words = qualifierWords(c);
        if ((words.includes("__global__") || words.includes("__device__")) && !words.includes("__host__")) out.push(c);
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

/** The source with every divergent statement of its device functions in a reconvergence region. */
export function insertReconvergence(source: string): string {
  if (!/__global__|__device__/.test(source)) return source;
  const root = parseCuda(source).rootNode;
  const edits: { at: number; text: string }[] = [];
  for (const fn of deviceFunctions(root)) {
    const body = field(fn, "body");
    if (!body || body.hasError) continue;
    const visit = (n: CudaNode) => {
      for (const c of named(n)) {
        if (c.type === "lambda_expression") continue; // a lambda's body may run outside the statement it sits in
        visit(c);
        if (!DIVERGENT.has(c.type)) continue;
        edits.push({ at: c.startIndex, text: OPEN });
        edits.push({ at: c.endIndex, text: " }" });
      }
    };
    visit(body);
  }
  if (!edits.length) return source;
  // stable by position: at one offset, an inner statement's close (pushed first) goes before its parent's
  edits.sort((a, b) => a.at - b.at);
  let out = "";
  let last = 0;
  for (const e of edits) {
    out += source.slice(last, e.at) + e.text;
    last = e.at;
  }
  return out + source.slice(last);
}
