// The out-of-line part of emu_runtime.hpp (scheduler, fault handlers, request I/O), compiled once
// into an object that every emulator program links (see src/verify/native.ts), so that compiling a
// kernel compiles only the kernel.
#include "emu_runtime.hpp"

namespace emu {

[[noreturn]] void fail(const std::string& json) {
  std::fprintf(stderr, "EMU_ERROR %s\n", json.c_str());
  std::fflush(stderr);
  _exit(86);
}

std::string jstr(const std::string& s) {
  std::string o = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') o += '\\';
    if ((unsigned char)c < 0x20) continue;
    o += c;
  }
  return o + "\"";
}

Region map_region(const std::string& name, size_t bytes, size_t elem, bool threadgroup) {
  size_t pg = page();
  size_t body = (bytes + pg - 1) / pg * pg;
  if (body == 0) body = pg;
  // a device buffer's trailing guard reaches far: an index that overshoots by a whole axis (a batch index times C*H*W)
  // must fault as this buffer's out-of-bounds access, not read the next mapping's data. PROT_NONE costs address space
  // only, but the run's `ulimit -v` counts it: 64 times the buffer (a scalar's page gets 64 pages), at most 256 MiB
  size_t tail = threadgroup ? pg : std::min(64 * body, (size_t)256 << 20);
  size_t total = body + pg + tail;
  void* m = mmap(nullptr, total, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (m == MAP_FAILED) fail("{\"kind\":\"internal\",\"message\":\"mmap failed\"}");
  unsigned char* mm = (unsigned char*)m;
  mprotect(mm + pg, body, PROT_READ | PROT_WRITE);
  Region r;
  r.name = name;
  r.map = mm;
  r.map_bytes = total;
  r.bytes = bytes;
  r.elem = elem ? elem : 1;
  // every region starts 16-byte aligned, as a GPU's buffers and shared memory do: cub's TempStorage carved from
  // `extern __shared__ char[]` needs it, the alignment check (native.ts) measures offsets from the start, and x86 code
  // for a 16-byte CUDA vector (float4, alignas(16)) may store it with an aligned instruction. The end may then leave up
  // to 15 bytes before the guard page: a device buffer's are filled with all ones, and a write there is caught after
  // the launches (check_slack)
  size_t placed = (bytes + 15) / 16 * 16;
  r.base = mm + pg + body - placed;
  if (!threadgroup) std::memset(r.base + bytes, 0xFF, placed - bytes);
  r.threadgroup = threadgroup;
  return r;
}

unsigned char* add_buffer(const std::string& name, size_t bytes, size_t elem) {
  rt().regions.push_back(map_region(name, bytes, elem, false));
  return rt().regions.back().base;
}

std::string dim_json(Dim3 d) {
  return "[" + std::to_string(d.x) + "," + std::to_string(d.y) + "," + std::to_string(d.z) + "]";
}

std::string where_json() {
  Runtime& r = rt();
  if (r.current < 0) return "\"group\":null,\"thread\":null";
  return "\"group\":" + dim_json(r.gid) + ",\"thread\":" + dim_json(r.fibers[r.current].local);
}

void on_trap(int, siginfo_t*, void* ucv) {
  ucontext_t* uc = (ucontext_t*)ucv;
  size_t pg = page();
  for (unsigned char* p : race().pending) mprotect(p, pg, PROT_NONE);
  race().pending.clear();
#if defined(__x86_64__)
  uc->uc_mcontext.gregs[REG_EFL] &= ~0x100LL;
#else
  (void)uc;
#endif
}

struct IsolatedWrites;
extern IsolatedWrites* isolated_writes;
bool isolated_store(IsolatedWrites* w, unsigned char* a);

void on_segv(int, siginfo_t* si, void* ucv) {
  // a group's first store into a page of a device buffer while groups run isolated (flag 16)
  if (isolated_writes && isolated_store(isolated_writes, (unsigned char*)si->si_addr)) return;
  ucontext_t* uc = (ucontext_t*)ucv;
  bool write = false;
#if defined(__x86_64__)
  write = (uc->uc_mcontext.gregs[REG_ERR] & 2) != 0;
#else
  (void)uc;
#endif
  unsigned char* a = (unsigned char*)si->si_addr;
#if defined(__x86_64__)
  if (rt().race_detect) {
    for (const Region& reg : rt().regions) {
      if (reg.threadgroup && a >= reg.base && a < reg.base + reg.bytes) {
        record_access(reg, a, write);
        unsigned char* pg0 = (unsigned char*)((uintptr_t)a & ~(uintptr_t)(page() - 1));
        mprotect(pg0, page(), PROT_READ | PROT_WRITE);
        race().pending.push_back(pg0);
        uc->uc_mcontext.gregs[REG_EFL] |= 0x100LL;  // trap after this one instruction
        return;
      }
    }
  }
#endif
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

void on_fpe(int, siginfo_t*, void*) {
  fail("{\"kind\":\"crash\",\"message\":\"arithmetic exception (integer division by zero?)\"," + where_json() + "}");
}

// ---- misaligned accesses (CUDA programs: UBSan's alignment check, see native.ts) ----
// The check calls the handler below at a load or store whose address is not a multiple of its type's alignment
// (compiler-rt's ubsan_handlers.h: TypeMismatchData, the pointer). A GPU faults ("misaligned address") at such an
// access to global or shared memory; a thread-local array is in registers there, so it is let through. The kinds
// that stop are loads, stores and reference bindings: g++ reports a whole-object copy (`float4 v = *p`, `return *p`
// in __ldcs, a Packed128 load) as the binding of *p to the copy's reference parameter, and checks the load itself
// only where the copy stays one access (not split into the fields the code uses); a GPU's copy is one vector load.
// A member access (`p->x`, one 4-byte load on a GPU), a member call and the rest go on. A GPU buffer starts 256-byte
// aligned and shared arrays at least 16 (map_region), so what counts is the offset from the buffer's start, not the
// host address.
struct UbsanLocation {
  const char* file;
  uint32_t line, column;
};
struct UbsanType {
  uint16_t kind, info;
  char name[1];
};
struct UbsanTypeMismatch {
  UbsanLocation loc;
  const UbsanType* type;
  unsigned char log_alignment;
  unsigned char check_kind;  // 0 load, 1 store, 2 reference binding, 3 member access, 4 member call, ...
};

static void check_misaligned(const UbsanTypeMismatch* d, uintptr_t p) {
  if (d->check_kind > 2) return;
  size_t align = (size_t)1 << d->log_alignment;
  unsigned char* a = (unsigned char*)p;
  for (const Region& reg : rt().regions) {
    if (a < reg.base || a >= reg.base + reg.bytes) continue;
    size_t off = (size_t)(a - reg.base);
    if (off % align == 0) return;
    std::string type = d->type ? std::string(d->type->name) : std::string("?");
    if (type.size() >= 2 && type.front() == '\'' && type.back() == '\'') type = type.substr(1, type.size() - 2);
    fail("{\"kind\":\"misaligned\",\"access\":\"" + std::string(d->check_kind == 1 ? "write" : "read") + "\",\"buffer\":" + jstr(reg.name) +
         ",\"space\":\"" + (reg.threadgroup ? "threadgroup" : "device") + "\",\"index\":" + std::to_string(off / reg.elem) +
         ",\"offset\":" + std::to_string(off) + ",\"alignment\":" + std::to_string(align) + ",\"type\":" + jstr(type) + "," + where_json() + "}");
  }
}

void install_handlers() {
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
  struct sigaction st {};
  st.sa_sigaction = on_trap;
  st.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigaction(SIGTRAP, &st, nullptr);
}

void protect_threadgroup(bool on) {
  size_t pg = page();
  for (Region& reg : rt().regions) {
    if (!reg.threadgroup) continue;
    mprotect(reg.map + pg, reg.map_bytes - 2 * pg, on ? PROT_NONE : PROT_READ | PROT_WRITE);
  }
}

std::string local_json(unsigned linear) {
  Fiber& f = rt().fibers[linear];
  return dim_json(f.local);
}

void record_access(const Region& reg, unsigned char* a, bool write) {
  Runtime& r = rt();
  RaceState& rs = race();
  if (rs.in_atomic || r.current < 0) return;
  unsigned char* word = (unsigned char*)((uintptr_t)a & ~(uintptr_t)3);
  Shadow& c = rs.cells[word];
  int me = r.current;
  unsigned sg = simd_index((unsigned)me);
  unsigned sgep = sg < rs.sg_epoch.size() ? rs.sg_epoch[sg] : 0;
  auto ordered = [&](int other, unsigned other_sgep) {
    return simd_index((unsigned)other) == sg && other_sgep != sgep;
  };
  auto report = [&](int other, const char* other_access) {
    long long idx = (long long)((a - reg.base) / (long long)reg.elem);
    fail("{\"kind\":\"race\",\"space\":\"threadgroup\",\"buffer\":" + jstr(reg.name) + ",\"index\":" + std::to_string(idx) + ",\"access\":\"" +
         (write ? "write" : "read") + "\",\"otherAccess\":\"" + other_access + "\",\"thread\":" + local_json((unsigned)me) +
         ",\"otherThread\":" + local_json((unsigned)other) + ",\"group\":" + dim_json(r.gid) +
         ",\"message\":\"no barrier between these accesses by two threads\"}");
  };
  if (c.r_epoch != rs.epoch) {
    c.readers.clear();
    c.r_epoch = rs.epoch;
  }
  if (c.w_thread >= 0 && c.w_thread != me && c.w_epoch == rs.epoch && !ordered(c.w_thread, c.w_sg_epoch)) report(c.w_thread, "write");
  if (write) {
    for (auto& [t, ep] : c.readers)
      if (t != me && !ordered(t, ep)) report(t, "read");
    c.w_thread = me;
    c.w_epoch = rs.epoch;
    c.w_sg_epoch = sgep;
  } else {
    bool seen = false;
    for (auto& rd : c.readers)
      if (rd.first == me) {
        rd.second = sgep;
        seen = true;
      }
    if (!seen) c.readers.emplace_back(me, sgep);
  }
}

std::string fiber_state(const Fiber& f) {
  const char* w = f.wait == Wait::Group ? "barrier" : f.wait == Wait::Simd ? "simd" : f.wait == Wait::Step ? "lockstep" : f.wait == Wait::Done ? "done" : "running";
  return std::string(w);
}

bool release() {
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
    ++race().epoch;
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
      if (sg < race().sg_epoch.size()) ++race().sg_epoch[sg];
      released = true;
    }
    // lockstep points: every lane of the group is blocked now, so those that reached one go on together
    unsigned stepping = 0;
    bool access = false;
    for (unsigned l = 0; l < kSimdWidth; ++l)
      if ((live >> l & 1u) && r.fibers[sg * kSimdWidth + l].wait == Wait::Step) {
        stepping |= 1u << l;
        access = access || r.fibers[sg * kSimdWidth + l].step_access;
      }
    if (stepping) {
      for (unsigned l = 0; l < kSimdWidth; ++l)
        if (stepping >> l & 1u) {
          r.fibers[sg * kSimdWidth + l].wait = Wait::Running;
          r.fibers[sg * kSimdWidth + l].simd_active = stepping;
        }
      r.stepped[sg] = access;
      if (sg < race().sg_epoch.size()) ++race().sg_epoch[sg];
      released = true;
    }
  }
  return released;
}

