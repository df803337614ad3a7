/**
 * `c2m weights model.pt -o model_mlx.safetensors --map model_mlx.py [--class Net]`
 */
import { checkOutputPath, checkRegularFile, InputError } from "../io.js";
import { convertWeightsFile } from "../weights/index.js";
import { pickDefaultClass, readWeightMapFile } from "../weights/read-map.js";

export interface WeightsOptions {
  output: string;
  map: string;
  class?: string;
  /** write stride-0 (broadcast) tensors however large they expand */
  allowExpand?: boolean;
}

class UsageError extends Error {}

export async function runWeights(input: string, opts: WeightsOptions): Promise<number> {
  try {
    if (!opts.output) throw new UsageError("missing -o/--output <file>");
    if (!opts.map) throw new UsageError("missing --map <file> (the MLX module c2m emitted)");
    // the checkpoint and the map: regular files; the output: none of them, no link, an existing folder
    checkRegularFile(input);
    checkRegularFile(opts.map);
    checkOutputPath(opts.output, [input, opts.map]);

    const { maps, topLevel } = readWeightMapFile(opts.map);
    const cls = pickDefaultClass(maps, opts.class, topLevel);
    const { written, dropped, narrowed } = convertWeightsFile(input, opts.output, maps[cls], { allowExpand: opts.allowExpand, inputs: [opts.map] });
    const notes = [`dropped ${dropped}`, ...(narrowed ? [`${narrowed} float64 stored as float32 for MLX`] : [])];
    process.stdout.write(`converted ${written} tensors (${notes.join(", ")}) → ${opts.output}\n`);
    return 0;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    const tag = typeof code === "string" && code.startsWith("C2M-") ? `error ${code}: ` : "";
    // a reader that runs out of room (a RangeError) is a limit of this input, said as such
    const message = err instanceof RangeError ? `${input}: too large to convert (${err.message})` : err instanceof Error ? err.message : String(err);
    process.stderr.write(`c2m: ${tag}${message}\n`);
    return err instanceof UsageError || err instanceof InputError ? 2 : 1;
  }
}
