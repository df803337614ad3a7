/**
 * Kernel IR: what c2m knows about a CUDA translation unit once it is parsed. Declarations (kernels,
 * `__device__` functions, structs, macros, host launchers) are typed here; statement bodies stay as the
 * tree-sitter nodes they came from and the Metal printer (emit/metal.ts) walks them with the facts that
 * the passes (passes/kernel/*) attach: buffer roles, atomic targets, shared arrays, launch plans.
 */
import type { CudaNode } from "../grammar/cuda.js";

/** Where a pointer points. `input` is an MLX input buffer: `device`, or `constant` when MLX decides the array is small. */
export type AddressSpace = "device" | "input" | "threadgroup" | "thread" | "constant";

export type KType =
  /** float, int, unsigned int, half, __nv_bfloat16, bool, ... (canonical CUDA spelling) */
  | { kind: "scalar"; name: string }
  /** float4, int2, half2, ... */
  | { kind: "vector"; elem: string; width: number; name: string }
  /** a template type parameter (T, scalar_t) */
  | { kind: "template"; name: string }
  | { kind: "struct"; name: string }
  | { kind: "pointer"; pointee: KType; isConst: boolean; restrict: boolean }
  | { kind: "reference"; target: KType; isConst: boolean }
  | { kind: "unknown"; text: string };

export interface TemplateParam {
  name: string;
  /** `typename T` → type; `int N` / `bool B` → value of that C type */
  kind: "type" | "int" | "bool";
  /** a value parameter's declared type as written (`unsigned int`, `reduction_func_t`) */
  type?: string;
  /** a parameter of an enum type of the file: its enumerators' values, which a launch may name (`SUM`) */
  enumValues?: Record<string, number>;
  /** the default as written (`typename R = T`: `T`), which a call relies on where it gives fewer arguments */
  default?: string;
}

export interface KParam {
  name: string;
  type: KType;
  node: CudaNode;
  /** `int* partial_sums = NULL`: the default a CUDA launch may leave the parameter to */
  defaultValue?: CudaNode;
  /** an unscoped enum parameter passed as an int scalar (passes/kernel/enum-params.ts): the enum's name */
  enumType?: string;
}

/** How a kernel uses one pointer parameter (after following local aliases and device-function calls). */
export interface BufferUse {
  read: boolean;
  write: boolean;
  /** atomic read-modify-write operations applied to it (atomicAdd → "add", ...) */
  atomics: Set<AtomicOp>;
  /** plain (non-atomic) reads or writes exist */
  plain: boolean;
  /** accessed through a local pointer alias, a cast or a device-function parameter */
  indirect: boolean;
}

export type AtomicOp = "add" | "sub" | "max" | "min" | "exch" | "cas" | "and" | "or" | "xor" | "inc" | "dec";

/**
 * What a pointer parameter becomes in the MLX kernel:
 * - `input`: read only → an input array.
 * - `output`: written only (plain stores) → a fresh output (init_value 0); its shape and dtype come
 *   from the caller's array, whose contents are not read. Only where passes/kernel/write-only.ts proves that
 *   every thread stores its own element and which ones does not depend on memory (`ownIndexStores`), or for a
 *   hand-over (`handOver`); another write-only buffer is `inout-copy` (`writeOnly`), keeping the caller's
 *   values where the kernel does not write.
 * - `inout-copy`: read and written → input `<name>_in` plus output `<name>` and a uint8 output
 *   `<name>_touched`; the body copies the element in (and marks it) just before the statement(s) that
 *   touch it (`copyAt`), or at its first touch through any access (`ownAccess`); the wrapper keeps the
 *   caller's values where the mask is 0 (`mx.where`), so elements the kernel never touches are
 *   unchanged, as in CUDA. A buffer read at indices other threads write (`readThrough`) copies nothing in:
 *   its mask is uint32 flags its stores set, and reads take the caller's value where no flag is set.
 * - `atomic-accumulate`: updated only by atomics with an identity (add, sub, max, or, xor, and) → an
 *   atomic output initialised to the identity; the wrapper combines it with the caller's array.
 * - `unused`: never accessed → passed as an input so the signature keeps its shape.
 */
