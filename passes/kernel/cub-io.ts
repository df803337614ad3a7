/**
 * CUB's block loads and stores as the memory accesses they are: `BlockLoadT(smem).Load(p, items, n)` reads the
 * tile at `p`, `BlockStoreT(smem).Store(p, items, n)` writes it (thread t its items' elements, in CUB's blocked
 * or striped arrangement). The buffer analysis records them at the call, as it does a device function's
 * accesses through a pointer argument; the printer maps the collectives (emit/metal-cub.ts). The collective is
 * named in place (`cub::BlockLoad<T, 128, 4>`, what a traits struct's alias unfolds to), or through a
 * `typedef`/`using` of it in the file.
 */
import type { CudaNode } from "../../grammar/cuda.js";
import { callArgs, field, unparen } from "./cst.js";

const IO = /^(?:typename\s+)?(?:::)?cub\s*::\s*(BlockLoad|BlockStore)\b/;

/** Names the file gives a CUB block load or store (`typedef cub::BlockLoad<...> LoadT;`, `using StoreT = cub::BlockStore<...>;`). */
function ioAliases(source: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of source.matchAll(/\btypedef\s+(?:typename\s+)?(?:::)?cub\s*::\s*(BlockLoad|BlockStore)\s*<[^;]*>\s*(\w+)\s*;/g)) out.set(m[2]!, m[1]!);
  for (const m of source.matchAll(/\busing\s+(\w+)\s*=\s*(?:typename\s+)?(?:::)?cub\s*::\s*(BlockLoad|BlockStore)\b/g)) out.set(m[1]!, m[2]!);
  return out;
}
const aliasesOf = new Map<string, Map<string, string>>();

/** The pointer a CUB block load (`read`) or store (`write`) accesses, for a call `Collective(storage).Load(p, ...)`. */
export function cubBlockAccess(call: CudaNode, source: string): { pointer: CudaNode; write: boolean } | undefined {
  const fn = field(call, "function");
  if (fn?.type !== "field_expression") return undefined;
  const method = field(fn, "field")?.text;
  if (method !== "Load" && method !== "Store") return undefined;
  const object = unparen(field(fn, "argument")!);
  const ctor = object.type === "call_expression" ? field(object, "function") : undefined;
  if (!ctor) return undefined;
  let kind = IO.exec(ctor.text)?.[1];
  if (!kind && ctor.type === "identifier") {
    let aliases = aliasesOf.get(source);
    if (!aliases) aliasesOf.set(source, (aliases = ioAliases(source)));
    kind = aliases.get(ctor.text);
  }
  const pointer = callArgs(call)[0];
  if (!kind || !pointer || (kind === "BlockLoad") !== (method === "Load")) return undefined;
  return { pointer, write: method === "Store" };
}