bool release_active_lanes() {
  Runtime& r = rt();
  for (auto& f : r.fibers)
    if (f.wait == Wait::Running) return false;
  bool released = false;
  unsigned nsg = (r.nthreads + kSimdWidth - 1) / kSimdWidth;
  for (unsigned sg = 0; sg < nsg; ++sg) {
    unsigned live = lanes_live(sg), waiting = 0;
    for (unsigned l = 0; l < kSimdWidth; ++l)
      if ((live >> l & 1u) && r.fibers[sg * kSimdWidth + l].wait == Wait::Simd) waiting |= 1u << l;
    if (!waiting) continue;
    for (unsigned l = 0; l < kSimdWidth; ++l)
      if (waiting >> l & 1u) {
        r.fibers[sg * kSimdWidth + l].wait = Wait::Running;
        r.fibers[sg * kSimdWidth + l].simd_active = waiting;
      }
    if (sg < race().sg_epoch.size()) ++race().sg_epoch[sg];
    released = true;
  }
  return released;
}

void fiber_entry() {
  Runtime& r = rt();
  r.body();
  r.fibers[r.current].wait = Wait::Done;
  swapcontext(&r.fibers[r.current].ctx, &r.sched);
}

void run_group() {
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
  r.stepped.assign((n + kSimdWidth - 1) / kSimdWidth, 0);
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
      // a SIMD-group released from a volatile access's lockstep point runs its lanes in the other order: highest
      // first (the lowest lane's store is the one left, emu::lockstep), or lowest first in the reverse run
      const unsigned sg = simd_index(i), first = sg * kSimdWidth;
      if (r.stepped[sg]) i = first + (std::min(kSimdWidth, n - first) - 1 - (i - first));
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
    std::fill(r.stepped.begin(), r.stepped.end(), 0);
    if (!release() && !ran && !(r.simd_active_lanes && release_active_lanes())) {
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

// Isolated groups (flag 16, a perturbation for the determinacy check): every group of a launch runs against device
// memory as the launch found it, and the elements each group changed are written back after the last group, in the
// groups' order. The groups of one launch that exchange nothing through device memory (each reads only what the
// launch was given, or what it wrote itself) give the same result; groups that read what another group of the launch
// wrote without atomics (two blocks adding into one element of an inout buffer) race on a GPU, where they run at
// once, and come out otherwise. Atomics exchange through memory by design: leave kernels that use them out.
// Device buffers only (not `__device__` variables); an element is the buffer's element size. The device buffers are
// read-only during the launch: a group's first store into a page faults, and on_segv marks the page written and
// opens it, so that after the group only the pages it wrote are compared and put back.
struct IsolatedWrites {
  struct Tracked {
    size_t region;
    unsigned char *lo, *hi;             // the buffer's pages
    std::vector<unsigned char> before;  // its contents when the launch started
    std::vector<unsigned char> dirty;   // per page: written by the group running
  };
  struct Change {
    size_t region, offset, bytes, at;  // `bytes` bytes of the region at `offset`, kept in `kept` from `at`
  };
  std::vector<Tracked> device;
  std::vector<Change> changes;  // every group's changed elements, in group order
  std::vector<unsigned char> kept;

  void start(Runtime& r) {
    const size_t pg = page();
    for (size_t i = 0; i < r.regions.size(); ++i) {
      const Region& reg = r.regions[i];
      if (reg.threadgroup) continue;
      Tracked t;
      t.region = i;
      t.lo = (unsigned char*)((uintptr_t)reg.base & ~(uintptr_t)(pg - 1));
      t.hi = std::max(t.lo + pg, (unsigned char*)(((uintptr_t)(reg.base + reg.bytes) + pg - 1) & ~(uintptr_t)(pg - 1)));
      t.before.assign(reg.base, reg.base + reg.bytes);
      t.dirty.assign((t.hi - t.lo) / pg, 0);
      mprotect(t.lo, t.hi - t.lo, PROT_READ);
      device.push_back(std::move(t));
    }
  }
  // a store into a page of a device buffer the running group has not written yet: note it, open the page
  bool on_store(unsigned char* a) {
    const size_t pg = page();
    for (Tracked& t : device) {
      if (a < t.lo || a >= t.hi) continue;
      size_t k = (size_t)(a - t.lo) / pg;
      if (t.dirty[k]) return false;
      t.dirty[k] = 1;
      mprotect(t.lo + k * pg, pg, PROT_READ | PROT_WRITE);
      return true;
    }
    return false;
  }
  // after a group: note the elements it changed, put the launch's memory back, close the pages again
  void collect(Runtime& r) {
    const size_t pg = page();
    for (Tracked& t : device) {
      const Region& reg = r.regions[t.region];
      const size_t count = reg.bytes / reg.elem;
      size_t next = 0;  // elements before it are done (one may reach over two written pages)
      for (size_t k = 0; k < t.dirty.size(); ++k) {
        if (!t.dirty[k]) continue;
        size_t k1 = k;
        while (k1 < t.dirty.size() && t.dirty[k1]) t.dirty[k1++] = 0;
        unsigned char* lo = std::max(t.lo + k * pg, reg.base);
        unsigned char* hi = std::min(t.lo + k1 * pg, reg.base + reg.bytes);
        if (lo < hi) {
          size_t e0 = std::max(next, (size_t)(lo - reg.base) / reg.elem);
          size_t e1 = std::min(count, ((size_t)(hi - reg.base) + reg.elem - 1) / reg.elem);
          for (size_t e = e0; e < e1; ++e) {
            const size_t off = e * reg.elem;
            if (std::memcmp(reg.base + off, t.before.data() + off, reg.elem) == 0) continue;
            changes.push_back({t.region, off, reg.elem, kept.size()});
            kept.insert(kept.end(), reg.base + off, reg.base + off + reg.elem);
          }
          next = std::max(next, e1);
          std::memcpy(lo, t.before.data() + (lo - reg.base), hi - lo);
        }
        mprotect(t.lo + k * pg, (k1 - k) * pg, PROT_READ);
        k = k1;
      }
    }
  }
  void finish(Runtime& r) {
    for (Tracked& t : device) mprotect(t.lo, t.hi - t.lo, PROT_READ | PROT_WRITE);
    for (const Change& c : changes) std::memcpy(r.regions[c.region].base + c.offset, kept.data() + c.at, c.bytes);
  }
};
IsolatedWrites* isolated_writes = nullptr;  // the launch running with flag 16 (on_segv opens its pages)
bool isolated_store(IsolatedWrites* w, unsigned char* a) { return w->on_store(a); }

void run_grid(std::function<void()> per_thread) {
  Runtime& r = rt();
  install_handlers();
  r.body = std::move(per_thread);
  IsolatedWrites isolated;
  if (r.isolate_groups) {
    isolated.start(r);
    isolated_writes = &isolated;
  }
  for (unsigned kz = 0; kz < r.groups.z; ++kz)
    for (unsigned ky = 0; ky < r.groups.y; ++ky)
      for (unsigned kx = 0; kx < r.groups.x; ++kx) {
        const unsigned gx = r.reverse_groups ? r.groups.x - 1 - kx : kx;
        const unsigned gy = r.reverse_groups ? r.groups.y - 1 - ky : ky;
        const unsigned gz = r.reverse_groups ? r.groups.z - 1 - kz : kz;
        r.gid = Dim3{gx, gy, gz};
        Dim3 s = r.nominal;
        if (r.partial_groups) {
          s.x = std::min(r.nominal.x, r.grid_threads.x - gx * r.nominal.x);
          s.y = std::min(r.nominal.y, r.grid_threads.y - gy * r.nominal.y);
          s.z = std::min(r.nominal.z, r.grid_threads.z - gz * r.nominal.z);
        }
        r.gsize = s;
        if (r.race_detect) protect_threadgroup(false);
        for (Region& reg : r.regions)
          if (reg.threadgroup) poison(reg);
        if (r.race_detect) {
          RaceState& rs = race();
          rs.cells.clear();
          ++rs.epoch;
          rs.sg_epoch.assign((s.x * s.y * s.z + kSimdWidth - 1) / kSimdWidth, 0);
          protect_threadgroup(true);
        }
        run_group();
        if (r.isolate_groups) isolated.collect(r);
      }
  if (r.isolate_groups) {
    isolated_writes = nullptr;
    isolated.finish(r);
  }
  if (r.race_detect) protect_threadgroup(false);
}

void set_dyn_shared(size_t bytes) {
  Runtime& r = rt();
  r.dyn_shared_bytes = bytes;
  if (bytes == 0) {
    r.dyn_shared = -1;
    return;
  }
  r.regions.push_back(map_region("extern __shared__", bytes, 4, true));
  r.dyn_shared = (long)r.regions.size() - 1;
}

void read_exact(FILE* f, void* p, size_t n) {
  if (n && std::fread(p, 1, n, f) != n) fail("{\"kind\":\"internal\",\"message\":\"short request\"}");
}

Request read_request(const char* path) {
  FILE* f = std::fopen(path, "rb");
  if (!f) fail("{\"kind\":\"internal\",\"message\":\"cannot open request\"}");
  Request q;
  uint32_t flags = rd<uint32_t>(f);
  q.reverse = (flags & 1u) != 0;
  q.reverse_groups = (flags & 4u) != 0;
  q.race_detect = (flags & 2u) != 0;
  q.zero_shared = (flags & 8u) != 0;
  q.isolate_groups = (flags & 16u) != 0;
  q.jitter_math = (flags & 32u) != 0;
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
      else if (a.kind == 1) a.value = rd<double>(f);
      else {
        a.bytes.resize(rd<uint32_t>(f));
        read_exact(f, a.bytes.data(), a.bytes.size());
      }
      l.args.push_back(a);
    }
    q.launches.push_back(l);
  }
  std::fclose(f);
  rt().reverse = q.reverse;
  rt().reverse_groups = q.reverse_groups;
  rt().race_detect = q.race_detect;
  rt().poison_byte = q.zero_shared ? 0x00 : 0xFF;
  rt().isolate_groups = q.isolate_groups;
  rt().jitter_math = q.jitter_math;
  return q;
}

