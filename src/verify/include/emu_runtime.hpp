// c2m kernel proof harness: the GPU execution model on one CPU thread.
//
// Each thread of a threadgroup (CUDA block) is a ucontext fiber. Fibers run one at a time and switch
// only at synchronisation points, so a barrier really waits for every live thread of the group and a
// SIMD-group (warp) operation really exchanges values between the 32 lanes in lockstep. Groups run one
// after another; threadgroup (shared) memory is per group and is poisoned (all bits set: NaN for
// floats, -1 for ints) before each group so that reading it before it is written shows.
//
// Device buffers and threadgroup arrays each sit at the end of their own mapping, followed by a
// PROT_NONE guard page: an out-of-bounds access faults, and the SIGSEGV handler names the buffer,
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

enum class Wait { Running, Group, Simd, Done };

struct Fiber {
  ucontext_t ctx;
  Wait wait = Wait::Running;
  unsigned simd_mask = 0;     // lanes (of this fiber's SIMD-group) that take part in the pending SIMD op
  unsigned simd_active = 0;   // lanes that took part, set when the op is released
  const void* site = nullptr; // return address of the barrier call, to spot divergent barriers
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

[[noreturn]] inline void fail(const std::string& json) {
  std::fprintf(stderr, "EMU_ERROR %s\n", json.c_str());
  std::fflush(stderr);
  _exit(86);
}

inline std::string jstr(const std::string& s) {
  std::string o = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') o += '\\';
    if ((unsigned char)c < 0x20) continue;
    o += c;
  }
  return o + "\"";
}

