/**
 * Cooperative groups in the Metal printer. CUDA's `cooperative_groups` (`cg::`) names print as the same
 * names in `c2m_cg::`, which the kernel's header defines (COOP_HELPER) over threadgroup barriers and
 * SIMD-group functions; the group objects stay values, so `block.sync()`, `warp.thread_rank()` and a
 * `thread_block_tile<32>&` passed to a helper read as they did. Metal has no thread-position globals, so
 * the factories (`this_thread_block()`, `this_grid()`) are given the thread attributes they read.
 *
 * Refused: names outside COOPERATIVE_GROUPS (C2M-K035), tiles wider than a SIMD-group (C2M-K036) and a
 * grid group's sync (C2M-K005: threadgroups of one dispatch cannot wait for each other).
 */
import type { CudaNode } from "../grammar/cuda.js";
import type { KernelUnit } from "../ir/kernel.js";
import type { DiagnosticBag } from "../ir/diagnostics.js";
import { reportKernel } from "../ir/kernel-diagnostics.js";
import { COOPERATIVE_GROUPS } from "../passes/kernel/tables.js";
import { calleeName, callArgs, field, kids, named, position, walk } from "../passes/kernel/cst.js";
import { declaresTileMemory } from "./coop-wide.js";
import { nameTable } from "../ir/tables.js";

export const COOP_NAMESPACE = "c2m_cg";

