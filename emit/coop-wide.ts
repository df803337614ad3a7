/**
 * Cooperative-groups tiles wider than a SIMD-group (cuda-samples' multi_warp_cg_reduce:
 * `__shared__ cg::block_tile_memory<BlockSize> scratch; auto tile = cg::tiled_partition<BlockSize / 2>(cg::this_thread_block(scratch));`).
 * Such a tile spans whole SIMD-groups; the header's c2m_cg carries its reduce through the block_tile_memory
 * (threadgroup memory) between threadgroup barriers, and its sync as a threadgroup barrier (emit/coop.ts).
 * Metal's only barrier across SIMD-groups is threadgroup_barrier, over every thread of the threadgroup, so a
 * collective on a tile that may be wider than 32 threads is translated only where every thread reaches it
 * together: a statement of the function's own body, not under a branch or a loop, with no `return` before it.
 * Anything else on such a tile than its indices (thread_rank, meta_group_rank, ...) counts as a collective,
 * a helper it is passed to included. Pure: reads the function's tree.
 */
import type { CudaNode } from "../grammar/cuda.js";
import type { KernelUnit } from "../ir/kernel.js";
import type { DiagnosticBag } from "../ir/diagnostics.js";
import { reportKernel } from "../ir/kernel-diagnostics.js";
import { field, named, position, walk } from "../passes/kernel/cst.js";

/** What a wide tile answers without its threads meeting. */
const INDEX_QUERIES = new Set(["thread_rank", "meta_group_rank", "meta_group_size", "size", "num_threads"]);

/** Expression nodes a use may sit in and still run whenever its statement runs (no branch, loop or short circuit). */
const STRAIGHT = new Set([
  "call_expression",
  "argument_list",
  "assignment_expression",
  "init_declarator",
  "declaration",
  "expression_statement",
  "parenthesized_expression",
  "field_expression",
  "binary_expression",
  "cast_expression",
  "return_statement",
]);

/** Whether the function declares a block_tile_memory, the scratch CUDA gives tiles wider than a warp. */
export function declaresTileMemory(fnBody: CudaNode): boolean {
  return /\bblock_tile_memory\s*</.test(fnBody.text);
}

/** The tiles of a function that may be wider than a SIMD-group: declared from tiled_partition<N> or as thread_block_tile<N>, N not a literal of at most 32. */
function wideTiles(fnBody: CudaNode, macros: KernelUnit["macros"]): Set<string> {
  const out = new Set<string>();
  walk(fnBody, (n) => {
    if (n.type !== "declaration") return;
    const m = /(?:tiled_partition|thread_block_tile)\s*<\s*([^>,]+)/.exec(n.text);
    if (!m || narrow(m[1]!.trim(), macros)) return;
    for (const d of named(n)) {
      const name = d.type === "identifier" ? d.text : d.type === "init_declarator" ? field(d, "declarator")?.text : undefined;
      if (name) out.add(name);
    }
  });
  return out;
}

function narrow(size: string, macros: KernelUnit["macros"]): boolean {
  const v = /^\d+$/.test(size)
    ? size
    : macros
        .find((x) => x.name === size)
        ?.text.replace(/^#define\s+\w+\s*/, "")
        .replace(/[()\s]/g, "");
  return !!v && /^\d+$/.test(v) && Number(v) <= 32;
}

/** The uses of a possibly wide tile in collectives that not every thread of the threadgroup is shown to reach: the use and the tile's name. */
export function wideTileCollectivesApart(fnBody: CudaNode, macros: KernelUnit["macros"]): { node: CudaNode; tile: string }[] {
  if (!declaresTileMemory(fnBody)) return [];
  const tiles = wideTiles(fnBody, macros);
  const out: { node: CudaNode; tile: string }[] = [];
  walk(fnBody, (n) => {
    if (n.type !== "identifier" || !tiles.has(n.text)) return;
    const p = n.parent;
    if (p?.type === "init_declarator" && field(p, "declarator")?.startIndex === n.startIndex) return;
    const member = p?.type === "field_expression" ? field(p, "field")?.text : undefined;
    if (member && INDEX_QUERIES.has(member)) return;
    if (!reachedByAll(n, fnBody)) out.push({ node: n, tile: n.text });
  });
  return out;
}

/** The use runs whenever the function's own statement holding it runs, and no `return` comes before that statement. */
function reachedByAll(use: CudaNode, fnBody: CudaNode): boolean {
  let n = use;
  while (n.parent && n.parent.startIndex !== fnBody.startIndex) {
    if (!STRAIGHT.has(n.parent.type)) return false;
    if (n.parent.type === "binary_expression" && /^(&&|\|\|)$/.test(field(n.parent, "operator")?.text ?? "")) return false;
    n = n.parent;
  }
  let returned = false;
  walk(fnBody, (c) => {
    if (c.startIndex >= n.startIndex) return false;
    if (c.type === "return_statement") returned = true;
    return !returned && c.type !== "lambda_expression";
  });
  return !returned;
}

/** C2M-K035 at each wide-tile collective not every thread of the threadgroup is shown to reach. */
export function reportWideTileCollectivesApart(fnBody: CudaNode, macros: KernelUnit["macros"], bag: DiagnosticBag): void {
  for (const u of wideTileCollectivesApart(fnBody, macros))
    reportKernel(
      bag,
      "C2M-K035",
      position(u.node),
      `tile '${u.tile}' may be wider than a SIMD-group, and this collective on it is in code not every thread of the threadgroup is shown to reach (under a branch or a loop, or after a return): across SIMD-groups Metal synchronises only with threadgroup_barrier, which every thread of the threadgroup must reach`,
    );
}
