/**
 * Buffer plans of the `kernel-buffers` pass: the role each pointer parameter takes in the MLX kernel (BufferRole in
 * ir/kernel.ts), decided from the uses analyseKernels collected; a read-write buffer no role fits is refused.
 */
import type { CudaNode } from "../../grammar/cuda.js";
import type { AtomicOp, BufferPlan, KernelUnit } from "../../ir/kernel.js";
import type { DiagnosticBag } from "../../ir/diagnostics.js";
import { reportKernel } from "../../ir/kernel-diagnostics.js";
import { ATOMIC_ACCUMULATE, ATOMIC_FUNCTIONS, SCALAR_TYPES } from "./tables.js";
import { accessPair, GATHER_RACE } from "./ownership.js";
import { helperCopy } from "./helper-copy.js";
import { everyGroupUpdates, NO_GRID_ORDER, readAcrossGroups } from "./cross-group.js";
import { handOverAtomicsGap, inHandOver, lastArriverGuards, passOn, spinWait, takenWithStoresGap, takingStore, ticketCounterGap, type HandOver } from "./hand-over.js";
import { isDeviceVariable } from "./device-vars.js";
import { casAddress, casFirstGuess } from "./cas-guess.js";
import { offsetTicketCounter } from "./ticket-counter.js";
import { blocksSharing, ownAccess, ownerCopy, proveOwnership, refuse as refuseNow, SHARED_IN_PLACE } from "./inout-plans.js";
import { calleeName, callArgs, field, fields, position, resultUsed } from "./cst.js";
import { touchesOnlyPointee } from "./helper-take.js";
import type { AccessSite, KernelAnalysis } from "./buffers.js";
import { atomicInit, elemInfo, pointee, pointerMembers } from "./buffer-values.js";
import { readThroughGap, readThroughWarning } from "./read-through.js";
import { wordsBesideAtomics } from "./atomic16.js";
import { freshOutputGap } from "./write-only.js";
import { unmarkedUse } from "./write-only-marks.js";

/** Some buffer of the kernel has atomics: MLX would declare every output atomic<T>, a read-through buffer's too. */
function analysisAtomics(a: KernelAnalysis): boolean {
  return [...a.uses.values()].some((u) => u.atomics.size > 0);
}

/** Atomics whose result depends on the element's current value, not only on what is added in: no init_value can stand in for the caller's. */
const FROM_CURRENT = new Set<AtomicOp>(["exch", "cas", "inc", "dec"]);

/** Ops Metal's atomic<float> has (fetch_add, fetch_sub, exchange, compare_exchange); atomic<int> and <uint> have them all. */
const FLOAT_ATOMICS = new Set<AtomicOp>(["add", "sub", "exch", "cas"]);

/**
 * Whether each atomic can take its element over from the caller's array first (BufferPlan.takeOnAtomic): the copy
 * is an atomic store, and Metal stores atomically only 32-bit int, uint and float (its 64-bit ulong has only min and max)
 */
/** The atomic accesses of one parameter. */
function atomicsOf(a: KernelAnalysis, name: string) {
  return a.accesses.filter((x) => x.root.kind === "param" && x.root.name === name && x.atomic);
}

function takesOver(elem: ReturnType<typeof elemInfo>, ops: AtomicOp[]): boolean {
  return elem.bits === 32 && (elem.integer || ops.every((o) => FLOAT_ATOMICS.has(o)));
}

/** A device function's atomics on the buffer: the kernel takes the element over at the call (helper-take.ts). */
function helperAtomics(a: KernelAnalysis, name: string) {
  return atomicsOf(a, name).filter((x) => !ATOMIC_FUNCTIONS[calleeName(x.atomic!.call) ?? ""]);
}

/** Every atomic on the buffer is a helper's. */
function viaHelpersOnly(a: KernelAnalysis, name: string): boolean {
  const all = atomicsOf(a, name);
  return all.length > 0 && helperAtomics(a, name).length === all.length;
}

/** A call handing the buffer to a helper that may touch other elements than the one it is given (helper-take.ts); undefined when none. */
function helperReachingPast(a: KernelAnalysis, unit: KernelUnit, name: string): CudaNode | undefined {
  return helperAtomics(a, name).find((x) => {
    const call = x.atomic!.call;
    const i = callArgs(call).findIndex((arg) => arg.startIndex === x.node.startIndex);
    return i < 0 || !touchesOnlyPointee(unit, calleeName(call) ?? "", i);
  })?.atomic!.call;
}