struct Runtime {
  // launch
  Dim3 groups;        // number of groups per axis
  Dim3 nominal;       // requested group size
  Dim3 grid_threads;  // Metal: threads in the grid; CUDA: groups * nominal
  bool partial_groups = false;  // Metal dispatchThreads: edge groups may be smaller
  bool reverse = false;         // run fibers in reverse order (schedule perturbation for the race check)
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
inline Region map_region(const std::string& name, size_t bytes, size_t elem, bool threadgroup) {
  size_t pg = page();
  size_t body = (bytes + pg - 1) / pg * pg;
  if (body == 0) body = pg;
  size_t total = body + 2 * pg;
  void* m = mmap(nullptr, total, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED) fail("{\"kind\":\"internal\",\"message\":\"mmap failed\"}");
  unsigned char* mm = (unsigned char*)m;
  mprotect(mm + pg, body, PROT_READ | PROT_WRITE);
  Region r;
  r.name = name;
  r.map = mm;
  r.map_bytes = total;
  r.bytes = bytes;
  r.elem = elem ? elem : 1;
  r.base = mm + pg + body - bytes;
  r.threadgroup = threadgroup;
  return r;
}

inline unsigned char* add_buffer(const std::string& name, size_t bytes, size_t elem) {
  rt().regions.push_back(map_region(name, bytes, elem, false));
  return rt().regions.back().base;
}

inline std::string dim_json(Dim3 d) {
  return "[" + std::to_string(d.x) + "," + std::to_string(d.y) + "," + std::to_string(d.z) + "]";
}

inline std::string where_json() {
  Runtime& r = rt();
  if (r.current < 0) return "\"group\":null,\"thread\":null";
  return "\"group\":" + dim_json(r.gid) + ",\"thread\":" + dim_json(r.fibers[r.current].local);
}

inline void on_segv(int, siginfo_t* si, void* ucv) {
  ucontext_t* uc = (ucontext_t*)ucv;
  bool write = false;
#if defined(__x86_64__)
  write = (uc->uc_mcontext.gregs[REG_ERR] & 2) != 0;
#else
  (void)uc;
#endif
  unsigned char* a = (unsigned char*)si->si_addr;
  for (const Region& reg : rt().regions) {
    if (a >= reg.map && a < reg.map + reg.map_bytes) {
      long long off = (long long)(a - reg.base);
      long long idx = off >= 0 ? off / (long long)reg.elem : -((-off + (long long)reg.elem - 1) / (long long)reg.elem);
      std::string j = "{\"kind\":\"out-of-bounds\",\"access\":\"" + std::string(write ? "write" : "read") +
                      "\",\"buffer\":" + jstr(reg.name) + ",\"space\":\"" +
                      (reg.threadgroup ? "threadgroup" : "device") + "\",\"index\":" + std::to_string(idx) +
                      ",\"length\":" + std::to_string(reg.bytes / reg.elem) + "," + where_json() + "}";
      fail(j);
    }
  }
  fail("{\"kind\":\"crash\",\"message\":\"segmentation fault outside every buffer (wild pointer)\"," + where_json() + "}");
}

inline void on_fpe(int, siginfo_t*, void*) {
  fail("{\"kind\":\"crash\",\"message\":\"arithmetic exception (integer division by zero?)\"," + where_json() + "}");
}

inline void install_handlers() {
  static bool done = false;
  if (done) return;
  done = true;
  static std::vector<unsigned char> alt(1 << 16);
  stack_t ss{};
  ss.ss_sp = alt.data();
  ss.ss_size = alt.size();
  sigaltstack(&ss, nullptr);
  struct sigaction sa {};
  sa.sa_sigaction = on_segv;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigaction(SIGSEGV, &sa, nullptr);
  sigaction(SIGBUS, &sa, nullptr);
  struct sigaction sf {};
  sf.sa_sigaction = on_fpe;
  sf.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigaction(SIGFPE, &sf, nullptr);
}

// ---- threadgroup memory ----

inline void poison(Region& r) { std::memset(r.base, 0xFF, r.bytes); }

template <class T>
T* tg_alloc(long id, const char* name) {
  Runtime& r = rt();
  auto key = std::make_pair(id, sizeof(T));
  auto it = r.tg_index.find(key);
  if (it == r.tg_index.end()) {
    using E = std::remove_all_extents_t<T>;
    r.regions.push_back(map_region(name, sizeof(T), sizeof(E), true));
    poison(r.regions.back());
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

inline unsigned simd_index(unsigned linear) { return linear / kSimdWidth; }
inline unsigned lane_of(unsigned linear) { return linear % kSimdWidth; }

// Lanes of SIMD-group `sg` that exist in this group (the last one can be short).
inline unsigned lanes_present(unsigned sg) {
  unsigned n = rt().nthreads;
  unsigned first = sg * kSimdWidth;
  unsigned cnt = n - first < kSimdWidth ? n - first : kSimdWidth;
  return cnt >= 32 ? 0xFFFFFFFFu : ((1u << cnt) - 1u);
}

inline unsigned lanes_live(unsigned sg) {
  Runtime& r = rt();
  unsigned m = 0;
  unsigned present = lanes_present(sg);
  for (unsigned l = 0; l < kSimdWidth; ++l) {
    if (!(present >> l & 1u)) continue;
    if (r.fibers[sg * kSimdWidth + l].wait != Wait::Done) m |= 1u << l;
  }
  return m;
}

inline unsigned char* slot(unsigned sg, unsigned lane) {
  return rt().simd_slots.data() + ((size_t)sg * kSimdWidth + lane) * kSlotBytes;
}

inline void simd_sync(unsigned mask) {
  Fiber& f = cur();
  f.wait = Wait::Simd;
  f.simd_mask = mask;
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
    if (g.active >> l & 1u) std::memcpy(&g.v[l], slot(sg, l), sizeof(T));
    else std::memcpy(&g.v[l], &v, sizeof(T));
  }
  simd_sync(mask);  // nobody overwrites a slot before every lane has read it
  return g;
}

inline std::string fiber_state(const Fiber& f) {
  const char* w = f.wait == Wait::Group ? "barrier" : f.wait == Wait::Simd ? "simd" : f.wait == Wait::Done ? "done" : "running";
  return std::string(w);
}

// Release whatever can be released; false when nothing could (deadlock) and some fiber is not done.
inline bool release() {
  Runtime& r = rt();
  bool any_live = false, all_at_group = true;
  for (auto& f : r.fibers) {
    if (f.wait == Wait::Done) continue;
    any_live = true;
    if (f.wait != Wait::Group) all_at_group = false;
  }
  if (!any_live) return true;
  if (all_at_group) {
    unsigned done = 0, waiting = 0;
    for (auto& f : r.fibers) (f.wait == Wait::Done ? done : waiting)++;
    if (done > 0) {
      fail("{\"kind\":\"divergent-barrier\",\"message\":\"" + std::to_string(waiting) + " threads wait at a barrier that " +
           std::to_string(done) + " threads of the group returned without reaching (a barrier after a non-uniform early return)\",\"group\":" +
           dim_json(r.gid) + "}");
    }
    const void* site = nullptr;
    for (auto& f : r.fibers) {
      if (f.wait != Wait::Group) continue;
      if (site && f.site != site) {
        fail("{\"kind\":\"divergent-barrier\",\"message\":\"threads of one group wait at different barriers\",\"group\":" +
             dim_json(r.gid) + "}");
      }
      site = f.site;
    }
    for (auto& f : r.fibers)
      if (f.wait == Wait::Group) f.wait = Wait::Running;
    return true;
  }
  bool released = false;
  unsigned nsg = (r.nthreads + kSimdWidth - 1) / kSimdWidth;
  for (unsigned sg = 0; sg < nsg; ++sg) {
    unsigned live = lanes_live(sg);
    // Group the waiting lanes by mask; a mask is complete when all its live lanes wait with it.
    for (unsigned l = 0; l < kSimdWidth; ++l) {
      if (!(live >> l & 1u)) continue;
      Fiber& f = r.fibers[sg * kSimdWidth + l];
      if (f.wait != Wait::Simd) continue;
      unsigned need = f.simd_mask & live;
      bool ready = true;
      for (unsigned k = 0; k < kSimdWidth; ++k) {
        if (!(need >> k & 1u)) continue;
        Fiber& g = r.fibers[sg * kSimdWidth + k];
        if (g.wait != Wait::Simd || g.simd_mask != f.simd_mask) {
          ready = false;
          break;
        }
      }
      if (!ready) continue;
      for (unsigned k = 0; k < kSimdWidth; ++k) {
        if (!(need >> k & 1u)) continue;
        Fiber& g = r.fibers[sg * kSimdWidth + k];
        g.wait = Wait::Running;
        g.simd_active = need;
      }
      released = true;
    }
  }
  return released;
}

inline void fiber_entry() {
  Runtime& r = rt();
  r.body();
  r.fibers[r.current].wait = Wait::Done;
  swapcontext(&r.fibers[r.current].ctx, &r.sched);
}

inline void run_group() {
  Runtime& r = rt();
  unsigned n = r.gsize.x * r.gsize.y * r.gsize.z;
  r.nthreads = n;
  r.fibers.assign(n, Fiber{});
  while (r.stacks.size() < n) {
    void* s = mmap(nullptr, r.stack_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (s == MAP_FAILED) fail("{\"kind\":\"internal\",\"message\":\"cannot map fiber stacks\"}");
    r.stacks.push_back((unsigned char*)s);
  }
  r.simd_slots.assign(((n + kSimdWidth - 1) / kSimdWidth) * kSimdWidth * kSlotBytes, 0);
  for (unsigned i = 0; i < n; ++i) {
    Fiber& f = r.fibers[i];
    f.linear = i;
    f.local.x = i % r.gsize.x;
    f.local.y = (i / r.gsize.x) % r.gsize.y;
    f.local.z = i / (r.gsize.x * r.gsize.y);
    getcontext(&f.ctx);
    f.ctx.uc_stack.ss_sp = r.stacks[i];
    f.ctx.uc_stack.ss_size = r.stack_bytes;
    f.ctx.uc_link = nullptr;
    makecontext(&f.ctx, (void (*)())fiber_entry, 0);
  }
  for (;;) {
    bool ran = false;
    for (unsigned k = 0; k < n; ++k) {
      unsigned i = r.reverse ? n - 1 - k : k;
      if (r.fibers[i].wait != Wait::Running) continue;
      r.current = (int)i;
      swapcontext(&r.sched, &r.fibers[i].ctx);
      ran = true;
    }
    r.current = -1;
    bool all_done = true;
    for (auto& f : r.fibers)
      if (f.wait != Wait::Done) all_done = false;
    if (all_done) break;
    if (!release() && !ran) {
      std::string st;
      unsigned shown = 0;
      for (auto& f : r.fibers) {
        if (shown++ >= 64) break;
        st += (st.empty() ? "" : ",") + std::string("\"") + fiber_state(f) + "\"";
      }
      fail("{\"kind\":\"deadlock\",\"message\":\"threads wait at barriers or SIMD operations that the rest of the group never reaches (barrier or shuffle in divergent code?)\",\"group\":" +
           dim_json(r.gid) + ",\"states\":[" + st + "]}");
    }
  }
}

// Runs the whole grid. `per_thread` is the kernel call for the current fiber.
inline void run_grid(std::function<void()> per_thread) {
  Runtime& r = rt();
  install_handlers();
  r.body = std::move(per_thread);
  for (unsigned gz = 0; gz < r.groups.z; ++gz)
    for (unsigned gy = 0; gy < r.groups.y; ++gy)
      for (unsigned gx = 0; gx < r.groups.x; ++gx) {
        r.gid = Dim3{gx, gy, gz};
        Dim3 s = r.nominal;
        if (r.partial_groups) {
          s.x = std::min(r.nominal.x, r.grid_threads.x - gx * r.nominal.x);
          s.y = std::min(r.nominal.y, r.grid_threads.y - gy * r.nominal.y);
          s.z = std::min(r.nominal.z, r.grid_threads.z - gz * r.nominal.z);
        }
        r.gsize = s;
        for (Region& reg : r.regions)
          if (reg.threadgroup) poison(reg);
        run_group();
      }
}

inline void set_dyn_shared(size_t bytes) {
  Runtime& r = rt();
  r.dyn_shared_bytes = bytes;
  if (bytes == 0) {
    r.dyn_shared = -1;
    return;
  }
  r.regions.push_back(map_region("extern __shared__", bytes, 4, true));
  r.dyn_shared = (long)r.regions.size() - 1;
}

// ---- request / response (see src/verify/run.ts) ----

struct Arg {
  int kind;  // 0 buffer, 1 scalar
  unsigned buffer;
  double value;
};

struct Launch {
  unsigned entry;
  Dim3 grid, block;
  uint64_t shared_bytes;
  std::vector<Arg> args;
};

struct Request {
  std::vector<unsigned char*> buffers;
  std::vector<size_t> sizes;
  std::vector<Launch> launches;
  bool reverse = false;
};

inline void read_exact(FILE* f, void* p, size_t n) {
  if (n && std::fread(p, 1, n, f) != n) fail("{\"kind\":\"internal\",\"message\":\"short request\"}");
}
template <class T>
T rd(FILE* f) {
  T v;
  read_exact(f, &v, sizeof(T));
  return v;
}

inline Request read_request(const char* path) {
  FILE* f = std::fopen(path, "rb");
  if (!f) fail("{\"kind\":\"internal\",\"message\":\"cannot open request\"}");
  Request q;
  q.reverse = rd<uint32_t>(f) != 0;
  unsigned nb = rd<uint32_t>(f);
  for (unsigned i = 0; i < nb; ++i) {
    unsigned len = rd<uint32_t>(f);
    std::string name(len, '\0');
    read_exact(f, name.data(), len);
    unsigned elem = rd<uint32_t>(f);
    uint64_t bytes = rd<uint64_t>(f);
    unsigned char* p = add_buffer(name, bytes, elem);
    read_exact(f, p, bytes);
    q.buffers.push_back(p);
    q.sizes.push_back(bytes);
  }
  unsigned nl = rd<uint32_t>(f);
  for (unsigned i = 0; i < nl; ++i) {
    Launch l;
    l.entry = rd<uint32_t>(f);
    l.grid.x = rd<uint32_t>(f);
    l.grid.y = rd<uint32_t>(f);
    l.grid.z = rd<uint32_t>(f);
    l.block.x = rd<uint32_t>(f);
    l.block.y = rd<uint32_t>(f);
    l.block.z = rd<uint32_t>(f);
    l.shared_bytes = rd<uint64_t>(f);
    unsigned na = rd<uint32_t>(f);
    for (unsigned k = 0; k < na; ++k) {
      Arg a{};
      a.kind = rd<uint8_t>(f);
      if (a.kind == 0) a.buffer = rd<uint32_t>(f);
      else a.value = rd<double>(f);
      l.args.push_back(a);
    }
    q.launches.push_back(l);
  }
  std::fclose(f);
  rt().reverse = q.reverse;
  return q;
}

inline void write_response(const char* path, const Request& q) {
  FILE* f = std::fopen(path, "wb");
  if (!f) fail("{\"kind\":\"internal\",\"message\":\"cannot write response\"}");
  for (size_t i = 0; i < q.buffers.size(); ++i) std::fwrite(q.buffers[i], 1, q.sizes[i], f);
  std::fclose(f);
}

}  // namespace emu
