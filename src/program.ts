/**
 * The c2m command line: its commands and options. src/cli.ts (the executable) runs this module, from the
 * one-file bundle of it that the build makes when that is up to date, else as it is. Each command's code
 * is loaded only when that command runs, so `c2m compile` never pays for the weights, parity or kernel
 * machinery.
 */
import { Command } from "commander";
import { installInterruptCleanup } from "./io.js";

// Ctrl-C or a kill: no temporary file of any command (or batch worker) is left behind
installInterruptCleanup();

const program = new Command();
program.name("c2m").description("Port PyTorch models and CUDA kernels to Apple MLX").version("0.1.0");
// usage errors (unknown option, missing argument) exit 2, like the commands' own usage errors
program.exitOverride((err) => {
  process.exit(err.exitCode === 0 ? 0 : 2);
});

program
  .command("compile")
  .argument("<input>", "PyTorch model file (.py), or a directory (every .py file under it, in parallel)")
  .option("-o, --output <file>", "write the MLX module here (and <file>.map); stdout if omitted; for a directory input, the output directory")
  .option("--layout <layout>", "tensor layout at the model boundary: torch (NCHW) or nhwc", "torch")
  .option("--strict", "treat warnings as errors (non-zero exit)")
  .option("--class <name>", "the model class users build (its forward keeps torch layout at the boundary)")
  .option("--json", "print diagnostics as JSON")
  .option("-j, --jobs <n>", "directory input: worker threads (default: one per core)")
  .option("--plugin <file...>", "load a plugin (ESM module: export default { name, passes?, rules? })")
  .option("--rules <file...>", "load cookbook rules written in the rule language (tried before the built-in cookbook)")
  .option("--no-cookbook", "do not apply the built-in cookbook rules")
  .option("--python-path <dir...>", "folders installed libraries are read from (never imported), before $C2M_PYTHON_PATH and the active virtual environment's site-packages")
  .addHelpText(
    "after",
    `
Installed libraries built on torch (timm, torchvision, transformers, …) that the input imports at module level
are translated with it: the library modules the imports reach are read from their installed source (never
imported or run), compiled, and written under _c2m_lib/ beside the output file (under OUTDIR for a folder),
and the imports point there (from timm.layers import DropPath → from _c2m_lib.timm.layers import DropPath).
A library module that cannot be translated writes no library and is an error at the import, C2M-E043, its
names placeholders that raise when used; printed to stdout, no library can be written (C2M-E043 too).
Libraries without torch (numpy, einops) stay plain imports.`,
  )
  .description("translate a PyTorch nn.Module file (or a tree of them) to MLX")
  .action(async (input, opts) => {
    const { runCompile } = await import("./commands/compile.js");
    process.exitCode = await runCompile(input, opts);
  });

program
  .command("weights")
  .argument("<input>", "torch checkpoint: .pt/.pth (zip + pickle, read without executing it) or .safetensors")
  .requiredOption("-o, --output <file>", "MLX weights (.safetensors)")
  .requiredOption("--map <file>", "the MLX module c2m emitted (its C2M_WEIGHT_MAPS is read statically)")
  .option("--class <name>", "which translated class the checkpoint belongs to")
  .option("--allow-expand", "write stride-0 (broadcast) tensors even when they expand far past their stored bytes")
  .description("convert a torch state_dict to the translated module's MLX parameters")
  .action(async (input, opts) => {
    const { runWeights } = await import("./commands/weights.js");
    process.exitCode = await runWeights(input, opts);
  });

program
  .command("parity")
  .argument("<model>", "PyTorch model file (.py)")
  .option("--class <name>", "the nn.Module class to build (required unless --spec gives it)")
  .option("--input <shapes...>", "input shape(s), e.g. 1,3,32,32 (one per forward argument)")
  .option("--args <json>", "constructor arguments as JSON (a list, or an object of keyword arguments)")
  .option("--spec <file>", "a golden parity.json instead of the options above")
  .option("--atol <n>", "max abs diff allowed (default 1e-4, or the spec's)")
  .option("--mlx <file>", "compare this MLX module instead of compiling the model")
  .option("--json", "print the result as JSON")
  .description("run torch and the translated MLX model on the same weights and inputs, and compare")
  .action(async (model, opts) => {
    const { runParity } = await import("./commands/parity.js");
    process.exitCode = await runParity(model, opts);
  });