export type BufferRole = "input" | "output" | "inout-copy" | "atomic-accumulate" | "unused";

export interface BufferPlan {
  param: string;
  role: BufferRole;
  /** the CUDA element type the pointer has (float for `float*`, float4 for `float4*`, T for `T*`) */
  pointee: KType;
  /** for atomic-accumulate: the atomic op, which fixes the identity and the Python combine */
  atomicOp?: AtomicOp;
  /**
   * atomic-accumulate by add of an element that is, or (a template type) may be, a 16-bit float: where it is one,
   * MLX takes the buffer as 32-bit words and the kernel adds by compare-exchange (emit/metal-atomic16.ts). Also an
   * output or in-place buffer of 16-bit floats in a kernel with atomic outputs (passes/kernel/atomic16.ts
   * wordsBesideAtomics): its loads and stores are atomic on the element's word
   */
  words16?: boolean;
  /**
   * for atomic-accumulate: the kernel uses the value an atomic returns (`slot = atomicAdd(counter, n)`). The
   * output counts from the op's identity, so the element's true old value is the caller's combined with it:
   * the printers pass the caller's array in as `<param>_in` and fold it into each returned value.
   */
  foldsFetched?: boolean;
  /**
   * for atomic-accumulate (an integer counter handing out a hand-over's tickets, passes/kernel/ticket-counter.ts):
   * the output holds the element minus the caller's, modulo 2^32, so MLX's fresh zeros are the caller's values; an
   * atomicInc/atomicDec computes on the element by compare-exchange with the caller's value added, a plain store
   * stores its value minus the caller's, a plain read adds it, and the wrapper adds it after the launch (op add)
   */
  offsetFromCaller?: boolean;
  /**
   * for output: the buffer passes each threadgroup's part to the last threadgroup to take an atomic ticket, which
   * reads them all (passes/kernel/hand-over.ts). Every access is a device-scope atomic load or store, so the
   * kernel's outputs are atomic; the wrapper returns it as an output (elements no threadgroup writes are 0).
   */
  handOver?: boolean;
  /**
   * for inout-copy of a buffer touched only by atomics whose kinds no one init_value serves (exch, cas, inc, dec,
   * min, several kinds on one buffer): each atomic first takes its element over from the caller's array
   * (`c2m_atomic_take`: the first thread to claim the element's `_touched` flag copies it in, the others wait for
   * that copy), so every atomic computes from the caller's value, as in CUDA; the wrapper keeps the caller's value
   * where no atomic touched the element
   */
  takeOnAtomic?: boolean;
  /**
   * for inout-copy with takeOnAtomic: its plain accesses are reads by the last threadgroup to take an atomic ticket
   * (llm.c's layernorm_backward scratchpads, the ticket counted in a word of the buffer): the reads take their
   * elements over too, and --verify also runs the threadgroups last to first, as for a hand-over output
   */
  handedOverReads?: boolean;
  /**
   * for inout-copy with handedOverReads: it is also stored to plainly, each threadgroup its own part before the ticket
   * (llm.c's layernorm_backward_kernel5/9/10 scratch); each store takes its element over first (hand-over.ts takingStore)
   */
  handedOverStores?: boolean;
  /** for inout-copy: the index expression (Metal text) the body copies at, and where */
  copyAt?: {
    statements: CudaNode[];
    index: string;
    /** the accesses go through a local row pointer `T* r = param + offset` (declared once, never reassigned) */
    /** `decl`: the pointer's declaration, after which the printers declare its `_in` and `_touched` twins */
    alias?: { name: string; decl: CudaNode; offset?: CudaNode; difference?: boolean };
  };
  /**
   * for inout-copy when the buffer's one access is an argument of a device function's call: the element the
   * helper touches and the condition under which it does, in the kernel's terms (passes/kernel/helper-copy.ts);
   * the printers copy it in just before `statement`
   */
  copyBeforeCall?: { statement: CudaNode; element: CudaNode; guard?: CudaNode };
  /**
   * for inout-copy when no single copy site exists: every access `y[E]` (or through a row pointer
   * `r = y + offset`, declared once; `difference`: the offset is a sum of terms, and the twins are
   * placed at `r - y`) becomes `c2m_own(y, y_in, y_touched, E, width)`, which copies the
   * element in on its first touch and returns it as an lvalue; `aliases` get `_in` and `_touched` twins.
   */
  ownAccess?: {
    aliases: {
      name: string;
      decl: CudaNode;
      offset?: CudaNode;
      difference?: boolean;
      /** statements re-pointing the row pointer into the buffer (`x = out + idx * C;`): its twins are re-pointed with it */
      moves?: { node: CudaNode; param: string; offset?: CudaNode; terms?: CudaNode[] }[];
      /** declared pointing into another, read-only buffer: its twins start at the buffer's base */
      elsewhere?: boolean;
    }[];
    /**
     * every threadgroup touches the same elements (no index depends on the threadgroup): right only for a
     * launch of one threadgroup, which the wrapper then insists on (llm.c's global_norm_aggregate_kernel<<<1, 1024>>>)
     */
    oneThreadgroup?: boolean;
    /**
     * reads made before any thread of the group writes the buffer (passes/kernel/caller-reads.ts): the access
     * nodes (AccessSite.node) that read the caller's array `<name>_in` instead, with no copy-in
     */
    callerReads?: CudaNode[];
    /**
     * rows the proof holds apart only when a size parameter is at most the row's stride (`V <= P`: passes/kernel/row-bound.ts):
     * the wrapper raises before the launch when one is not
     */
    rowBounds?: { bound: string; stride: string }[];
  };
  /**
   * inout-copy: the grid dimensions along which threadgroups reach the same elements (passes/kernel/ownership.ts
   * sharedAcrossBlocks): the translation is right only for a launch of one threadgroup along each, which the
   * wrapper insists on (llm.c's matmul_backward_bias_kernel9<false>, launched with one row of blocks)
   */
  singleBlockAlong?: ("x" | "y" | "z")[];
  /**
   * inout-copy of a buffer threads read at indices taken from memory while other threads write those elements,
   * nothing ordering them (passes/kernel/read-through.ts): nothing is copied in; each store writes the output and
   * then sets the element's uint32 `_touched` flag after a device-scope fence, each read takes the output where
   * the flag is set, else the caller's array (`c2m_rt_load` / `c2m_rt_store`), so a read sees the value from
   * before the launch or one some thread stored, as the CUDA original's race does (C2M-K053)
   */
  readThrough?: boolean;
  /**
   * output: every thread stores its own element and which elements are stored depends on no load
   * (passes/kernel/write-only.ts), so the fresh output differs from CUDA only past the launch's threads or its
   * bounds tests on scalars, where it is 0
   */
  ownIndexStores?: boolean;
  /** inout-copy of a buffer the kernel only writes: each store takes its element over, the caller's values stay elsewhere */
  writeOnly?: boolean;
}

