/**
 * The shapes `--verify` gives a PyTorch launcher's tensor parameters (launch-spec.ts): the rank the
 * launcher reads, a default shape of about n elements, and which tensors' element counts are only a
 * lower bound because the launcher never says their trailing extent.
 */
import type { HostFunction } from "../../ir/kernel.js";

/**
 * The rank a launcher assumes for a tensor parameter: 1 + the largest `x.size(d)` (through aliases
 * such as `auto xc = x.contiguous()`), or the `x.dim() == K` it checks.
 */
export function tensorRank(h: HostFunction, param: string): number {
  const names = new Set([param]);
  for (const m of h.body.text.matchAll(/\b(\w+)\s*=\s*(\w+)\s*\.\s*(?:contiguous|to|cuda|float|clone|detach)\s*\(/g)) if (names.has(m[2]!)) names.add(m[1]!);
  let rank = 1;
  for (const n of names) {
    for (const m of h.body.text.matchAll(new RegExp(`\\b${n}\\s*\\.\\s*(?:size|stride)\\s*\\(\\s*(\\d+)\\s*\\)`, "g"))) rank = Math.max(rank, Number(m[1]) + 1);
    const dim = new RegExp(`\\b${n}\\s*\\.\\s*dim\\s*\\(\\s*\\)\\s*==\\s*(\\d+)`).exec(h.body.text);
    if (dim) rank = Math.max(rank, Number(dim[1]));
  }
  return rank;
}

/**
 * Whether a launcher leaves a tensor parameter's trailing extent unsaid: it reads only `x.size(d)` (chamfer's
 * `xyz1.size(1)` of a `(B, N, 3)` tensor whose 3 only the kernel knows), never `numel()`, `stride()` or a
 * `dim() == K` check. Its synthesised shape then fixes the sizes the launch reads, and its element count
 * is a lower bound, grown where the original reads past it (synth-spec.ts growCallerBuffers).
 */
function trailingExtentUnsaid(h: HostFunction, param: string): boolean {
  const names = new Set([param]);
  for (const m of h.body.text.matchAll(/\b(\w+)\s*=\s*(\w+)\s*\.\s*(?:contiguous|to|cuda|float|clone|detach)\s*\(/g)) if (names.has(m[2]!)) names.add(m[1]!);
  return ![...names].some((n) => new RegExp(`\\b${n}\\s*\\.\\s*(?:numel|stride|strides|dim|sizes|view|reshape)\\s*\\(`).test(h.body.text));
}

/** The tensor parameters whose trailing extent the launcher leaves unsaid, and the tensors it makes like them (`torch::zeros_like(xyz1)`). */
export function unsaidTensors(h: HostFunction, params: string[]): string[] {
  const out = params.filter((p) => trailingExtentUnsaid(h, p));
  for (const m of h.body.text.matchAll(/\b(\w+)\s*=\s*(?:(?:torch|at)::)?(?:empty|zeros|ones|full|rand|randn)_like\s*\(\s*(\w+)\s*[,)]/g))
    if (out.includes(m[2]!) && trailingExtentUnsaid(h, m[1]!)) out.push(m[1]!);
  return out;
}

/** A default shape of about n elements and the given rank, the last axis ragged (61). */
export function defaultShape(n: number, rank: number): number[] {
  if (rank <= 1) return [n];
  const inner = 61;
  return [...new Array<number>(rank - 2).fill(2), Math.max(1, Math.ceil(n / inner / 2 ** (rank - 2))), inner];
}
