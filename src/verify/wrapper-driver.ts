// Drivers for the emitted Python wrappers of the golden kernels: per spec size, a Python function that
// makes the spec's launches through the emitted per-kernel functions (CUDA's grid in blocks, block,
// shared memory, template arguments as keywords), rebinding each buffer a launch returns, and returns
// every buffer. The same driver runs here (MLX on the CPU, kernels on the emulators, through the Python
// bridge) and on a GPU with real MLX (`prepareGpuKernelRun`: MLX's CUDA backend against the H100 fixtures).
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { compileKernels, kernelFor, type CompileKernelsResult } from "../kernel/index.js";
import { SCALAR_TYPES } from "../../passes/kernel/tables.js";
import { pyName } from "../../passes/kernel/host.js";
import { packageRoot } from "../python.js";
import { bytesOf } from "./dtypes.js";
import { fixtureFile } from "./fixtures.js";
import { evalExpr, goldenBuffers, listGoldenSpecs, loadGoldenSource, loadGoldenSpec, type GoldenSpec } from "./golden.js";

const pyNumber = (v: number, type: string) => (/float|double|half/.test(type) ? (Number.isInteger(v) ? `${v}.0` : String(v)) : String(Math.trunc(v)));

function templateValue(v: string): string {
  if (v === "true" || v === "false") return v === "true" ? "True" : "False";
  if (/^-?\d+$/.test(v)) return v;
  const t = SCALAR_TYPES[v.trim()];
  if (!t) throw new Error(`c2m verify: template argument ${v} has no MLX dtype`);
  return `mx.${t.mlx}`;
}

/** The driver module's text; it imports the emitted module `<moduleFile>` from its own folder. */
export function driverModule(spec: GoldenSpec, compiled: CompileKernelsResult, moduleFile: string): string {
  const names = spec.buffers.map((b) => pyName(b.name));
  const out = [
    `# Driver for ${spec.file}'s emitted MLX module: the spec's launches, one function per size.`,
    `import importlib.util`,
    `import os`,
    ``,
    `import mlx.core as mx`,
    ``,
    `_spec = importlib.util.spec_from_file_location("${moduleFile.replace(/\.py$/, "")}", os.path.join(os.path.dirname(os.path.abspath(__file__)), "${moduleFile}"))`,
    `_k = importlib.util.module_from_spec(_spec)`,
    `_spec.loader.exec_module(_k)`,
    `BUFFERS = ${JSON.stringify(names)}`,
    ``,
  ];
  spec.sizes.forEach((sizes, si) => {
    out.push(``, `def run_s${si}(${names.join(", ")}):`, `    """${JSON.stringify(sizes)}"""`);
    for (const l of spec.launches) {
      const k = kernelFor(compiled.kernels, l.kernel, l.templateArgs);
      if (!k) throw new Error(`c2m verify: ${spec.name}: kernel ${l.kernel} did not translate`);
      const args = l.args.map((a) =>
        "buffer" in a
          ? pyName(a.buffer)
          : "vector" in a
            ? `(${a.vector.map((e) => pyNumber(evalExpr(e, sizes), a.type)).join(", ")},)`
            : pyNumber(evalExpr(a.scalar, sizes), a.type),
      );
      const written = k.params.flatMap((p, i) => (p.outputName ? [pyName((l.args[i] as { buffer: string }).buffer)] : []));
      const grid = l.grid.map((g) => evalExpr(g, sizes));
      const kw = [`grid=(${grid.join(", ")})`, `block=(${l.block.join(", ")})`];
      if (l.sharedBytes !== undefined) kw.push(`shared_mem=${evalExpr(l.sharedBytes, sizes)}`);
      (l.templateArgs ?? []).forEach((t, i) => kw.push(`${k.templateParams[i]!.name}=${templateValue(t)}`));
      const lhs = written.length === 1 ? written[0] : written.join(", ");
      out.push(`    ${written.length ? `${lhs} = ` : ""}_k.${k.pythonFunction}(${[...args, ...kw].join(", ")})`);
    }
    out.push(`    return ${names.join(", ")}`);
  });
  return out.join("\n") + "\n";
}

/** Writes, per golden kernel, the emitted module and its driver into `dir`. */
export function writeGoldenDrivers(dir: string): { spec: GoldenSpec; driver: string }[] {
  mkdirSync(dir, { recursive: true });
  return listGoldenSpecs().map((name) => {
    const spec = loadGoldenSpec(name);
    const compiled = compileKernels(loadGoldenSource(spec), { filename: spec.file });
    if (!compiled.python) throw new Error(`c2m verify: ${spec.file} did not translate`);
    writeFileSync(join(dir, `${name}_mlx.py`), compiled.python);
    const driver = join(dir, `${name}_driver.py`);
    writeFileSync(driver, driverModule(spec, compiled, `${name}_mlx.py`));
    return { spec, driver };
  });
}

/**
 * Everything a GPU machine needs to run every golden kernel's emitted wrapper through real MLX and
 * compare with the H100 fixtures: modules, drivers, input buffers (the harness's LCG values, raw), the
 * fixtures, a job list and the runner script (src/verify/python/mlx_gpu_kernels.py).
 */
export function prepareGpuKernelRun(dir: string): void {
  const jobs = writeGoldenDrivers(dir).map(({ spec }) => {
    const sizes = spec.sizes.map((_, si) => {
      const bufs = goldenBuffers(spec, si);
      for (const b of spec.buffers) writeFileSync(join(dir, `${spec.name}.s${si}.${b.name}.in.bin`), bytesOf(bufs[b.name]!));
      for (const b of spec.buffers.filter((x) => x.role !== "input")) copyFileSync(fixtureFile(spec.name, si, b.name), join(dir, `${spec.name}.s${si}.${b.name}.h100.bin`));
      return spec.sizes[si];
    });
    return { name: spec.name, driver: `${spec.name}_driver.py`, sizes, buffers: spec.buffers.map((b) => ({ name: b.name, dtype: b.dtype, role: b.role })) };
  });
  writeFileSync(join(dir, "jobs.json"), JSON.stringify(jobs, null, 1));
  copyFileSync(join(packageRoot(), "src/verify/python/mlx_gpu_kernels.py"), join(dir, "mlx_gpu_kernels.py"));
}

if (process.argv[1]?.endsWith("wrapper-driver.js") && process.argv[2] === "prepare-gpu") {
  const dir = process.argv[3] ?? ".gpu/kernels";
  prepareGpuKernelRun(dir);
  console.log(`wrote ${dir}: run \`python ${dir}/mlx_gpu_kernels.py ${dir}\` where MLX has a GPU backend`);
}