export interface SharedArray {
  name: string;
  elem: KType;
  /** dimension expressions as written ([] for `extern __shared__ T a[]`) */
  dims: string[];
  dynamic: boolean;
  /** some atomic op targets it: declared `threadgroup atomic<T>` and every access is atomic */
  atomic: boolean;
  node: CudaNode;
}

export interface KFunction {
  name: string;
  kind: "global" | "device";
  templateParams: TemplateParam[];
  params: KParam[];
  returnType: KType;
  body: CudaNode;
  /** the whole definition (template_declaration when templated) */
  node: CudaNode;
  /** attributes (__forceinline__, ...) as written */
  qualifiers: string[];
  /**
   * An explicit specialisation (`template <> __device__ float cast_value<float, half>(half v)`): its
   * template argument list; `name` is the template's (`cast_value`), declared by a prototype in `prototypes`.
   */
  specialisation?: CudaNode;
  /**
   * A kernel template's explicit specialisations (`template <> __global__ void k<at::Half>(...)`): not kernels of
   * their own (they share the template's name), and not carried into Metal (extract.ts; the wrapper refuses their
   * template arguments, emit/kernel-python.ts)
   */
  explicitSpecialisations?: KFunction[];
}

/** A function template declared without a body (`template <class Td, class Ts> __device__ Td cast_value(Ts v);`). */
export interface KPrototype {
  name: string;
  templateParams: TemplateParam[];
  params: KParam[];
  returnType: KType;
  /** the whole template declaration */
  node: CudaNode;
}

