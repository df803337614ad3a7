// c2m kernel proof harness: the GPU execution model on one CPU thread.
//
// Each thread of a threadgroup (CUDA block) is a ucontext fiber. Fibers run one at a time and switch
// only at synchronisation points, so a barrier really waits for every live thread of the group and a
// SIMD-group (warp) operation really exchanges values between the 32 lanes in lockstep. Groups run one
// after another; threadgroup (shared) memory is per group and is poisoned (all bits set: NaN for
// floats, -1 for ints) before each group so that reading it before it is written shows (request flag 8:
// zeros instead, a second pattern: an output that changes with it was read from memory nobody wrote).
//
// Device buffers and threadgroup arrays each sit at the end of their own mapping (16-byte aligned, up to 15 bytes
// short of it), followed by a PROT_NONE guard page: an out-of-bounds access faults, and the SIGSEGV handler names the buffer,
// the element index, read or write, and the thread that did it. Errors are written to stderr as one
// line `EMU_ERROR {json}` for the TypeScript driver, which turns them into exceptions.
#pragma once

#include <signal.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace emu {

struct Dim3 {
  unsigned x = 1, y = 1, z = 1;
};

constexpr unsigned kSimdWidth = 32;
constexpr size_t kSlotBytes = 32;  // largest value a SIMD op exchanges (a 4-vector of doubles would not fit)

// Step: a lockstep point of a warp-synchronous `volatile` access (see emu::lockstep)
enum class Wait { Running, Group, Simd, Step, Done };

struct Fiber {
  ucontext_t ctx;
  Wait wait = Wait::Running;
  unsigned simd_mask = 0;     // lanes (of this fiber's SIMD-group) that take part in the pending SIMD op
  unsigned simd_active = 0;   // lanes that took part, set when the op is released
  bool step_access = false;   // waits at a lockstep point before a volatile access (not a reconvergence)
  const void* site = nullptr; // which barrier: a per-occurrence tag (__COUNTER__), or the call's return address; spots divergent barriers
  Dim3 local;                 // position in the group
  unsigned linear = 0;        // index in the group
};

struct Region {
  std::string name;
  unsigned char* base = nullptr;  // first byte of the buffer
  size_t bytes = 0;
  size_t elem = 1;
  unsigned char* map = nullptr;   // whole mapping, guard pages included
  size_t map_bytes = 0;
  bool threadgroup = false;
};

[[noreturn]] void fail(const std::string& json);

std::string jstr(const std::string& s);

struct Runtime {
  // launch
  Dim3 groups;        // number of groups per axis
  Dim3 nominal;       // requested group size
  Dim3 grid_threads;  // Metal: threads in the grid; CUDA: groups * nominal
  bool partial_groups = false;  // Metal dispatchThreads: edge groups may be smaller
  bool reverse = false;         // run fibers in reverse order (schedule perturbation for the race check)
  bool reverse_groups = false;  // run threadgroups last to first (a hand-over must not depend on which arrives last)
  bool race_detect = false;     // track threadgroup-memory accesses (see "race detector" below)
  unsigned char poison_byte = 0xFF;  // threadgroup memory's fill before each group (flag 8: 0x00)
  bool isolate_groups = false;  // each group sees device memory as the launch found it (flag 16; see run_grid)
  bool jitter_math = false;     // CUDA's fast intrinsics (__expf, ...) 2 ulp off (flag 32; cuda_emu.hpp fast_math_result)
  size_t tg_limit = 0;          // threadgroup memory a group may declare (Metal: 32 KB); 0 = unchecked
  bool simd_active_lanes = false;  // Metal: a SIMD function in divergent code runs over the lanes that reach it
  // current group
  Dim3 gid;
  Dim3 gsize;  // actual size of this group
  unsigned nthreads = 0;
  std::vector<Fiber> fibers;
  int current = -1;
  ucontext_t sched;
  std::function<void()> body;
  // memory
  std::vector<Region> regions;
  std::map<std::pair<long, size_t>, size_t> tg_index;  // (declaration id, bytes) -> region index
  long dyn_shared = -1;                                // region index of extern __shared__ memory
  size_t dyn_shared_bytes = 0;
  std::vector<unsigned char> simd_slots;               // per SIMD-group: 32 lanes * kSlotBytes
  std::vector<unsigned char> stepped;                  // per SIMD-group: its lanes were just released from a volatile access's lockstep point
  // stacks
  std::vector<unsigned char*> stacks;
  size_t stack_bytes = 256 * 1024;
};

inline Runtime& rt() {
  static Runtime r;
  return r;
}
inline Fiber& cur() { return rt().fibers[rt().current]; }

inline size_t page() {
  static size_t p = (size_t)sysconf(_SC_PAGESIZE);
  return p;
}

// A buffer at the very end of its own mapping, a guard page before and after.
Region map_region(const std::string& name, size_t bytes, size_t elem, bool threadgroup);