/** The header helper: CUDA's group types and collectives over Metal threadgroups and SIMD-groups. */
export const COOP_HELPER = `// CUDA cooperative groups over Metal (c2m). A thread_block is the threadgroup; a thread_block_tile<N>
// (N <= 32, a power of two) is N consecutive threads of it, which lie in one SIMD-group as a CUDA tile
// lies in one warp (SIMD-groups are 32 wide, formed from consecutive thread indices), so its
// collectives are SIMD-group shuffles kept inside the tile's lanes. reduce is CUDA's xor butterfly.
// A tile wider than a SIMD-group (N = 64 .. 1024, over a block_tile_memory the kernel declares) spans
// N / 32 whole SIMD-groups: its reduce combines their partial results through that threadgroup memory
// between two threadgroup barriers, and its sync is a threadgroup barrier (c2m emits these only where
// every thread of the threadgroup reaches them together).
namespace ${COOP_NAMESPACE} {
// CUDA's scratch for tiles wider than a warp: one 16-byte slot per SIMD-group of the largest threadgroup
template <uint MaxBlockSize, uint Unused = 0> struct block_tile_memory {
  alignas(16) uchar bytes[16 * ((MaxBlockSize + 31) / 32)];
};
struct thread_block {
  uint3 tid, dim, gid;
  threadgroup uchar* scratch;
  void sync() const { threadgroup_barrier(mem_flags::mem_device | mem_flags::mem_threadgroup); }
  uint thread_rank() const { return tid.x + dim.x * (tid.y + dim.y * tid.z); }
  uint size() const { return dim.x * dim.y * dim.z; }
  ulong num_threads() const { return size(); }
  uint3 group_index() const { return gid; }
  uint3 thread_index() const { return tid; }
  uint3 group_dim() const { return dim; }
  uint3 dim_threads() const { return dim; }
};
inline thread_block this_thread_block(uint3 tid, uint3 dim, uint3 gid) { return thread_block{tid, dim, gid, nullptr}; }
template <uint M, uint U> inline thread_block this_thread_block(threadgroup block_tile_memory<M, U>& memory, uint3 tid, uint3 dim, uint3 gid) {
  return thread_block{tid, dim, gid, memory.bytes};
}
inline void sync(thread const thread_block& b) { b.sync(); }
// only its indices: a grid-wide sync() is refused when translating (C2M-K005)
struct grid_group {
  uint3 tid, dim, gid, groups;
  ulong block_rank() const { return gid.x + groups.x * (gid.y + groups.y * gid.z); }
  ulong thread_rank() const { return block_rank() * (dim.x * dim.y * dim.z) + tid.x + dim.x * (tid.y + dim.y * tid.z); }
  ulong num_blocks() const { return ulong(groups.x) * groups.y * groups.z; }
  ulong size() const { return num_blocks() * (dim.x * dim.y * dim.z); }
  ulong num_threads() const { return size(); }
  uint3 group_index() const { return gid; }
  uint3 thread_index() const { return tid; }
  uint3 group_dim() const { return dim; }
  uint3 dim_blocks() const { return groups; }
  bool is_valid() const { return true; }
};
inline grid_group this_grid(uint3 tid, uint3 dim, uint3 gid, uint3 groups) { return grid_group{tid, dim, gid, groups}; }
template <uint N, typename Parent = void> struct thread_block_tile {
  static_assert(N >= 1 && N <= 1024 && (N & (N - 1)) == 0, "a tile is a power of two of at most 1024 threads");
  uint rank;        // the thread's rank in its block
  uint block_size;
  threadgroup uchar* scratch;  // the block's block_tile_memory (tiles wider than a SIMD-group)
  uint thread_rank() const { return rank % N; }
  uint size() const { return N; }
  ulong num_threads() const { return N; }
  uint meta_group_rank() const { return rank / N; }
  uint meta_group_size() const { return (block_size + N - 1) / N; }
  void sync() const {
    if (N > 32) threadgroup_barrier(mem_flags::mem_device | mem_flags::mem_threadgroup);
    else simdgroup_barrier(mem_flags::mem_device | mem_flags::mem_threadgroup);
  }
  uint lane() const { return rank % 32; }
  uint base() const { return lane() & ~(N - 1); }
  template <typename T> T shfl(T v, int src) const { return simd_shuffle(v, ushort(base() + (uint(src) & (N - 1)))); }
  template <typename T> T shfl_down(T v, uint delta) const { return simd_shuffle(v, ushort(thread_rank() + delta < N ? lane() + delta : lane())); }
  template <typename T> T shfl_up(T v, uint delta) const { return simd_shuffle(v, ushort(thread_rank() >= delta ? lane() - delta : lane())); }
  template <typename T> T shfl_xor(T v, uint mask) const {
    uint src = lane() ^ mask;
    return simd_shuffle(v, ushort(src >= base() && src < base() + N ? src : lane()));
  }
  // the tile's lanes of the SIMD-group's vote, from bit 0 (Metal has no long long literals: ulong casts)
  uint ballot(bool p) const { return uint((ulong(simd_ballot(p)) >> base()) & (N == 32 ? ulong(0xFFFFFFFFu) : ((ulong(1) << N) - 1))); }
  bool any(bool p) const { return ballot(p) != 0; }
  bool all(bool p) const { return ballot(p) == (N == 32 ? 0xFFFFFFFFu : ((1u << N) - 1)); }
};
template <uint N> inline thread_block_tile<N> tiled_partition(thread const thread_block& g) { return thread_block_tile<N>{g.thread_rank(), g.size(), g.scratch}; }
template <uint N, typename P> inline void sync(thread const thread_block_tile<N, P>& t) { t.sync(); }
template <typename T> struct plus { T operator()(T a, T b) const { return a + b; } };
template <typename T> struct less { T operator()(T a, T b) const { return a < b ? a : b; } };
template <typename T> struct greater { T operator()(T a, T b) const { return a < b ? b : a; } };
template <typename T> struct bit_and { T operator()(T a, T b) const { return a & b; } };
template <typename T> struct bit_or { T operator()(T a, T b) const { return a | b; } };
template <typename T> struct bit_xor { T operator()(T a, T b) const { return a ^ b; } };
template <uint N, typename P, typename T, typename Op> inline T reduce(thread const thread_block_tile<N, P>& g, T v, Op op) {
  for (uint o = (N < 32 ? N : 32) / 2; o > 0; o /= 2) v = op(v, g.shfl_xor(v, o));
  if (N <= 32) return v;
  // wider: each SIMD-group's result (above) into its slot, then the tile's slots in order
  threadgroup T* slots = reinterpret_cast<threadgroup T*>(g.scratch);
  if (g.rank % 32 == 0) slots[g.rank / 32] = v;
  threadgroup_barrier(mem_flags::mem_threadgroup);
  uint first = g.rank / N * (N / 32);
  v = slots[first];
  for (uint k = 1; k < N / 32 && (first + k) * 32 < g.block_size; ++k) v = op(v, slots[first + k]);
  threadgroup_barrier(mem_flags::mem_threadgroup);
  return v;
}
}  // namespace ${COOP_NAMESPACE}`;

/** What the printer knows about cooperative groups in one file. */
export interface CoopInfo {
  /** namespace names that mean cooperative_groups: the namespace itself and its aliases (`cg`) */
  namespaces: Set<string>;
  /** `using namespace cooperative_groups;` at file scope: unqualified names are cooperative groups too */
  usingNamespace: boolean;
}

const CG = "cooperative_groups";