/** Each helper given an address into the buffer touches only that element. */
function helpersTakeOver(a: KernelAnalysis, unit: KernelUnit, name: string): boolean {
  return !helperReachingPast(a, unit, name);
}

/**
 * A buffer with atomics whose plain accesses are reads by the last threadgroup to take a ticket and stores that take
 * their element over (hand-over.ts takingStore: each threadgroup's own part, or the last threadgroup's): every atomic
 * can take its element over (a 32-bit element; a ticket counting in a word of it seen as another 32-bit integer
 * type, `(unsigned int*)(scratch + 2 * C)`, is an integer atomic on that word, which Metal's atomic_uint has).
 */
function takesOverHandedOver(elem: ReturnType<typeof elemInfo>, atomics: AccessSite[], plains: AccessSite[], guards: HandOver[], handedOver: (n: CudaNode) => boolean): boolean {
  if (elem.bits !== 32 || !plains.every((x) => (x.write ? takingStore(x, handedOver) : handedOver(x.node)))) return false;
  const ticket = (x: AccessSite) => guards.some((g) => g.punned && g.ticket.startIndex === x.atomic!.call.startIndex);
  return atomics.every((x) => (ticket(x) ? ["add", "inc"].includes(x.atomic!.op) : takesOver(elem, [x.atomic!.op])));
}

/** A write-only buffer left a fresh output that write-only.ts did not prove (C2M-K058, a warning): elements not written come back 0. */
function lostCaller(bag: DiagnosticBag, a: KernelAnalysis, param: string, why: string): void {
  const p = a.kernel.params.find((x) => x.name === param)!;
  reportKernel(
    bag,
    "C2M-K058",
    position(p.node),
    `buffer '${param}' of kernel '${a.kernel.name}' is only written, and the translation returns a fresh output whose elements the kernel does not write are 0, where CUDA leaves the caller's values: c2m keeps those only by taking each element over at its store, or proves them all written, but ${why}`,
  );
}