unsigned char* add_buffer(const std::string& name, size_t bytes, size_t elem);

std::string dim_json(Dim3 d);

std::string where_json();


inline unsigned simd_index(unsigned linear);

// ---- race detector (opt-in: slow, one trap per threadgroup-memory access) ----
// Threadgroup memory is kept PROT_NONE; every access faults, is recorded in a shadow word, and is let
// through by unprotecting the page and single-stepping the instruction (x86 trap flag), after which
// the page is protected again. Two accesses to one word by different threads conflict when at least
// one writes and no barrier separates them (the same barrier epoch), unless both threads are lanes of
// one SIMD-group with a SIMD-group synchronisation between them. Atomics are exempt.
struct Shadow {
  int w_thread = -1;  // last writer, its barrier epoch and SIMD-group epoch
  unsigned w_epoch = 0, w_sg_epoch = 0;
  unsigned r_epoch = 0;  // the barrier epoch of the readers below
  std::vector<std::pair<int, unsigned>> readers;  // (thread, SIMD-group epoch) that read in r_epoch
};
struct RaceState {
  unsigned epoch = 1;                // bumped at every group barrier (and every new group)
  std::vector<unsigned> sg_epoch;    // bumped at every SIMD-group synchronisation, per SIMD-group
  std::map<unsigned char*, Shadow> cells;
  std::vector<unsigned char*> pending;  // pages opened for the instruction being single-stepped
  int in_atomic = 0;
};
inline RaceState& race() {
  static RaceState r;
  return r;
}
struct AtomicScope {  // an emulated atomic operation: its accesses are not races
  AtomicScope() {
    ++race().in_atomic;
    asm volatile("" ::: "memory");  // keep the atomic's memory accesses inside the scope
  }
  ~AtomicScope() {
    asm volatile("" ::: "memory");
    --race().in_atomic;
  }
};

void protect_threadgroup(bool on);

std::string local_json(unsigned linear);

void record_access(const Region& reg, unsigned char* a, bool write);

void on_trap(int, siginfo_t*, void* ucv);

void on_segv(int, siginfo_t* si, void* ucv);

void on_fpe(int, siginfo_t*, void*);

void install_handlers();

// ---- threadgroup memory ----

inline void poison(Region& r) { std::memset(r.base, rt().poison_byte, r.bytes); }

template <class T>
T* tg_alloc(long id, const char* name) {
  Runtime& r = rt();
  auto key = std::make_pair(id, sizeof(T));
  auto it = r.tg_index.find(key);
  if (it == r.tg_index.end()) {
    using E = std::remove_all_extents_t<T>;
    if (r.tg_limit) {
      size_t total = sizeof(T);
      for (auto& kv : r.tg_index) total += r.regions[kv.second].bytes;
      if (total > r.tg_limit) {
        std::string quoted = jstr(name);  // JSON-escaped, with its quotes
        fail("{\"kind\":\"bad-launch\",\"message\":\"threadgroup memory of " + std::to_string(total) +
             " bytes exceeds the " + std::to_string(r.tg_limit) + "-byte limit (declaring " + quoted.substr(1, quoted.size() - 2) + ")\"}");
      }
    }
    r.regions.push_back(map_region(name, sizeof(T), sizeof(E), true));
    poison(r.regions.back());
    if (r.race_detect) {
      Region& reg = r.regions.back();
      mprotect(reg.map + page(), reg.map_bytes - 2 * page(), PROT_NONE);
    }
    it = r.tg_index.emplace(key, r.regions.size() - 1).first;
  }
  return (T*)r.regions[it->second].base;
}

template <class T>
T* dyn_shared() {
  Runtime& r = rt();
  if (r.dyn_shared < 0) return nullptr;
  return (T*)r.regions[r.dyn_shared].base;
}

// ---- scheduling ----

inline void yield_to_scheduler() {
  Runtime& r = rt();
  swapcontext(&r.fibers[r.current].ctx, &r.sched);
}

__attribute__((noinline)) inline void group_barrier() {
  Fiber& f = cur();
  f.wait = Wait::Group;
  f.site = __builtin_return_address(0);
  yield_to_scheduler();
}

// A barrier named by its place in the source: the headers' barrier macros (__syncthreads,
// threadgroup_barrier) pass __COUNTER__, one number per occurrence. A return address would not do:
// the compiler may duplicate one barrier call into several paths (`s[t] = c ? a : b; __syncthreads();`
// becomes two calls at -O1), and threads on different paths would seem to wait at different barriers.
inline void group_barrier_at(long occurrence) {
  Fiber& f = cur();
  f.wait = Wait::Group;
  f.site = reinterpret_cast<const void*>(static_cast<uintptr_t>(occurrence) * 2 + 1);  // odd: never a return address
  yield_to_scheduler();
}

