/**
 * Weight conversion: torch checkpoints in (read without executing them), MLX safetensors out, with the
 * translated module's weight map applied in between.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { basename, extname } from "node:path";
import type { WeightRule } from "../../ir/weights.js";
import { applyWeightMapDetailed } from "./map.js";
import { looksLikeSafetensors, readSafetensors, writeSafetensors as writeSafetensorsFile } from "./safetensors.js";
import type { Tensor } from "./tensor.js";
import { readTorchZip, CheckpointError, type ReadOptions } from "./torch.js";
import { looksLikeZip } from "./zip.js";

export type { Tensor, Dtype } from "./tensor.js";
export { applyWeightMap } from "./map.js";
export { readWeightMaps } from "./read-map.js";

/** Reads a torch zip checkpoint (.pt/.pth/.bin) or a safetensors file into a name → tensor map. */
export function readCheckpoint(path: string, options: ReadOptions = {}): Map<string, Tensor> {
  const source = basename(path);
  const fd = openSync(path, "r");
  let head: Uint8Array;
  let size: number;
  try {
    size = fstatSync(fd).size;
    head = new Uint8Array(Math.min(16, size));
    readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  if (looksLikeZip(head)) return readTorchZip(path, options);
  if (extname(path).toLowerCase() === ".safetensors" || looksLikeSafetensors(head, size)) return readSafetensors(path);
  // pickle protocol 2+ begins with PROTO (0x80); torch's legacy format is a bare pickle stream
  if (head[0] === 0x80) {
    throw new CheckpointError(
      `${source} is a legacy (non-zip) torch checkpoint, which c2m cannot read safely; ` +
        `re-save it with torch.save(torch.load(path, weights_only=True), path, _use_new_zipfile_serialization=True)`,
    );
  }
  throw new CheckpointError(`${source} is neither a torch checkpoint (zip) nor a safetensors file`);
}

/** Writes MLX-loadable safetensors atomically (temp file, then rename). */
export function writeSafetensors(path: string, tensors: Map<string, Tensor>): void {
  writeSafetensorsFile(path, tensors);
}

/**
 * Reads `inputPath`, applies `rules`, writes `outputPath` for MLX. float64 tensors are stored as float32:
 * MLX's safetensors loader has no float64 (and MLX computes in float64 only on the CPU); `narrowed`
 * counts them.
 */
export function convertWeightsFile(
  inputPath: string,
  outputPath: string,
  rules: WeightRule[],
  options: ReadOptions & { inputs?: string[] } = {},
): { written: number; dropped: number; narrowed: number } {
  const { tensors, dropped } = applyWeightMapDetailed(readCheckpoint(inputPath, options), rules);
  let narrowed = 0;
  for (const [key, t] of tensors) {
    if (t.dtype !== "F64") continue;
    const wide = new Float64Array(t.data.slice().buffer);
    tensors.set(key, { dtype: "F32", shape: t.shape, data: new Uint8Array(Float32Array.from(wide).buffer) });
    narrowed++;
  }
  writeSafetensorsFile(outputPath, tensors, undefined, [inputPath, ...(options.inputs ?? [])]);
  return { written: tensors.size, dropped: dropped.length, narrowed };
}
