/**
 * CUB's block and warp reductions in the Metal printer. `cub::BlockReduce`, `cub::WarpReduce`,
 * `cub::KeyValuePair` and the reduction functors print as the same names in `c2m_cub::`, which the
 * kernel's header defines (CUB_HELPER) over threadgroup memory and barriers: a block reduction is
 * expressible in Metal, so it is translated, not refused. Metal has no thread-position globals, so the
 * collective's constructor (`BlockReduce(temp_storage)`) is given the thread's linear index in the
 * threadgroup (or SIMD-group). BlockLoad/BlockStore move a tile between memory and the threads in CUB's
 * blocked (or striped) arrangement. Any other `cub::` name (scans, sorts, device-wide algorithms) stays
 * C2M-K042, naming it.
 */
import type { CudaNode } from "../grammar/cuda.js";
import { field, walk } from "../passes/kernel/cst.js";
import { nameTable } from "../ir/tables.js";

export const CUB_NAMESPACE = "c2m_cub";

/** The cub:: names c2m maps: the collective, the pair, the functors and the algorithm tags (CUB's algorithms differ only in combining order). */
export const CUB_NAMES = new Set([
  "BlockReduce",
  "WarpReduce",
  "KeyValuePair",
  "Sum",
  "Max",
  "Min",
  "ArgMax",
  "ArgMin",
  "BLOCK_REDUCE_RAKING_COMMUTATIVE_ONLY",
  "BLOCK_REDUCE_RAKING",
  "BLOCK_REDUCE_WARP_REDUCTIONS",
  "BlockLoad",
  "BlockStore",
  "BLOCK_LOAD_DIRECT",
  "BLOCK_LOAD_STRIPED",
  "BLOCK_LOAD_VECTORIZE",
  "BLOCK_LOAD_TRANSPOSE",
  "BLOCK_LOAD_WARP_TRANSPOSE",
  "BLOCK_LOAD_WARP_TRANSPOSE_TIMESLICED",
  "BLOCK_STORE_DIRECT",
  "BLOCK_STORE_STRIPED",
  "BLOCK_STORE_VECTORIZE",
  "BLOCK_STORE_TRANSPOSE",
  "BLOCK_STORE_WARP_TRANSPOSE",
  "BLOCK_STORE_WARP_TRANSPOSE_TIMESLICED",
]);

/** Which thread attribute each collective's constructor is given: its linear index in the group it reduces over. */
const COLLECTIVE_INDEX: Record<string, string> = nameTable({
  BlockReduce: "thread_index_in_threadgroup",
  WarpReduce: "thread_index_in_simdgroup",
  BlockLoad: "thread_index_in_threadgroup",
  BlockStore: "thread_index_in_threadgroup",
});

/** The mapped CUB name a qualified identifier `cub::X` / `cub::X<...>` names, else undefined. */
export function cubName(node: CudaNode): string | undefined {
  if (field(node, "scope")?.text !== "cub") return undefined;
  let name = field(node, "name");
  // `cub::BlockLoad<T, 128, 4>::TempStorage`: the collective is the inner scope
  if (name?.type === "qualified_identifier") name = field(name, "scope");
  const base = (name?.type === "template_type" || name?.type === "template_function" ? field(name, "name")?.text : name?.text) ?? "";
  return CUB_NAMES.has(base) ? base : undefined;
}

/** The thread attribute a CUB collective named in place (`cub::BlockLoad<T, 128, 4>`) is constructed with, else undefined. */
export function cubCollectiveIndex(node: CudaNode): string | undefined {
  const name = cubName(node);
  return name ? COLLECTIVE_INDEX[name] : undefined;
}

/**
 * The names the kernel (or its file) gives a CUB collective (`typedef cub::BlockReduce<T, 256> BlockReduce;`,
 * `using WarpReduce = cub::WarpReduce<float>;`), each with the thread attribute its constructor needs.
 */
export function cubCollectives(roots: CudaNode[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const root of roots)
    walk(root, (n) => {
      if (n.type !== "type_definition" && n.type !== "alias_declaration") return;
      const type = n.type === "type_definition" ? field(n, "type") : field(n, "type");
      const m = /^\s*(?:typename\s+)?cub\s*::\s*(BlockReduce|WarpReduce|BlockLoad|BlockStore)\b/.exec(type?.text ?? "");
      const alias = n.type === "type_definition" ? field(n, "declarator")?.text : field(n, "name")?.text;
      if (m && alias) out.set(alias.trim(), COLLECTIVE_INDEX[m[1]!]!);
      return false;
    });
  return out;
}