program
  .command("kernel")
  .argument("<input>", "CUDA source (.cu), or a directory (every .cu file under it, in parallel)")
  .option("-o, --output <file>", "write the Python module here; stdout if omitted; for a directory input, the output directory")
  .option("--metal-only", "print only the Metal source")
  .option("--verify", "execute the emitted Metal and the CUDA original on the CPU and compare (see below)")
  .option("--template <args...>", "template arguments, e.g. T=float BLOCK=256")
  .option("-I, --include <dirs...>", 'folders searched for #include "name" after the input\'s own folder')
  .option("-D, --define <macros...>", "macros the project's build defines, NAME or NAME=VALUE (-D WITH_CUDA), for #if/#ifdef")
  .option("--json", "print diagnostics as JSON")
  .option("-j, --jobs <n>", "directory input: worker threads (default: one per core)")
  .option("--spec <file>", "--verify: sizes, buffers and launches (default: <input>.spec.json when it exists)")
  .option("--size <NAME=V...>", "--verify: a size, overriding the file's own value; several values (n=7,512) give several runs")
  .option("--kernel <name>", "--verify from flags: the kernel to launch")
  .option("--grid <X[,Y,Z]>", "--verify from flags: blocks per grid (expressions of the sizes)")
  .option("--block <X[,Y,Z]>", "--verify from flags: threads per block (default 256)")
  .option("--smem <bytes>", "--verify from flags: dynamic shared memory")
  .option("--count <NAME=EXPR...>", "--verify from flags: elements of a buffer parameter (default: the one size)")
  .option("--scalar <NAME=V...>", "--verify: value of a scalar parameter")
  .option("--range <NAME=LO:HI...>", "--verify: draw a float input from [LO, HI) instead of [-2, 2)")
  .addHelpText(
    "after",
    `
--verify runs every launch on the CPU twice: the CUDA original on the CUDA emulator, and the emitted
module's Metal kernel on the Metal emulator exactly as its Python wrapper calls it, and compares every
written buffer (float32 within 1e-5 relative, ints exactly). The Metal is also compiled with clang
against the MSL shim (-Wall -Werror), as Metal's compiler would. Only the kernels and device code are
compiled; the file's host code (main, host functions, file-scope initialisers) is never compiled or run
(docs/security.md, "--verify").

Where the sizes and launches come from, first match wins:
  1. --spec FILE, or <input>.spec.json next to the input: {"name", "sizes": [{"n": 512}, ...],
     "buffers": [{"name", "dtype", "count": "n", "role": "input"|"output"|"inout", "range"?, "domain"?, "ascending"?}],
     "launches": [{"kernel", "templateArgs"?, "grid": [..3], "block": [..3], "sharedBytes"?,
     "args": [{"buffer": "x"} | {"scalar": "n", "type": "int"}]}]}  (see golden/kernels/*.spec.json);
  2. --kernel/--grid/--count given: the flags;
  3. the file's own host code, read statically: cudaMalloc sizes, #define and const values, dim3
     locals, kernel<<<grid, block, smem>>>(args); or a PyTorch launcher's tensors (torch::empty_like,
     x.numel(), x.size(0)), each tensor parameter --size NAME=... elements (default 1000 and 4099);
  4. the flags with defaults: every pointer parameter a buffer of the one --size, grid = ceil(size/block);
  5. no launch in the file and no flags: each kernel's launch synthesised from its signature (a grid
     of 3 blocks, int parameters 64 then 37, floats 0.5, buffers grown until the CUDA original runs
     in bounds); the CUDA original must run cleanly and write something, else C2M-K040.
Examples:
  c2m kernel vector_add.cu --verify                         # sizes from main's cudaMalloc and <<<>>>
  c2m kernel vector_add.cu --verify --size N=1000,4099      # the same launches at smaller sizes
  c2m kernel scale.cu --verify --kernel scale --size n=4096 --grid "cdiv(n, 256)" --block 256 --scalar a=2
  c2m kernel logk.cu --verify --size n=1000 --range x=0.5:4 # a kernel defined on part of the line`,
  )
  .description("translate CUDA kernels (a file or a tree of them) to Metal for mx.fast.metal_kernel")
  .action(async (input, opts) => {
    const { runKernel } = await import("./commands/kernel.js");
    process.exitCode = await runKernel(input, opts);
  });

program
  .command("analyze")
  .argument("<path>", "a Python (.py) or CUDA (.cu/.cuh) file, or a directory of them")
  .option("--json", "print the analysis as JSON")
  .option("--md", "print the analysis as Markdown")
  .option("--sarif", "print the analysis as SARIF 2.1.0 (for CI code scanning)")
  .option("-o, --output <file>", "write the report here instead of stdout")
  .option("-j, --jobs <n>", "worker threads for a directory (default: one per core)")
  .option("--python-path <dir...>", "folders installed libraries are read from (never imported), as for c2m compile")
  .description("report how much of a file or tree ports automatically, construct by construct (nothing is imported or run)")
  .action(async (path, opts) => {
    const { runAnalyze } = await import("./commands/analyze.js");
    process.exitCode = await runAnalyze(path, opts);
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`c2m: internal error: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 2;
});
