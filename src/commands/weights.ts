/**
 * `c2m weights model.pt -o model_mlx.safetensors --map model_mlx.py [--class Net]`
 */
import { existsSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { convertWeightsFile } from "../weights/index.js";
import { pickDefaultClass, readWeightMapFile } from "../weights/read-map.js";

export interface WeightsOptions {
  output: string;
  map: string;
  class?: string;
}

class UsageError extends Error {}

/** True when both paths name the same file (same path, or the same inode through a link). */
function sameFile(a: string, b: string): boolean {
  if (resolve(a) === resolve(b)) return true;
  if (!existsSync(a) || !existsSync(b)) return false;
  const sa = statSync(a);
  const sb = statSync(b);
  return sa.dev === sb.dev && sa.ino === sb.ino;
}

export async function runWeights(input: string, opts: WeightsOptions): Promise<number> {
  try {
    if (!opts.output) throw new UsageError("missing -o/--output <file>");
    if (!opts.map) throw new UsageError("missing --map <file> (the MLX module c2m emitted)");
    if (!existsSync(input) || !statSync(input).isFile()) throw new UsageError(`input not found: ${input}`);
    if (!existsSync(opts.map) || !statSync(opts.map).isFile()) throw new UsageError(`map file not found: ${opts.map}`);
    if (sameFile(opts.output, input)) throw new UsageError(`refusing to write the output over the input checkpoint ${input}; choose another -o`);
    if (sameFile(opts.output, opts.map)) throw new UsageError(`refusing to write the output over the map file ${opts.map}; choose another -o`);
    const outDir = dirname(resolve(opts.output));
    if (!existsSync(outDir) || !statSync(outDir).isDirectory()) throw new UsageError(`output folder does not exist: ${dirname(opts.output)}`);

    const { maps, topLevel } = readWeightMapFile(opts.map);
    const cls = pickDefaultClass(maps, opts.class, topLevel);
    const { written, dropped, narrowed } = convertWeightsFile(input, opts.output, maps[cls]);
    const notes = [`dropped ${dropped}`, ...(narrowed ? [`${narrowed} float64 stored as float32 for MLX`] : [])];
    process.stdout.write(`converted ${written} tensors (${notes.join(", ")}) → ${opts.output}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`c2m: ${err instanceof Error ? err.message : String(err)}\n`);
    return err instanceof UsageError ? 2 : 1;
  }
}
