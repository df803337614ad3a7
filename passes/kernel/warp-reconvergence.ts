/**
 * Where CUDA code leans on a warp's reconvergence to pass data between lanes through memory.
 *
 * A GPU warp's lanes meet again after a loop or branch they went through different ways (the compiler's
 * reconvergence point; on Volta and later a BSSY/BSYNC pair around the divergent region). Code that lets
 * one lane read what another wrote in the construct just before, with no __syncwarp between them, relies on
 * that: llm.c's attention_forward_fused1 has lane 0 write `preatt_bth[t2]` in one loop that every lane reads
 * in the next, and each lane write its share of `att_bth`'s row in a loop whose whole row every lane reads in
 * the loop after it; an H100 gives the reference result.
 *
 * A site is a loop, `if` or `switch` at the top of a kernel's body that stores into memory (a subscript, `*p`, `p->f` of a name that is not
 * a thread-private array) which a later top-level statement reads before any barrier
 * (`__syncthreads`, `__syncwarp`, a cooperative group's `sync()`, which order the lanes themselves). The CUDA
 * emulator makes the warp's lanes meet after each site (src/verify/reconverge.ts); the Metal translation puts
 * a SIMD-group barrier after each site (emit/metal-simd-sync.ts). Nowhere else:
 * CUDA's model is independent thread scheduling, and a reconvergence after every loop and branch changed the
 * emulated results of kernels that exchange nothing this way.
 */
import type { CudaNode } from "../../grammar/cuda.js";
import { callArgs, declaratorName, descendants, field, named, qualifierWords, unparen, walk } from "./cst.js";

const DIVERGENT = new Set(["for_statement", "for_range_loop", "while_statement", "do_statement", "if_statement", "switch_statement"]);
/** Calls after which a warp's lanes are ordered anyway. */
const SYNC_CALL = /\b(?:__syncthreads\w*|__syncwarp|sync|barrier_wait|__threadfence_block)\s*\(/;

/** Arrays a function declares without `__shared__`: each thread has its own, no lane can see another's. */
function privateArrays(body: CudaNode): Set<string> {
  const out = new Set<string>();
  for (const d of descendants(body, ["declaration"])) {
    if (qualifierWords(d).includes("__shared__") || /\b__shared__\b/.test(d.text)) continue;
    for (const decl of named(d)) {
      const arr = decl.type === "init_declarator" ? field(decl, "declarator") : decl;
      if (arr?.type !== "array_declarator") continue;
      const name = declaratorName(arr);
      if (name) out.add(name);
    }
  }
  return out;
}

/** The name a memory access goes through: `p` of `p[i]`, `a[i][j]`, `*(p + k)`, `p->f`, `own(p, i) = v`. */
function accessBase(target: CudaNode): string | undefined {
  let n = unparen(target);
  for (;;) {
    if (n.type === "subscript_expression") n = unparen(field(n, "argument") ?? n);
    else if (n.type === "pointer_expression" && n.text.startsWith("*")) n = unparen(field(n, "argument") ?? n);
    else if (n.type === "field_expression" && field(n, "operator")?.text === "->") n = unparen(field(n, "argument") ?? n);
    else if (n.type === "binary_expression") n = unparen(field(n, "left") ?? n);
    // a helper returning a reference into its first argument: c2m's `c2m_own(y, y_in, touched, i, 1) = v`
    else if (n.type === "call_expression" && callArgs(n).length) n = unparen(callArgs(n)[0]!);
    else break;
    if (n.type === "identifier") return n.text;
  }
  return undefined;
}

/** Names stored through (memory, not locals) anywhere inside `n`, less thread-private arrays. */
function storedThrough(n: CudaNode, local: Set<string>): Set<string> {
  const out = new Set<string>();
  walk(n, (c) => {
    if (c.type === "lambda_expression") return false;
    const target = c.type === "assignment_expression" ? field(c, "left") : c.type === "update_expression" ? field(c, "argument") : null;
    const t = target && unparen(target);
    if (t && t.type !== "identifier") {
      const base = accessBase(t);
      if (base && !local.has(base)) out.add(base);
    }
  });
  return out;
}

function mentions(n: CudaNode, names: Set<string>): boolean {
  let hit = false;
  walk(n, (c) => {
    if (hit) return false;
    if (c.type === "identifier" && names.has(c.text)) hit = true;
  });
  return hit;
}

/**
 * The divergent statements at the top of a kernel's body whose stores a later top-level statement reads
 * before any barrier. Top-level only: every lane still running reaches them, and no site sits inside another's
 * loop (a lane waiting after an inner site would otherwise be let go with lanes already past the outer one).
 */
export function reconvergenceSites(body: CudaNode): CudaNode[] {
  if (body.hasError) return [];
  const local = privateArrays(body);
  const sites: CudaNode[] = [];
  const statements = named(body).filter((c) => c.type !== "comment");
  for (let i = 0; i < statements.length; i++) {
    const s = statements[i]!;
    // a barrier inside: every thread runs the construct the same way (CUDA requires it), in step at each barrier
    if (!DIVERGENT.has(s.type) || SYNC_CALL.test(s.text)) continue;
    const stored = storedThrough(s, local);
    if (!stored.size) continue;
    for (const later of statements.slice(i + 1)) {
      if (mentions(later, stored)) {
        sites.push(s);
        break;
      }
      if (SYNC_CALL.test(later.text)) break;
    }
  }
  return sites;
}
