/**
 * Diagnostic codes of the kernel compiler (`c2m kernel`). Same shape as ir/diagnostic-codes.ts; to be
 * merged into DIAGNOSTIC_CODES there. Until then `reportKernel` (ir/kernel-diagnostics.ts) adds them to a
 * DiagnosticBag without going through its registry check.
 */
import type { DiagnosticCode } from "./diagnostic-codes.js";

export const KERNEL_DIAGNOSTIC_CODES: DiagnosticCode[] = [
  { code: "C2M-K001", title: "syntax error in CUDA input", hint: "fix the syntax error first; c2m translates only code that parses", example: "__global__ void k( {" },
  { code: "C2M-K002", title: "construct with no Metal equivalent", hint: "rewrite this part of the kernel by hand; c2m does not drop it silently", example: 'printf("%d", i);' },
  {
    code: "C2M-K003",
    title: "dynamic parallelism (kernel launch inside a kernel)",
    hint: "launch the child kernel from the host (Python) after this one",
    example: "child<<<1, 32>>>(p);",
  },
  { code: "C2M-K004", title: "inline PTX assembly", hint: "replace the asm block with the C++ it implements", example: 'asm volatile("mov.u32 %0, %%laneid;" : "=r"(lane));' },
  {
    code: "C2M-K005",
    title: "cooperative-groups grid synchronisation",
    hint: "split the kernel at the grid sync into two kernels launched one after the other",
    example: "cg::this_grid().sync();",
  },
  { code: "C2M-K006", title: "texture or surface object", hint: "pass the data as a plain buffer (const T*) instead", example: "tex1Dfetch<float>(tex, i)" },
  {
    code: "C2M-K007",
    title: "read-write buffer c2m cannot translate safely",
    hint: "MLX kernels write fresh outputs; write the result to a separate output buffer, or touch each element of the buffer from one thread in one block of statements",
    example: "y[i] += y[i - 1];",
  },
  {
    code: "C2M-K008",
    title: "host launcher not translated",
    hint: "the kernel is still emitted with a low-level Python function taking grid and block; call that",
    example: "cudaMalloc(&p, n * 4);",
  },
  {
    code: "C2M-K009",
    title: "warp shuffle with a partial mask",
    hint: "Metal SIMD-group functions involve all active lanes; check that the masked-out lanes are inactive here",
    example: "__shfl_down_sync(0x0000ffff, v, 1)",
  },
  {
    code: "C2M-K010",
    title: "template argument missing",
    hint: "instantiate the kernel at a launch site in the same file, or pass --template NAME=VALUE",
    example: "template <typename T> __global__ void k(T* x)  // never launched",
  },
  { code: "C2M-K011", title: "double demoted to float", hint: "Metal has no 64-bit float; results are computed in float32", example: "double acc = 0.0;" },
  { code: "C2M-K012", title: "unsupported kernel parameter type", hint: "pass structs by pointer (as a buffer) or as separate scalars", example: "__global__ void k(Params p)" },
  { code: "C2M-K013", title: "no kernels in input", hint: "c2m kernel translates __global__ functions; this file has none", example: "int main() {}" },
  {
    code: "C2M-K014",
    title: "unsupported expression in host launcher",
    hint: "the launcher is not translated; call the kernel's low-level Python function with grid and block",
    example: "int blocks = compute_blocks(n);  // unknown function",
  },
  {
    code: "C2M-K015",
    title: "warp width other than 32 assumed",
    hint: "Metal SIMD-groups are 32 wide, like CUDA warps; code written for 64-wide wavefronts needs rewriting",
    example: "__shfl_down_sync(mask, v, 1, 64)",
  },
  {
    code: "C2M-K017",
    title: "file-scope variable used by a kernel",
    hint: "c2m carries file-scope constants written with their values (as Metal program-scope constant data), not variables: declare __shared__ arrays inside the kernel, pass __constant__ data the host fills (cudaMemcpyToSymbol) or __device__ variables as an input array",
    example: "__constant__ float coef[4];",
  },
  {
    code: "C2M-K016",
    title: "memory fence translated to atomic_thread_fence",
    hint: "needs Metal 3.2 (macOS 15); a last-block reduction (the last threadgroup to take an atomic ticket reads the others' parts) runs as translated, while a threadgroup spinning until another one writes is refused (C2M-K046): Metal gives no forward-progress guarantee between threadgroups",
    example: "__threadfence();",
  },
  {
    code: "C2M-K018",
    title: "host-only library function called from device code",
    hint: "kernels cannot run commands, open files or read the environment; do that on the host, before or after the launch",
    example: 'system("touch x");  // inside a __global__ function',
  },
  {
    code: "C2M-K019",
    title: "emitted Metal rejected by the clang front-end check",
    hint: "a c2m bug: the Metal compiler would reject this kernel (the message is clang's, compiling the MLX source against the MSL shim); please report it with the input",
    example: "#pragma unroll before a statement that is not a loop",
  },
  {
    code: "C2M-K020",
    title: "verify inputs outside the kernel's domain",
    hint: 'the CUDA original itself produced NaN on the generated inputs (an infinity is compared exactly: masks write -INFINITY); give the float inputs\' range in the spec ("domain": [lo, hi] on the buffer) or with --range NAME=LO:HI',
    example: "y[i] = logf(x[i]);  // x drawn from [-2, 2)",
  },
  {
    code: "C2M-K021",
    title: "verify cannot size the launch",
    hint: "give sizes and the launch with flags (--size N=4096 --grid 16 --block 256) or a spec file next to the input (foo.spec.json)",
    example: "k<<<blocks(n), 256>>>(x, n);  // blocks() is not known",
  },
  {
    code: "C2M-K025",
    title: "device-side assert not checked in Metal",
    hint: "Metal kernels cannot abort; the condition is not checked on the GPU. Check it in Python before the launch, or write a flag to an output buffer",
    example: "assert(blockDim.x % 32 == 0);",
  },
  {
    code: "C2M-K026",
    title: "tensor accessor used other than fully indexed",
    hint: "c2m lowers at::PackedTensorAccessor parameters to a row-major array and its sizes; index the accessor with all its dimensions (acc[b][i][j]) or use acc.size(d)",
    example: "auto row = acc[b];  // a 2-d accessor indexed once",
  },
  {
    code: "C2M-K027",
    title: "class template not carried into Metal",
    hint: "c2m carries class templates (and their explicit specialisations) as Metal struct templates, except one whose members declare __shared__ or extern things: write the kernel with a plain struct or with the element type directly",
    example: "template <class T> struct alignas(16) Packed128 { T payload[16 / sizeof(T)]; };",
  },
  {
    code: "C2M-K035",
    title: "cooperative-groups construct not translated",
    hint: "c2m maps thread_block, thread_block_tile<N> (N <= 32; up to 1024 over a block_tile_memory, its collectives reached by every thread of the block), tiled_partition, this_grid().thread_rank(), sync, shuffles, votes and reduce; write other constructs with __syncthreads and __shfl_*_sync",
    example: "auto active = cg::coalesced_threads();",
  },
  {
    code: "C2M-K036",
    title: "cooperative-groups tile wider than a SIMD-group",
    hint: "Metal SIMD-groups hold 32 threads, like a warp: use tiles of 32 lanes or fewer (a power of two), or declare the tile's scratch as CUDA asks (`__shared__ cg::block_tile_memory<BlockSize> m; cg::this_thread_block(m)`), which c2m carries as threadgroup memory",
    example: "cg::tiled_partition<64>(block)",
  },
  {
    code: "C2M-K045",
    title: "template parameter of a type Metal cannot take",
    hint: "Metal has no function pointers: a template parameter that is one (a reduction passed as `template <float (*op)(float)>`) cannot be carried; write one helper per function, or pass a functor type whose static member does the work",
    example: "template <float (*warp_reduction)(float)> __device__ float blockReduce(float val);",
  },
  {
    code: "C2M-K040",
    title: "verify could not synthesise a launch",
    hint: "the file has no host launch to read and no synthesised launch (small grids, int parameters 64 or the grid's thread count, growing buffers) ran the CUDA original cleanly; give the launch with flags (--kernel K --size N=4096 --grid 16 --block 256) or a spec file (foo.spec.json)",
    example: "__global__ void k(float* x, int n) { if (n > 100000) x[0] = 1; }  // writes nothing at small sizes",
  },
  {
    code: "C2M-K041",
    title: "pointer parameter with a default",
    hint: "MLX binds an array to every input and output of a kernel, and Metal has no null buffer: the translated kernel always gets one, so its `p != NULL` branch always runs; where the CUDA launch left the parameter out, pass a scratch array and ignore it, or split the kernel in two",
    example: "__global__ void scan(int* data, int width, int* partial_sums = NULL)",
  },
  {
    code: "C2M-K042",
    title: "name from a CUDA-only library",
    hint: "c2m maps CUB's block and warp reductions (BlockReduce, WarpReduce, KeyValuePair, Sum/Max/Min/ArgMax/ArgMin) onto threadgroup memory and barriers, its block loads and stores (BlockLoad, BlockStore) onto direct accesses in the same arrangement, and GLM's float vectors, matrices and common functions onto Metal's; the rest of CUB (scans, sorts, exchanges, device-wide algorithms), Thrust and libcu++ are CUDA C++ libraries with no Metal build that c2m does not translate: write the step with what c2m translates (a __shared__-memory scan with __syncthreads, plain arrays)",
    example: "typedef cub::BlockScan<int, 256> BlockScan;",
  },
  {
    code: "C2M-K043",
    title: "__constant__ variable written by the host, carried as a kernel input",
    hint: "Metal's program-scope `constant` data is fixed in the shader source and the host cannot write it, so the kernel takes the variable as one more input (its last parameter, named like the variable): pass the array your host code copies with cudaMemcpyToSymbol",
    example: "__constant__ float c_Kernel[17];  // cudaMemcpyToSymbol(c_Kernel, h_Kernel, sizeof(h_Kernel))",
  },
  {
    code: "C2M-K044",
    title: "atomic on a 16-bit float type that c2m cannot take as 32-bit words",
    hint: "Metal's atomics are on 32-bit int, uint and float (ulong for min/max) only. c2m translates atomicAdd on half, bfloat16 and their pairs into an output of the kernel updated only by such adds: MLX takes the buffer as uint32 words and each add is a compare-exchange on the word holding the element. Other atomic ops on them, an address computed through an integer (uintptr_t), shared memory, or a buffer also read or written without atomics are not: index the buffer itself (atomicAdd(&y[i], v), atomicAdd(reinterpret_cast<__half2*>(y) + j, v)), or accumulate in a float buffer and convert to half/bfloat16 in a second launch",
    example: "atomicAdd(reinterpret_cast<__nv_bfloat162*>(reinterpret_cast<uintptr_t>(p) & ~uintptr_t(3)), v);",
  },
  {
    code: "C2M-K048",
    title: "explicit specialisation of a template c2m does not see",
    hint: "c2m carries a __device__ function template's explicit specialisations (`template <> float cast_value<float, half>(half v)`) into Metal: as specialisations, or, when they take pointers (which c2m makes template parameters, for their address space), as templates of the primary's parameters enabled for their arguments; that needs the primary template (its definition or declaration) in the translated source, with one argument per parameter: include the header declaring it",
    example: "template <> __device__ float load_one<float>(const float* p) { return p[0]; }  // the primary template is declared elsewhere",
  },
  {
    code: "C2M-K049",
    title: "struct parameter holding device pointers that c2m cannot pass field by field",
    hint: "mx.fast.metal_kernel passes each input as its own array (or a 0-d array for a scalar) and has no way to put an array's address inside a struct (Metal argument buffers are not exposed). c2m passes a by-value struct read through its fields field by field (`params.x_ptr` becomes the input `params_x_ptr`, ATen's TensorInfo its data, sizes, strides and dims), but not one holding a pointer to pointers or an array of pointers, nor one used whole (copied, its address taken, passed to a function that is also given other structs): pass those pointers as separate kernel parameters",
    example: "struct Tables { float** rows; int n; };  __global__ void k(Tables t) { t.rows[0][0] = t.n; }",
  },
  {
    code: "C2M-K046",
    title: "threadgroups waiting on each other, or a buffer element passed between threadgroups with no ticket ordering it",
    hint: "Metal gives no forward-progress guarantee between threadgroups: split the kernel where one threadgroup waits for another into two launches, which MLX runs one after the other (the last threadgroup to take an atomic ticket reading the others' parts, after __threadfence(), is translated as it is)",
    example: "if (threadIdx.x == 0) atomicAdd(&arrived[0], 1); while (atomicAdd(&arrived[0], 0) < gridDim.x) {}",
  },
  {
    code: "C2M-K047",
    title: "overload not translated: only the template instantiations that call it are refused",
    hint: "the kernel is a template and the overload is one of several of its name: Metal instantiates it only where a call resolves to it for the template arguments the kernel is launched with, so the kernel is translated and such an instantiation stops at Metal's compile with the overload's own diagnostic (a static_assert naming it); launch the kernel with template arguments whose calls resolve to a translated overload, or rewrite the overload with what c2m translates",
    example: "static inline __device__ void atomAdd(at::Half *address, at::Half val) { atomicAdd(reinterpret_cast<__half *>(address), val); }",
  },
  {
    code: "C2M-K052",
    title: "__device__ variable carried as a kernel buffer",
    hint: "Metal has no program-scope device memory, so each kernel using the variable takes it as one more buffer (its last parameter, named like the variable; one element for a scalar, the array's size for an array): pass the array your host code reads with cudaMemcpyFromSymbol or fills with cudaMemcpyToSymbol, and read the kernel's output where the host read the symbol",
    example: "__device__ bool done_d;  // cudaMemcpyFromSymbol(&done_h, done_d, sizeof(done_h))",
  },
  {
    code: "C2M-K053",
    title: "buffer read at indices taken from memory while other threads write it: translated with the original's race",
    hint: "the CUDA original reads elements other threads of the launch may write (a graph's neighbours) with nothing ordering the two; the translation reads each element through a flag its stores set after a device-scope fence (atomic_thread_fence, Metal 3.2, macOS 15 and later), so a read sees the value from before the launch or one some thread stored, as on CUDA, and never a copy-in's leftover. The result depends on the threads' order exactly where the original's does; make the reads order-free (read a copy made before the launch, or split the kernel into two launches) where that matters",
    example: "if (out[col[i]] < 0) unmatched = true;  /* ... */  out[thread_idx] = thread_idx;  // pytorch_cluster graclus",
  },
  {
    code: "C2M-K057",
    title: "a launch guard that prints and traps, checked by the Python wrapper",
    hint: "the guard's condition depends only on the kernel's scalar arguments and constants, so it holds for every thread of a launch or for none: the wrapper raises ValueError with the printf's text before launching, where CUDA would print and trap; the guard itself is left out of the Metal, which can neither print nor trap",
    example: 'if (C % 256 != 0) { if (threadIdx.x == 0) printf("C must be a multiple of 256"); __trap(); }',
  },
  {
    code: "C2M-K058",
    title: "write-only buffer translated as a fresh output: elements the kernel does not write come back 0, not the caller's values",
    hint: "MLX's kernel outputs are fresh arrays. c2m keeps the caller's values where a kernel does not write by taking each element over at its store (a flag per element, merged by the wrapper), unless it proves every thread stores its own element with no load deciding which (passes/kernel/write-only.ts); here it could do neither (a store through a row pointer, a helper or a cast, or a kernel with atomic outputs, whose elements MLX declares atomic). If the caller pre-fills the buffer (torch.full(..., -1)) and the kernel writes only some elements, apply the fill after the call where the result is 0, or store every element in the kernel",
    example: "if (dist < r) row[n_y * max + count++] = n_y;  // row pre-filled with -1 by the caller",
  },
  {
    code: "C2M-K059",
    title: "a thread returns before a barrier the rest of its threadgroup waits at, and c2m cannot keep it there",
    hint: "CUDA counts a thread that has returned as arrived at every later __syncthreads; Metal's threadgroup_barrier must be reached by every thread. c2m keeps such a thread alive but idle up to each barrier (a flag set where it returned, the rest of its work skipped), but only where the barriers it would reach are the kernel's own statements or sit in loops and branches every thread takes alike (passes/kernel/returned-threads.ts). Replace the `return` by a flag, skip the work under it, and let every thread reach each barrier",
    example: "if (warp_id != 0) { shared[t] = acc; return; }  __syncthreads();  // llm.c wte_backward_kernel",
  },
];

export const KERNEL_CODES_BY_ID: Map<string, DiagnosticCode> = new Map(KERNEL_DIAGNOSTIC_CODES.map((c) => [c.code, c]));