export function coopInfo(unit: KernelUnit): CoopInfo {
  const namespaces = new Set([CG]);
  let usingNamespace = false;
  // at file scope or inside a function (llm.c writes `namespace cg = cooperative_groups;` in kernels)
  walk(unit.root, (n) => {
    if (n.type === "namespace_alias_definition") {
      const ids = named(n).filter((c) => c.type === "namespace_identifier" || c.type === "identifier" || c.type === "nested_namespace_specifier");
      if (ids.length === 2 && ids[1].text === CG) namespaces.add(ids[0].text);
    }
    if (n.type === "using_declaration" && /^using\s+namespace\s+cooperative_groups\s*;/.test(n.text)) usingNamespace = true;
    return true;
  });
  return { namespaces, usingNamespace };
}

/**
 * A `namespace cg = cooperative_groups;` or `using namespace cooperative_groups;` statement inside a
 * function: Metal has no such namespace, and the names print qualified, so it becomes a comment.
 */
export function coopDirectiveComment(node: CudaNode): string | undefined {
  if ((node.type === "namespace_alias_definition" || node.type === "using_declaration") && /\bcooperative_groups\b/.test(node.text)) {
    return `// c2m: ${node.text.trim()} (cooperative groups print as ${COOP_NAMESPACE}::, defined in the header)`;
  }
  return undefined;
}

/** The cooperative-groups name a qualified identifier (`cg::reduce`, `cg::thread_block_tile<32>`) stands for, if any. */
export function coopQualified(node: CudaNode, info: CoopInfo): { name: string; rest: CudaNode } | undefined {
  if (node.type !== "qualified_identifier") return undefined;
  const scope = field(node, "scope") ?? kids(node)[0];
  if (!scope || !info.namespaces.has(scope.text)) return undefined;
  const rest = field(node, "name") ?? kids(node)[kids(node).length - 1];
  if (!rest) return undefined;
  return { name: leadName(rest), rest };
}

/** `thread_block_tile<32>` → thread_block_tile; `tiled_partition<16>` → tiled_partition. */
function leadName(n: CudaNode): string {
  if (n.type === "template_type" || n.type === "template_function") return (field(n, "name") ?? kids(n)[0]).text;
  if (n.type === "qualified_identifier") return n.text;
  return n.text;
}

/**
 * An unqualified identifier, type or template that names a cooperative group under `using namespace
 * cooperative_groups` (and is not declared in the file under that name).
 */
export function coopUnqualified(node: CudaNode, info: CoopInfo, declared: (name: string) => boolean): string | undefined {
  if (!info.usingNamespace) return undefined;
  const p = node.parent;
  if (p && (p.type === "qualified_identifier" || p.type === "field_expression" || p.type === "template_type" || p.type === "template_function")) {
    if (!(p.type === "template_type" || p.type === "template_function") || !same(kids(p)[0], node)) return undefined;
    if (p.parent?.type === "qualified_identifier") return undefined;
  }
  const name = node.text;
  if (!COOPERATIVE_GROUPS[name] || declared(name)) return undefined;
  // a type name, or a function called
  if (node.type === "type_identifier") return name;
  const call = p?.type === "template_function" ? p.parent : p;
  if (node.type === "identifier" && call?.type === "call_expression" && same(field(call, "function"), p?.type === "template_function" ? p : node)) return name;
  return undefined;
}

function same(a: CudaNode | null | undefined, b: CudaNode | null | undefined): boolean {
  return !!a && !!b && a.startIndex === b.startIndex && a.endIndex === b.endIndex && a.type === b.type;
}

/** Why a cooperative-groups name stays untranslated, where more can be said than its name. */
const UNTRANSLATED_WHY: Record<string, string> = nameTable({});

/**
 * Checks one use of a cooperative-groups name: known (else C2M-K035), and a tile size that fits a
 * SIMD-group (else C2M-K036). `node` is the whole name (with its template arguments).
 */
export function checkCoopName(name: string, node: CudaNode, bag: DiagnosticBag, macros: KernelUnit["macros"]): boolean {
  if (!COOPERATIVE_GROUPS[name]) {
    reportKernel(bag, "C2M-K035", position(node), `cooperative-groups '${name}' is not translated${UNTRANSLATED_WHY[name] ? `: ${UNTRANSLATED_WHY[name]}` : ""}`);
    return false;
  }
  if (name === "thread_block_tile" || name === "tiled_partition") {
    const targs = findChild(node, "template_argument_list");
    const first = targs ? named(targs)[0] : undefined;
    const n = first ? constantValue(first.text, macros) : undefined;
    // wider than a SIMD-group over the block_tile_memory CUDA asks for (emit/coop-wide.ts)
    const wide = n !== undefined && n > 32 && n <= 1024 && (n & (n - 1)) === 0 && declaresTileMemory(enclosingFunction(node));
    if (n !== undefined && !wide && (n > 32 || n < 1 || (n & (n - 1)) !== 0)) {
      reportKernel(bag, "C2M-K036", position(first!), `a tile of ${n} threads: Metal SIMD-groups hold 32 threads, and c2m maps tiles of 1, 2, 4, 8, 16 or 32 onto them`);
      return false;
    }
    if (!targs && name === "tiled_partition") {
      reportKernel(
        bag,
        "C2M-K035",
        position(node),
        "tiled_partition with a run-time size (a thread_group) is not translated; give the size as a template argument, tiled_partition<32>(block)",
      );
      return false;
    }
  }
  return true;
}

