/**
 * `__syncthreads_count/_and/_or(p)`: a barrier that also counts the threads whose predicate holds.
 * Metal has no such barrier; the translation counts in a threadgroup atomic declared at the top of the
 * kernel body (threadgroup memory can only be declared there), between barriers, so that every thread
 * reads the total of this call and the next call cannot reset the slot before all have read it.
 */
import { nameTable } from "../ir/tables.js";

/** The slot the kernel body declares when it uses a block vote (an array: the emulator's declarations take one). */
export const BLOCK_VOTE_SLOT = "c2m_block_vote_slot";
export const BLOCK_VOTE_DECLARATION = `threadgroup atomic_int ${BLOCK_VOTE_SLOT}[1];`;

export const BLOCK_VOTE_HELPER = `// __syncthreads_count: the threads of the group whose predicate holds, every thread told the total.
inline int c2m_block_count(bool p, threadgroup atomic_int* slot, uint3 tid) {
  threadgroup_barrier(mem_flags::mem_device | mem_flags::mem_threadgroup);
  if (tid.x == 0 && tid.y == 0 && tid.z == 0) atomic_store_explicit(slot, 0, memory_order_relaxed);
  threadgroup_barrier(mem_flags::mem_threadgroup);
  if (p) atomic_fetch_add_explicit(slot, 1, memory_order_relaxed);
  threadgroup_barrier(mem_flags::mem_threadgroup);
  return atomic_load_explicit(slot, memory_order_relaxed);
}`;

const GROUP_SIZE = "int(threads_per_threadgroup.x * threads_per_threadgroup.y * threads_per_threadgroup.z)";

/** Callee → the Metal expression, given the printed predicate. */
export const BLOCK_VOTES: Record<string, (pred: string) => string> = nameTable({
  __syncthreads_count: (p) => `c2m_block_count(${p}, ${BLOCK_VOTE_SLOT}, thread_position_in_threadgroup)`,
  __syncthreads_and: (p) => `int(c2m_block_count(${p}, ${BLOCK_VOTE_SLOT}, thread_position_in_threadgroup) == ${GROUP_SIZE})`,
  __syncthreads_or: (p) => `int(c2m_block_count(${p}, ${BLOCK_VOTE_SLOT}, thread_position_in_threadgroup) != 0)`,
});