inline unsigned simd_index(unsigned linear) { return linear / kSimdWidth; }
inline unsigned lane_of(unsigned linear) { return linear % kSimdWidth; }

// Lanes of SIMD-group `sg` that exist in this group (the last one can be short).
inline unsigned lanes_present(unsigned sg) {
  unsigned n = rt().nthreads;
  unsigned first = sg * kSimdWidth;
  unsigned cnt = n - first < kSimdWidth ? n - first : kSimdWidth;
  return cnt >= 32 ? 0xFFFFFFFFu : ((1u << cnt) - 1u);
}

unsigned lanes_live(unsigned sg);

inline unsigned char* slot(unsigned sg, unsigned lane) {
  return rt().simd_slots.data() + ((size_t)sg * kSimdWidth + lane) * kSlotBytes;
}

inline void simd_sync(unsigned mask) {
  Fiber& f = cur();
  f.wait = Wait::Simd;
  f.simd_mask = mask;
  yield_to_scheduler();
}

// A lockstep point: CUDA warps execute a warp-synchronous sequence of `volatile` shared-memory accesses
// (`v[t] += v[t + 16]; v[t] += v[t + 8]; ...`, no __syncwarp) one instruction for all lanes at a time,
// so every lane reads before any lane writes. Each emulated volatile load or store waits here first;
// the lanes of the SIMD-group that reach it (lanes elsewhere wait at barriers or are done) are released
// together, so the accesses of one step all happen before those of the next. Within an access's step (`access`:
// not a reconvergence, emu::reconverge) the lanes run highest first (run_group), so where several lanes store to
// one address in one step the lowest lane's value is the one left, as an H100 resolves one warp store instruction's same-address conflict (cuda-samples'
// scan at a size that is not a power of two: its recordings keep the lower lane's value; CUDA leaves the
// winner unspecified, and the reverse-order race run, which flips it, reports a result depending on it).
inline void lockstep(bool access = false) {
  Fiber& f = cur();
  f.wait = Wait::Step;
  f.step_access = access;
  yield_to_scheduler();
}
// All lanes of the caller's SIMD-group named in `mask` (and still running) contribute `v`; returns them.
template <class T>
struct Gathered {
  T v[kSimdWidth];
  unsigned active;  // lanes that took part
  unsigned lane;    // the caller's lane
};

template <class T>
Gathered<T> simd_gather(const T& v, unsigned mask = 0xFFFFFFFFu) {
  static_assert(sizeof(T) <= kSlotBytes, "SIMD value too large for the emulator's exchange slot");
  Fiber& f = cur();
  unsigned sg = simd_index(f.linear), lane = lane_of(f.linear);
  std::memcpy(slot(sg, lane), &v, sizeof(T));
  simd_sync(mask);
  Gathered<T> g;
  g.active = cur().simd_active;
  g.lane = lane;
  for (unsigned l = 0; l < kSimdWidth; ++l) {
    // a lane outside the mask (or not active) has no defined value; an H100 reads 0 from it (cuda-samples'
    // reduce7 reduces 4 warp sums with __shfl_down_sync(0xF, ...) and gets the exact sum only so)
    if (g.active >> l & 1u) std::memcpy(&g.v[l], slot(sg, l), sizeof(T));
    else std::memset(static_cast<void*>(&g.v[l]), 0, sizeof(T));
  }
  simd_sync(mask);  // nobody overwrites a slot before every lane has read it
  return g;
}

std::string fiber_state(const Fiber& f);

// Release whatever can be released; false when nothing could (deadlock) and some fiber is not done.
bool release();

// Metal only, once nothing else can move: the lanes of a SIMD-group waiting at a SIMD function go on
// together as its active lanes (the others wait at a barrier or are done: they are not in the branch).
bool release_active_lanes();

void fiber_entry();

void run_group();

// Runs the whole grid. `per_thread` is the kernel call for the current fiber.
void run_grid(std::function<void()> per_thread);

void set_dyn_shared(size_t bytes);

// ---- request / response (see src/verify/run.ts) ----

struct Arg {
  int kind;  // 0 buffer, 1 scalar, 2 raw bytes (a struct passed by value)
  unsigned buffer;
  double value;
  std::vector<unsigned char> bytes;
};

struct Launch {
  unsigned entry;
  Dim3 grid, block;
  uint64_t shared_bytes;
  std::vector<Arg> args;
};

struct Request {
  bool race_detect = false;
  std::vector<unsigned char*> buffers;
  std::vector<size_t> sizes;
  std::vector<Launch> launches;
  bool reverse = false;
  bool reverse_groups = false;
  bool zero_shared = false;
  bool isolate_groups = false;
  bool jitter_math = false;
};

void read_exact(FILE* f, void* p, size_t n);
template <class T>
T rd(FILE* f) {
  T v;
  read_exact(f, &v, sizeof(T));
  return v;
}

Request read_request(const char* path);

void write_response(const char* path, const Request& q);

}  // namespace emu