/** The header helper: CUB's names over Metal threadgroup memory, with CUB's meaning (see stubs/cub/cub.cuh for the emulator's twin). */
export const CUB_HELPER = `// CUB's block and warp reductions over Metal (c2m). Every thread of the threadgroup (SIMD-group) calls
// Reduce/Sum; the first num_valid threads' inputs are combined, in a tree over the collective's
// TempStorage in threadgroup memory, barriers between levels; the result is defined in thread (lane) 0
// only, as in CUB. ArgMax/ArgMin break ties to the lower key, as CUB's do.
namespace ${CUB_NAMESPACE} {
enum BlockReduceAlgorithm { BLOCK_REDUCE_RAKING_COMMUTATIVE_ONLY, BLOCK_REDUCE_RAKING, BLOCK_REDUCE_WARP_REDUCTIONS };
template <typename K, typename V> struct KeyValuePair {
  K key;
  V value;
  KeyValuePair() = default;
  KeyValuePair(K k, V v) : key(k), value(v) {}
};
struct Sum { template <typename T> T operator()(T a, T b) const { return a + b; } };
struct Max { template <typename T> T operator()(T a, T b) const { return (b > a) ? b : a; } };
struct Min { template <typename T> T operator()(T a, T b) const { return (b < a) ? b : a; } };
struct ArgMax { template <typename T> T operator()(T a, T b) const { return ((b.value > a.value) || ((a.value == b.value) && (b.key < a.key))) ? b : a; } };
struct ArgMin { template <typename T> T operator()(T a, T b) const { return ((b.value < a.value) || ((a.value == b.value) && (b.key < a.key))) ? b : a; } };
template <typename T, int BLOCK_DIM_X, BlockReduceAlgorithm ALGORITHM = BLOCK_REDUCE_WARP_REDUCTIONS, int BLOCK_DIM_Y = 1, int BLOCK_DIM_Z = 1>
struct BlockReduce {
  enum { BLOCK_THREADS = BLOCK_DIM_X * BLOCK_DIM_Y * BLOCK_DIM_Z };
  struct TempStorage { T items[BLOCK_THREADS]; };
  threadgroup TempStorage* storage;
  int tid;
  BlockReduce(threadgroup TempStorage& s, uint linear_tid) : storage(&s), tid(int(linear_tid)) {}
  template <typename Op> T Reduce(T input, Op op, int num_valid) {
    threadgroup T* items = storage->items;
    if (tid < num_valid) items[tid] = input;
    threadgroup_barrier(mem_flags::mem_threadgroup);
    int half = 1;
    while (half * 2 < int(BLOCK_THREADS)) half *= 2;
    for (; half > 0; half /= 2) {
      if (tid < half && tid + half < num_valid) items[tid] = op(T(items[tid]), T(items[tid + half]));
      threadgroup_barrier(mem_flags::mem_threadgroup);
    }
    return tid == 0 ? T(items[0]) : input;
  }
  template <typename Op> T Reduce(T input, Op op) { return Reduce(input, op, int(BLOCK_THREADS)); }
  T Sum(T input, int num_valid) { return Reduce(input, ${CUB_NAMESPACE}::Sum(), num_valid); }
  T Sum(T input) { return Reduce(input, ${CUB_NAMESPACE}::Sum(), int(BLOCK_THREADS)); }
};
template <typename T, int LOGICAL_WARP_THREADS = 32>
struct WarpReduce {
  struct TempStorage { T items[LOGICAL_WARP_THREADS]; };
  threadgroup TempStorage* storage;
  int lane;
  WarpReduce(threadgroup TempStorage& s, uint simd_lane) : storage(&s), lane(int(simd_lane) % LOGICAL_WARP_THREADS) {}
  template <typename Op> T Reduce(T input, Op op, int num_valid) {
    threadgroup T* items = storage->items;
    if (lane < num_valid) items[lane] = input;
    simdgroup_barrier(mem_flags::mem_threadgroup);
    int half = 1;
    while (half * 2 < LOGICAL_WARP_THREADS) half *= 2;
    for (; half > 0; half /= 2) {
      bool active = lane < half && lane + half < num_valid;
      T combined = input;
      if (active) combined = op(T(items[lane]), T(items[lane + half]));
      simdgroup_barrier(mem_flags::mem_threadgroup);
      if (active) items[lane] = combined;
      simdgroup_barrier(mem_flags::mem_threadgroup);
    }
    return lane == 0 ? T(items[0]) : input;
  }
  template <typename Op> T Reduce(T input, Op op) { return Reduce(input, op, LOGICAL_WARP_THREADS); }
  T Sum(T input, int num_valid) { return Reduce(input, ${CUB_NAMESPACE}::Sum(), num_valid); }
  T Sum(T input) { return Reduce(input, ${CUB_NAMESPACE}::Sum(), LOGICAL_WARP_THREADS); }
};
// BlockLoad/BlockStore: the arrangement is the meaning. Blocked (every algorithm but STRIPED): thread t holds
// items [t*N, t*N + N) of the tile; striped: items t, t + BLOCK_THREADS, ... A guarded load leaves an item
// past valid_items as it was (or sets oob_default); a guarded store writes only items before valid_items.
// CUB reaches the arrangement through shared-memory exchanges; a direct access gives the same values.
// a store into an output MLX declares atomic (every output is, when the kernel has an atomic one) is atomic
template <typename P, typename V> inline void c2m_cub_put(P p, int k, V v) { p[k] = v; }
template <typename T, typename V> inline void c2m_cub_put(device metal::atomic<T>* p, int k, V v) { metal::atomic_store_explicit(&p[k], T(v), metal::memory_order_relaxed); }
enum BlockLoadAlgorithm { BLOCK_LOAD_DIRECT, BLOCK_LOAD_STRIPED, BLOCK_LOAD_VECTORIZE, BLOCK_LOAD_TRANSPOSE, BLOCK_LOAD_WARP_TRANSPOSE, BLOCK_LOAD_WARP_TRANSPOSE_TIMESLICED };
enum BlockStoreAlgorithm { BLOCK_STORE_DIRECT, BLOCK_STORE_STRIPED, BLOCK_STORE_VECTORIZE, BLOCK_STORE_TRANSPOSE, BLOCK_STORE_WARP_TRANSPOSE, BLOCK_STORE_WARP_TRANSPOSE_TIMESLICED };
template <typename T, int BLOCK_DIM_X, int ITEMS_PER_THREAD, BlockLoadAlgorithm ALGORITHM = BLOCK_LOAD_DIRECT, int BLOCK_DIM_Y = 1, int BLOCK_DIM_Z = 1>
struct BlockLoad {
  enum { BLOCK_THREADS = BLOCK_DIM_X * BLOCK_DIM_Y * BLOCK_DIM_Z };
  struct TempStorage { T items[BLOCK_THREADS * ITEMS_PER_THREAD]; };
  int tid;
  BlockLoad(uint linear_tid) : tid(int(linear_tid)) {}
  BlockLoad(threadgroup TempStorage&, uint linear_tid) : tid(int(linear_tid)) {}
  template <typename It, typename Items> void Load(It block_itr, thread Items& items, int valid_items) {
    for (int i = 0; i < ITEMS_PER_THREAD; ++i) {
      int k = ALGORITHM == BLOCK_LOAD_STRIPED ? i * int(BLOCK_THREADS) + tid : tid * ITEMS_PER_THREAD + i;
      if (k < valid_items) items[i] = block_itr[k];
    }
  }
  template <typename It, typename Items> void Load(It block_itr, thread Items& items) { Load(block_itr, items, int(BLOCK_THREADS) * ITEMS_PER_THREAD); }
  template <typename It, typename Items, typename D> void Load(It block_itr, thread Items& items, int valid_items, D oob_default) {
    for (int i = 0; i < ITEMS_PER_THREAD; ++i) items[i] = T(oob_default);
    Load(block_itr, items, valid_items);
  }
};
template <typename T, int BLOCK_DIM_X, int ITEMS_PER_THREAD, BlockStoreAlgorithm ALGORITHM = BLOCK_STORE_DIRECT, int BLOCK_DIM_Y = 1, int BLOCK_DIM_Z = 1>
struct BlockStore {
  enum { BLOCK_THREADS = BLOCK_DIM_X * BLOCK_DIM_Y * BLOCK_DIM_Z };
  struct TempStorage { T items[BLOCK_THREADS * ITEMS_PER_THREAD]; };
  int tid;
  BlockStore(uint linear_tid) : tid(int(linear_tid)) {}
  BlockStore(threadgroup TempStorage&, uint linear_tid) : tid(int(linear_tid)) {}
  template <typename It, typename Items> void Store(It block_itr, thread Items& items, int valid_items) {
    for (int i = 0; i < ITEMS_PER_THREAD; ++i) {
      int k = ALGORITHM == BLOCK_STORE_STRIPED ? i * int(BLOCK_THREADS) + tid : tid * ITEMS_PER_THREAD + i;
      if (k < valid_items) c2m_cub_put(block_itr, k, items[i]);
    }
  }
  template <typename It, typename Items> void Store(It block_itr, thread Items& items) { Store(block_itr, items, int(BLOCK_THREADS) * ITEMS_PER_THREAD); }
};
}  // namespace ${CUB_NAMESPACE}`;