export interface KStruct {
  name: string;
  node: CudaNode;
  /** a class template (`template <class T> struct Packed128`): its node is the template declaration */
  template?: boolean;
}

/**
 * A file- or namespace-scope enum (`enum BorderMode { Top, Left };`, `enum class M : uint8_t {...}`,
 * `typedef enum {...} Kind;`, `enum { BLOCK = 256 };`): MSL is C++14 and has enums, so both printers carry it
 * as written into the header of a kernel that names the enum or one of its enumerators.
 */
export interface KEnum {
  /** the enum's name, a typedef alias, and every enumerator: a kernel reaches the enum through any of them */
  names: string[];
  /** what is carried: the enum_specifier, or the whole typedef */
  node: CudaNode;
  /** its enumerators, each with its value (a launch may name one for an enum template parameter: `SUM`) */
  enumerators?: { name: string; value: number }[];
}

export interface KMacro {
  name: string;
  /** the full `#define ...` text */
  text: string;
  node: CudaNode;
}

/** A host function that launches kernels (`void launch(...)` or a `torch::Tensor f(torch::Tensor x)` launcher). */
export interface HostFunction {
  name: string;
  params: { name: string; type: string }[];
  returnType: string;
  body: CudaNode;
  node: CudaNode;
  /** exported through PYBIND11_MODULE's m.def */
  pybind: boolean;
  torch: boolean;
}

export interface KernelUnit {
  filename: string;
  source: string;
  root: CudaNode;
  kernels: KFunction[];
  deviceFunctions: KFunction[];
  structs: KStruct[];
  enums: KEnum[];
  macros: KMacro[];
  hostFunctions: HostFunction[];
  /** PYBIND11_MODULE's m.def("name", &target, ...) entries, in order */
  pybindDefs: { name: string; target: string }[];
  /**
   * Variables declared at file scope that neither translation carries (`__constant__ float coef[4];`
   * filled by the host, `__device__ float acc[8];`, `extern __shared__ float s[];`): a kernel using one is
   * refused (K017).
   */
  globals: { name: string; node: CudaNode }[];
  /**
   * File-scope constants with an initializer (`__constant__ float coef[4] = {...};`, `static const int
   * K[3] = {...};`, `const float eps = 1e-5f;`): both printers carry them into the kernel's header (Metal as
   * program-scope `constant` data), so a kernel may use them.
   */
  constants: { name: string; node: CudaNode }[];
  /** `__device__` function templates declared without a body, whose explicit specialisations are the definitions */
  prototypes: KPrototype[];
  /**
   * The 16-bit float families (CUDA's __half, ATen's at::Half) the file's template instantiations use
   * (passes/kernel/half-family.ts), set before printing; empty or absent when nothing says
   */
  halfFamilies?: Set<"cuda" | "aten">;
}

/** The MLX dtype names c2m emits (`mx.<name>`). */
export type MlxDtype = "float32" | "float16" | "bfloat16" | "int8" | "int16" | "int32" | "int64" | "uint8" | "uint16" | "uint32" | "uint64" | "bool_";