function enclosingFunction(n: CudaNode): CudaNode {
  let f = n;
  while (f.parent && f.type !== "function_definition") f = f.parent;
  return f;
}

function findChild(n: CudaNode, type: string): CudaNode | undefined {
  let found: CudaNode | undefined;
  walk(n, (c) => {
    if (found) return false;
    if (c.type === type) found = c;
    return !found;
  });
  return found;
}

function constantValue(text: string, macros: KernelUnit["macros"]): number | undefined {
  const t = text.trim();
  if (/^\d+$/.test(t)) return Number(t);
  const m = macros.find((x) => x.name === t);
  const v = m?.text.replace(/^#define\s+\w+\s*/, "").trim();
  return v && /^\(?\d+\)?$/.test(v) ? Number(v.replace(/[()]/g, "")) : undefined;
}

/** The extra arguments a factory call gets: the thread attributes it reads. */
export function coopFactoryAttributes(name: string): string[] {
  return COOPERATIVE_GROUPS[name]?.attributes ?? [];
}

/**
 * `X.sync()` or `sync(X)` where X is a grid group (`this_grid()` itself or a variable initialised from
 * it or declared `grid_group`): grid-wide synchronisation.
 */
export function isGridSync(call: CudaNode, fnBody: CudaNode): boolean {
  const fn = field(call, "function");
  if (!fn) return false;
  let target: CudaNode | undefined;
  if (fn.type === "field_expression" && field(fn, "field")?.text === "sync") target = field(fn, "argument") ?? undefined;
  else if (/(^|::)sync$/.test(calleeName(call) ?? "")) target = callArgs(call)[0];
  if (!target) return false;
  if (/this_grid\s*\(|this_multi_grid\s*\(/.test(target.text)) return true;
  return target.type === "identifier" && groupVariables(fnBody, /grid_group/, /this_grid\s*\(|this_multi_grid\s*\(/).has(target.text);
}

/** `tiled_partition<N>(t)` where t is itself a tile: tiles of tiles are not translated (the printer reports C2M-K035). */
export function isTileOfTile(call: CudaNode, fnBody: CudaNode): boolean {
  if (!/(^|::)tiled_partition$/.test(calleeName(call) ?? "")) return false;
  const arg = callArgs(call)[0];
  if (!arg) return false;
  if (/tiled_partition/.test(arg.text)) return true;
  return arg.type === "identifier" && groupVariables(fnBody, /thread_block_tile/, /tiled_partition/).has(arg.text);
}

/** Locals declared with a type matching `type` or initialised from an expression matching `init`. */
function groupVariables(body: CudaNode, type: RegExp, initPattern: RegExp): Set<string> {
  const out = new Set<string>();
  walk(body, (n) => {
    if (n.type !== "declaration") return true;
    const typeText = field(n, "type")?.text ?? "";
    for (const d of named(n)) {
      if (d.type !== "init_declarator" && d.type !== "identifier") continue;
      const name = d.type === "identifier" ? d.text : field(d, "declarator")?.text;
      const init = d.type === "init_declarator" ? (field(d, "value")?.text ?? "") : "";
      if (name && (type.test(typeText) || initPattern.test(init))) out.add(name);
    }
    return true;
  });
  return out;
}

/** Device-function parameter and return types written as text: `cg::thread_block_tile<32>` → `c2m_cg::thread_block_tile<32>`. */
export function coopTypeText(text: string, info: CoopInfo): string {
  let out = text;
  for (const ns of info.namespaces) out = out.replace(new RegExp(`\\b${ns}::`, "g"), `${COOP_NAMESPACE}::`);
  if (info.usingNamespace) out = out.replace(/(^|[^:\w])(thread_block_tile|thread_block|grid_group)\b/g, `$1${COOP_NAMESPACE}::$2`);
  return out;
}