// A write into the up to 15 bytes between a device buffer's end and its guard page (map_region) is out of bounds too.
void check_slack() {
  for (const Region& reg : rt().regions) {
    if (reg.threadgroup) continue;
    size_t placed = (reg.bytes + 15) / 16 * 16;
    for (size_t k = reg.bytes; k < placed; ++k)
      if (reg.base[k] != 0xFF)
        fail("{\"kind\":\"out-of-bounds\",\"buffer\":" + jstr(reg.name) + ",\"index\":" + std::to_string(k / reg.elem) +
             ",\"access\":\"write\",\"space\":\"device\",\"length\":" + std::to_string(reg.bytes / reg.elem) +
             ",\"found\":\"after the launches, in the bytes before the guard page\"}");
  }
}

void write_response(const char* path, const Request& q) {
  check_slack();
  FILE* f = std::fopen(path, "wb");
  if (!f) fail("{\"kind\":\"internal\",\"message\":\"cannot write response\"}");
  for (size_t i = 0; i < q.buffers.size(); ++i) std::fwrite(q.buffers[i], 1, q.sizes[i], f);
  std::fclose(f);
}

unsigned lanes_live(unsigned sg) {
  Runtime& r = rt();
  unsigned m = 0;
  unsigned present = lanes_present(sg);
  for (unsigned l = 0; l < kSimdWidth; ++l) {
    if (!(present >> l & 1u)) continue;
    if (r.fibers[sg * kSimdWidth + l].wait != Wait::Done) m |= 1u << l;
  }
  return m;
}

}  // namespace emu

extern "C" {
// the recovering form (-fsanitize-recover=alignment, native.ts): returns where the access may go on
void __ubsan_handle_type_mismatch_v1(emu::UbsanTypeMismatch* d, uintptr_t p) { emu::check_misaligned(d, p); }
// the aborting form (a program built with -fno-sanitize-recover): the compiler assumes it does not return
[[noreturn]] void __ubsan_handle_type_mismatch_v1_abort(emu::UbsanTypeMismatch* d, uintptr_t p) {
  emu::check_misaligned(d, p);
  emu::fail("{\"kind\":\"crash\",\"message\":\"misaligned access outside every buffer (a program built with -fno-sanitize-recover)\"," + emu::where_json() + "}");
}
}