/** Decide each pointer parameter's role (see BufferRole). */
export function planBuffers(a: KernelAnalysis, unit: KernelUnit, bag: DiagnosticBag): void {
  const k = a.kernel;
  // a kernel's refusals are reported with those that name a Metal limit first: the kernel's refusal is its first
  const limits: (() => void)[] = [];
  const gaps: (() => void)[] = [];
  // `limit`: the refusal names a limit of Metal or mx.fast.metal_kernel; "K046" when it is an element passed between threadgroups
  const refuse = (a0: KernelAnalysis, bag0: DiagnosticBag, param: string, why: string, shared = true, limit: boolean | "K046" = false) =>
    (limit ? limits : gaps).push(() => refuseNow(a0, bag0, param, why, shared, limit === "K046" ? "C2M-K046" : "C2M-K007"));
  // threadgroups that wait on each other are a limit of Metal; the last one to arrive taking over is not (hand-over.ts)
  const spin = spinWait(a.accesses, k.body);
  if (spin)
    limits.push(() => {
      reportKernel(bag, "C2M-K046", position(spin.loop), `kernel '${k.name}': ${spin.why}`);
      a.ok = false;
    });
  const guards = spin ? [] : lastArriverGuards(k.body);
  const handedOver = (n: CudaNode) => inHandOver(n, guards);
  for (const p of k.params) {
    if (p.type.kind !== "pointer") {
      if (p.type.kind === "struct" || p.type.kind === "unknown" || p.type.kind === "reference") {
        const typeText = p.node.text.replace(/\s*\b\w+\s*$/, "");
        const pointers = pointerMembers(typeText, unit);
        if (pointers)
          reportKernel(
            bag,
            "C2M-K049",
            position(p.node),
            `kernel parameter '${p.name}' of type '${typeText}' is a struct passed by value that holds device pointers (${pointers}) that c2m cannot pass field by field (a pointer to pointers, an array of pointers, or the struct used whole other than as an argument of a device function): mx.fast.metal_kernel binds every input as an array or a scalar of its own and gives the kernel no array's address to store in a struct`,
          );
        else reportKernel(bag, "C2M-K012", position(p.node), `kernel parameter '${p.name}' of type '${typeText}' cannot be passed to an MLX kernel`);
        a.ok = false;
      }
      continue;
    }
    if (p.type.pointee.kind === "struct" || p.type.pointee.kind === "unknown" || p.type.pointee.kind === "pointer") {
      reportKernel(
        bag,
        "C2M-K012",
        position(p.node),
        `kernel parameter '${p.name}' points to '${p.node.text.replace(/\s*\b\w+\s*$/, "")}': MLX passes typed arrays of numbers, not structs or pointer tables; pass the fields as separate arrays or scalars`,
      );
      a.ok = false;
      continue;
    }
    if (p.defaultValue)
      reportKernel(
        bag,
        "C2M-K041",
        position(p.defaultValue),
        `kernel parameter '${p.name}' defaults to ${p.defaultValue.text}: an MLX kernel gets an array for every buffer, so a launch cannot leave it out and a test of it against ${p.defaultValue.text} is never true`,
      );
    const u = a.uses.get(p.name);
    const plan: BufferPlan = { param: p.name, role: "input", pointee: pointee(p.type) };
    a.buffers.push(plan);
    if (!u || (!u.read && !u.write && u.atomics.size === 0)) {
      plan.role = "unused";
      continue;
    }
    const counter = a.accesses.filter((x) => x.root.kind === "param" && x.root.name === p.name);
    if (u.atomics.size > 0 && offsetTicketCounter(counter, guards, elemInfo(plan.pointee))) {
      // a hand-over's ticket counter held as its offset from the caller's value (ticket-counter.ts)
      plan.role = "atomic-accumulate";
      plan.atomicOp = "add";
      plan.foldsFetched = true;
      plan.offsetFromCaller = true;
      continue;
    }
    if (u.atomics.size > 0) {
      // atomicSub is an atomicAdd of the negation: both start from 0 and fold in with +
      const ops = [...u.atomics].every((o) => o === "add" || o === "sub") ? [...new Set([...u.atomics].map(() => "add" as const))] : [...u.atomics];
      const elem = elemInfo(plan.pointee);
      const acc = ATOMIC_ACCUMULATE[ops[0]];
      const init = acc?.init(elem.signed, elem.bits, !elem.integer);
      // no one init_value serves: several kinds, an op without an identity MLX's init_value holds
      const noSingleInit = ops.length > 1 || !acc || init === undefined;
      // a hand-over's ticket counter c2m cannot carry (hand-over.ts), said before the general refusal
      const counterGap = noSingleInit ? ticketCounterGap(guards, atomicsOf(a, p.name)) : undefined;
      if (u.plain && (u.read || u.write)) {
        const mine = a.accesses.filter((x) => x.root.kind === "param" && x.root.name === p.name);
        const across = readAcrossGroups(mine, k.body);
        const atomics = mine.filter((x) => x.atomic);
        // the atomic that threads of every threadgroup make, when there is one
        const atomic = atomics.find((x) => everyGroupUpdates(x, k.body)) ?? atomics[0];
        const plain = mine.find((x) => !x.atomic && (x.read || x.write));
        const plainReads = mine.filter((x) => !x.atomic && x.read);
        // the ticket of a hand-over counting in a word of this buffer seen as another type
        const punnedTicket = guards.find((g) => g.punned && atomics.some((x) => x.atomic!.call.startIndex === g.ticket.startIndex));
        const handOverGap = plainReads.length > 0 && plainReads.every((x) => handedOver(x.node)) ? handOverAtomicsGap(guards, atomics) : undefined;
        const ticketGap = ticketCounterGap(guards, atomics, plain);
        // every plain access is the first guess of a compare-exchange loop (cas-guess.ts): the loop computes from
        // the element's current value, so each access takes its element over from the caller's array first
        const plains = mine.filter((x) => !x.atomic && (x.read || x.write));
        const guesses = plainReads.length > 0 && plains.every((x) => (!x.write && casFirstGuess(x.node, k.body)) || casAddress(x.node, k.body));
        if (guesses && plan.pointee.kind === "scalar" && takesOver(elem, [...u.atomics])) {
          plan.role = "inout-copy";
          plan.takeOnAtomic = true;
        } else if (handOverGap && plan.pointee.kind === "scalar" && takesOverHandedOver(elem, atomics, plains, guards, handedOver)) {
          // only the last threadgroup to take a ticket reads it plainly (llm.c's layernorm_backward_kernel6/7 scratch:
          // float partial sums added by every threadgroup, the ticket counted in a word of it seen as unsigned int):
          // each atomic takes its element over from the caller's array first, so the sums and the ticket count from
          // the caller's values as in CUDA, and the reads, after the ticket, take theirs over too (hand-over.ts)
          plan.role = "inout-copy";
          plan.takeOnAtomic = true;
          plan.handedOverReads = true;
          // each threadgroup's part stored plainly before the ticket (llm.c's layernorm_backward_kernel5/9/10 scratch):
          // each store takes its element over first, so the wrapper keeps what it wrote
          if (plains.some((x) => x.write)) plan.handedOverStores = true;
        } else if (handOverGap && punnedTicket && plains.some((x) => x.write && !takingStore(x, handedOver)))
          refuse(a, bag, p.name, takenWithStoresGap(punnedTicket, plains.find((x) => x.write && !takingStore(x, handedOver))!), false);
        else if (handOverGap) refuse(a, bag, p.name, handOverGap, false);
        else if (ticketGap) refuse(a, bag, p.name, ticketGap, false);
        else if (across) refuse(a, bag, p.name, across, false, "K046");
        else if (atomic && everyGroupUpdates(atomic, k.body) && FROM_CURRENT.has(atomic.atomic!.op))
          // a compare-exchange loop that cas-add.ts did not lower to atomicAdd: its plain read is only a first guess,
          // but the exchange computes from the element's current value, the caller's
          refuse(
            a,
            bag,
            p.name,
            `threads of every threadgroup update its elements with atomic ${atomic.atomic!.op} (${accessPair(atomic.atomic!.call)}: the index does not depend on the threadgroup), which computes from the element's current value; that must be the caller's before any threadgroup's atomic, but an mx.fast.metal_kernel output is a fresh array (atomic outputs start from init_value), so only a thread of the dispatch could copy the caller's values in, and ${NO_GRID_ORDER}${atomic.atomic!.op === "cas" ? ". (A compare-exchange loop that only adds a packed pair of 16-bit floats is the atomicAdd it is, which starts from 0 and has the caller's values added after the launch, and c2m lowers it as such (passes/kernel/cas-add.ts); this loop is not seen as one, which needs the exchange to store the expected word reinterpreted plus an addend the loop leaves unchanged, the sum a 16-bit pair, and no use of the old value after the loop.)" : ""}`,
            false,
            "K046",
          );
        else if (atomic && everyGroupUpdates(atomic, k.body))
          refuse(
            a,
            bag,
            p.name,
            `threads of every threadgroup update its elements with atomics (${accessPair(atomic.atomic!.call)}: the index does not depend on the threadgroup), and it is also ${plain?.write ? "written" : "read"} without them (${plain ? accessPair(plain.node) : "a plain access"}), which must see the caller's value and the atomics of the other threadgroups: an MLX atomic output starts from init_value (the caller's values are folded in only after the launch), and copying them in before any threadgroup's atomic needs every threadgroup to wait for the copy; ${NO_GRID_ORDER}`,
            false,
            "K046",
          );
        else
          refuse(
            a,
            bag,
            p.name,
            `it is updated with atomics (${atomic ? accessPair(atomic.atomic!.call) : "an atomic"}) and also read or written without them (${plain ? accessPair(plain.node) : "a plain access"}): an MLX atomic output starts from init_value, and other threadgroups' atomics reach its elements`,
          );
      } else if (noSingleInit && plan.pointee.kind === "scalar" && takesOver(elem, ops) && helpersTakeOver(a, unit, p.name)) {
        // no one init_value serves (several kinds, an op computing from the element's current value, an op without
        // an identity MLX's init_value holds): each atomic takes its element over from the caller's array first
        plan.role = "inout-copy";
        plan.takeOnAtomic = true;
      } else if (noSingleInit && plan.pointee.kind === "template" && viaHelpersOnly(a, p.name) && helpersTakeOver(a, unit, p.name)) {
        // the same, for an element of the kernel's template type reached through helpers (pytorch_scatter's
        // Reducer::atomic_write): the width is the launch's, and each helper is an overload per element type (or a
        // template) whose atomics Metal instantiates only for that type; one of 32 bits takes its element over, and
        // for another the instantiation of the take-over (an atomic store of the element) stops Metal's compile
        plan.role = "inout-copy";
        plan.takeOnAtomic = true;
      } else if (noSingleInit && (plan.pointee.kind === "template" || (plan.pointee.kind === "scalar" && takesOver(elem, ops))) && helperReachingPast(a, unit, p.name)) {
        const call = helperReachingPast(a, unit, p.name)!;
        refuse(
          a,
          bag,
          p.name,
          `its atomics (${ops.join(", ")}) are applied by '${calleeName(call)}', given an address into it (${accessPair(call)}); no one init_value serves them, so each element must take the caller's value over before its first atomic, which c2m does at the call for the element the helper is given, but '${calleeName(call)}' (or a function it hands the pointer to) may reach other elements through it (an offset, an index, a store of the pointer)`,
          false,
        );
      } else if (noSingleInit && counterGap) {
        refuse(a, bag, p.name, counterGap, false);
      } else if (noSingleInit) {
        const fromCurrent = ops.filter((o) => FROM_CURRENT.has(o));
        const why =
          ops.length > 1
            ? `several atomic operations (${ops.join(", ")}) need different starting values`
            : fromCurrent.length
              ? `atomic ${ops[0]} computes from the element's current value`
              : `atomic ${ops[0]} on ${elem.name} has no identity value that init_value holds exactly`;
        const what = plan.pointee.kind === "template" ? `its element is the template parameter ${elem.name}, whose width c2m does not know there` : `its element is ${elem.name}`;
        refuse(
          a,
          bag,
          p.name,
          `${why}, so MLX's one init_value cannot stand in for the caller's values; c2m then has each atomic take its element over from the caller's array first, which needs an atomic store of the element, and ${what}: Metal's atomic<T> stores 32-bit int, uint and float only (its 64-bit ulong has only min and max), and atomic<float> has add, sub, exchange and compare-exchange but no min, max or bitwise operations`,
          false,
          true,
        );
      } else {
        plan.role = "atomic-accumulate";
        plan.atomicOp = ops[0];
        if (a.accesses.some((x) => x.root.kind === "param" && x.root.name === p.name && x.atomic && ATOMIC_FUNCTIONS[calleeName(x.atomic.call) ?? ""] && resultUsed(x.atomic.call)))
          plan.foldsFetched = true;
      }
      continue;
    }
    if (!u.write) continue; // input
    if (!u.read) {
      // a file-scope __device__ variable taken as a buffer (passes/kernel/device-vars.ts) keeps its value where no
      // thread writes it (graclus's `done_d = false` only for a node left uncoloured): each write takes its element
      // over, and the wrapper keeps the caller's value elsewhere. Sound for any writers: no thread reads it, so an
      // element's last store is some thread's write, as in CUDA
      //
      // Any other write-only buffer too (write-only.ts): a fresh output's elements no thread writes would be 0 where
      // CUDA leaves the caller's (pytorch_cluster's radius `row`, pre-filled with -1), so it stays a fresh output
      // only where every thread stores its own element and which ones depends on no load
      const deviceVar = isDeviceVariable(unit, p.name);
      const fresh = deviceVar ? "a device variable" : freshOutputGap(a, p.name);
      // the takeover only where every store to it is one c2m_own marks (write-only-marks.ts): never a mixed state
      const unmarked = fresh !== undefined && !deviceVar ? unmarkedUse(a, p.name) : undefined;
      const own = fresh === undefined ? undefined : (unmarked ?? ownAccess(a, p.name, true));
      if (own && typeof own !== "string") {
        plan.role = "inout-copy";
        plan.ownAccess = own;
        if (!deviceVar) plan.writeOnly = true;
      } else {
        plan.role = "output";
        if (fresh === undefined) plan.ownIndexStores = true;
        else if (!deviceVar) lostCaller(bag, a, p.name, `${fresh}, and ${own}`);
      }
      continue;
    }
    const mine = a.accesses.filter((x) => x.root.kind === "param" && x.root.name === p.name);
    const across = readAcrossGroups(mine, k.body);
    const passed = passOn(mine, k.body, guards, unit);
    if (typeof passed === "string") refuse(a, bag, p.name, passed, false);
    else if (passed) {
      // every read is the last threadgroup's, after its ticket: an atomic output, ordered by the fence before the ticket
      plan.role = "output";
      plan.handOver = true;
    }
    if (passed) continue;
    if (across) {
      refuse(a, bag, p.name, across, false, "K046");
      continue;
    }
    // one copy site before the statements that touch the element when there is one (vector elements
    // are copied whole, so they always go through c2m_own); else a copy at the first touch of each access
    const single = plan.pointee.kind === "vector" ? "vector" : ownerCopy(a, p.name);
    // reached only through one call of a device function: copied in before the call, at the helper's index (helper-copy.ts)
    const viaHelper = typeof single === "string" && single !== "vector" ? helperCopy(a, unit, p.name) : undefined;
    if (typeof viaHelper === "string") {
      refuse(a, bag, p.name, viaHelper);
      continue;
    }
    if (viaHelper) {
      plan.role = "inout-copy";
      plan.copyBeforeCall = viaHelper;
      if (viaHelper.singleBlockAlong.length) plan.singleBlockAlong = viaHelper.singleBlockAlong;
      continue;
    }
    const owner = typeof single === "string" ? single : (proveOwnership(a, p.name) ?? single);
    const own = typeof owner === "string" ? ownAccess(a, p.name) : undefined;
    // a gather racing with other threads' writes races in the original too: a limit Metal shares, not a gap of c2m's
    // a gather racing with other threads' writes races in the original too: where every access is in sight, the
    // buffer is read through flags its stores set (read-through.ts), which gives the original's outcomes
    const through =
      typeof own !== "string" || !own.includes(GATHER_RACE)
        ? ""
        : analysisAtomics(a)
          ? "the kernel has atomics, and MLX then declares every output atomic<T> (atomic_outputs is one flag), this buffer's elements too, which its flagged loads and stores do not handle"
          : readThroughGap(a, p.name);
    if (typeof own === "string" && through === undefined) {
      plan.role = "inout-copy";
      plan.readThrough = true;
      reportKernel(bag, "C2M-K053", position(p.node), readThroughWarning(k.name, p.name, own.replace(/, so a copy-in of .*$/, "")));
    } else if (typeof own === "string" && through)
      refuse(
        a,
        bag,
        p.name,
        `${own}; ${SHARED_IN_PLACE}. c2m reads such a buffer through per-element flags its stores set instead (C2M-K053) only where every access is in sight and no thread can wait for another's store, but ${through}`,
        false,
        "K046",
      );
    else if (typeof own === "string") refuse(a, bag, p.name, own, true, own.includes(GATHER_RACE) ? "K046" : false);
    else {
      plan.role = "inout-copy";
      const rows = blocksSharing(a, p.name);
      if (rows.length) plan.singleBlockAlong = rows;
      if (own) plan.ownAccess = own;
      else plan.copyAt = owner as Exclude<typeof owner, string>;
    }
  }
  const outputs = a.buffers.filter((b) => b.role === "output" || b.role === "atomic-accumulate" || b.role === "inout-copy");
  a.atomicOutputs = outputs.some((b) => b.role === "atomic-accumulate" || b.handOver || b.takeOnAtomic);
  if (a.atomicOutputs) {
    // a write-only buffer stays a fresh output, said (C2M-K058): its stores would take each element over through a
    // plain reference, which an atomic element does not have
    for (const b of outputs.filter((x) => x.writeOnly)) {
      b.role = "output";
      delete b.ownAccess;
      delete b.writeOnly;
      lostCaller(
        bag,
        a,
        b.param,
        "the kernel has atomic outputs, and MLX then declares every output atomic (atomic_outputs is one flag), while its stores would take each element over through a plain reference",
      );
    }
    // MLX then declares every output atomic<T>, and Metal has atomic<T> only for 32-bit int, uint and float, bool
    // and 64-bit ulong: an output of 8- or 16-bit elements (llm.c's bfloat16 floatX) would not compile on Metal
    for (const b of outputs) {
      const e = b.pointee.kind === "scalar" ? b.pointee.name : b.pointee.kind === "vector" ? b.pointee.elem : undefined;
      const bits = e ? SCALAR_TYPES[e]?.bits : undefined;
      // a 16-bit float summed into by atomicAdd only goes as 32-bit words (passes/kernel/atomic16.ts)
      if (bits === undefined || bits >= 32 || e === "bool" || (b.role === "atomic-accumulate" && b.atomicOp === "add")) continue;
      // a 16-bit float output or in-place buffer goes as 32-bit words as well (atomic16.ts wordsBesideAtomics)
      if (wordsBesideAtomics(b)) continue;
      reportKernel(
        bag,
        "C2M-K007",
        position(k.params.find((x) => x.name === b.param)!.node),
        `buffer '${b.param}' of kernel '${k.name}' holds ${bits}-bit elements (${e}) and the kernel has atomic outputs: MLX's metal_kernel then declares every output atomic<T> (atomic_outputs is one flag), and Metal has atomic<T> only for 32-bit int, uint and float (bool, 64-bit ulong), so the emitted Metal would not compile; c2m passes only 16-bit float elements (half, bfloat16) as 32-bit words, not ${b.pointee.kind === "vector" ? "vectors of them" : "these"}`,
      );
      a.ok = false;
    }
    const inits = new Set(outputs.filter((b) => b.role === "atomic-accumulate").map((b) => atomicInit(b)));
    // a `_touched` mask must start at 0 (its elements say which the kernel took over), and it shares init_value
    if (outputs.some((b) => b.role === "inout-copy")) inits.add(0);
    if (inits.size > 1) {
      reportKernel(
        bag,
        "C2M-K007",
        position(k.node),
        `kernel '${k.name}' has atomic outputs that need different starting values (${[...inits].join(", ")}); MLX gives all outputs one init_value`,
      );
      a.ok = false;
    }
    // MLX then declares every output atomic<T> (atomic_outputs is one flag): an in-place buffer copied in at one
    // site has its copy-in and its accesses printed as atomic loads and stores; one copied in at first touch goes
    // through c2m_own_atomic (element reads and stores become relaxed atomic loads and stores of the element) or
    // c2m_own128_atomic (a 128-bit helper's span, copied in atomically, then read or written through T)
    for (const b of outputs.filter((x) => x.role === "inout-copy" && x.ownAccess)) {
      const why = atomicOwnGap(a, b);
      if (why)
        refuse(
          a,
          bag,
          b.param,
          `the kernel also has atomic outputs, and MLX's metal_kernel then declares every output atomic (atomic_outputs is one flag); this buffer's elements are copied in at their first touch, read and stored through relaxed atomics on the element, but ${why}`,
          false,
        );
    }
  }
  for (const report of [...limits, ...gaps]) report();
  void unit;
}

/**
 * Why an in-place buffer copied in at first touch (BufferPlan.ownAccess) cannot be one of atomic outputs, or
 * undefined: its accesses must be element reads, stores, compound assignments or increments (atomic loads, stores
 * and fetch-ops on the atomic element) or 128-bit helper spans, of a scalar element.
 */
function atomicOwnGap(a: KernelAnalysis, b: BufferPlan): string | undefined {
  if (b.pointee.kind === "vector") return `its elements are vectors (${b.pointee.name}), which Metal's atomic<T> does not hold`;
  for (const s of a.accesses) {
    if (s.root.kind !== "param" || s.root.name !== b.param || s.span128) continue;
    if (s.hintAddress) return `a cache hint takes an element's address (${accessPair(s.node)}), which would be a plain pointer to an atomic element`;
    let n = s.node;
    while (n.parent?.type === "parenthesized_expression") n = n.parent;
    const p = n.parent;
    if (p?.type === "pointer_expression" && field(p, "operator")?.text === "&")
      return `an element's address is taken (${accessPair(p)}), which would be a plain pointer to an atomic element`;
    if (p?.type === "assignment_expression" && field(p, "left")?.startIndex === n.startIndex && !/^([+\-&|^]?=)$/.test(field(p, "operator")?.text ?? ""))
      return `'${field(p, "operator")?.text}' updates an element (${accessPair(p)}), which no single Metal atomic operation does`;
  }
  return undefined;
}
