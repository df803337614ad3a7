/**
 * torch.save checkpoints (the zip format of torch ≥ 1.6): `<archive>/data.pkl` describes the object,
 * `<archive>/data/<key>` holds each storage's raw bytes, `<archive>/byteorder` says their endianness.
 */
import { basename } from "node:path";
import { PyTuple, PyGlobal, STORAGE_DTYPES, TensorRef, UnpickleError, unpickle, type StorageRef } from "./pickle.js";
import { DTYPE_SIZE, gatherStrided, contiguousStrides, numel, swapBytesInPlace, type Tensor } from "./tensor.js";
import { ZipReader } from "./zip.js";

export class CheckpointError extends Error {}

/** A view that expands a few stored bytes into many (stride 0): code C2M-E013, lifted by --allow-expand. */
export class ExpandError extends CheckpointError {
  readonly code = "C2M-E013";
}

export interface ReadOptions {
  /** write stride-0 (broadcast) tensors however large they expand */
  allowExpand?: boolean;
}

/** A tensor may expand past its storage's bytes up to this size without --allow-expand. */
export const EXPAND_LIMIT_BYTES = 16 * 1024 * 1024;
/** data.pkl describes the object; a real one is kilobytes to a few megabytes. */
const MAX_PICKLE_BYTES = 256 * 1024 * 1024;

/** Keys under which training scripts commonly nest the state_dict, most specific first. */
const WRAPPER_KEYS = ["state_dict", "model_state_dict", "model"];

export function readTorchZip(path: string, options: ReadOptions = {}): Map<string, Tensor> {
  const source = basename(path);
  const zip = new ZipReader(path);
  try {
    const pklName = [...zip.entries.keys()].find((n) => /^[^/]+\/data\.pkl$/.test(n));
    if (!pklName) throw new CheckpointError(`${source} is a zip file but not a torch checkpoint (no <archive>/data.pkl entry)`);
    const prefix = pklName.slice(0, -"data.pkl".length);
    const byteorderName = `${prefix}byteorder`;
    const bigEndian = zip.entries.has(byteorderName) && new TextDecoder().decode(zip.read(byteorderName)).trim() === "big";

    const storages = new Map<string, Uint8Array>();
    const storageBytes = (ref: StorageRef): Uint8Array => {
      let bytes = storages.get(ref.key);
      if (!bytes) {
        const name = `${prefix}data/${ref.key}`;
        if (!zip.entries.has(name)) throw new CheckpointError(`${source}: storage '${ref.key}' is missing from the archive`);
        bytes = zip.read(name);
        if (bigEndian) {
          bytes = bytes.slice();
          swapBytesInPlace(bytes, DTYPE_SIZE[ref.dtype]);
        }
        storages.set(ref.key, bytes);
      }
      return bytes;
    };

    const root = unpickle(zip.read(pklName, MAX_PICKLE_BYTES), { source, persistentLoad: (pid) => storageRef(pid, source) });
    const stateDict = findStateDict(root, source);
    const out = new Map<string, Tensor>();
    for (const [key, value] of stateDict) {
      if (typeof key !== "string" || !(value instanceof TensorRef)) continue; // epoch counters, _extra_state, ...
      out.set(key, materialize(value, storageBytes(value.storage), source, key, options));
    }
    // an empty state_dict is a model without parameters (an attention module of matmuls alone): nothing to convert;
    // a dict of other things only is no checkpoint
    if (out.size === 0 && stateDict.size > 0) throw new CheckpointError(`${source} holds no tensors`);
    return out;
  } finally {
    zip.close();
  }
}

function storageRef(pid: unknown, source: string): StorageRef {
  const items = pid instanceof PyTuple ? pid.items : null;
  if (!items || items[0] !== "storage" || items.length < 5) {
    throw new UnpickleError(`${source}: unsupported persistent id (c2m reads torch.save's storages only)`);
  }
  const [, type, key, , size] = items;
  if (!(type instanceof PyGlobal) || !(type.qualified in STORAGE_DTYPES)) throw new UnpickleError(`${source}: corrupt pickle (bad storage type)`);
  const count = typeof size === "bigint" ? Number(size) : size;
  if (typeof key !== "string" || typeof count !== "number") throw new UnpickleError(`${source}: corrupt pickle (bad storage id)`);
  return { dtype: STORAGE_DTYPES[type.qualified], key, numel: count };
}

/** The dict of tensors: the root itself, or the state_dict a training checkpoint nests in it. */
function findStateDict(root: unknown, source: string): Map<unknown, unknown> {
  if (!(root instanceof Map)) throw new CheckpointError(`${source} does not hold a dict (a state_dict or a checkpoint dict)`);
  for (const key of WRAPPER_KEYS) {
    const nested = root.get(key);
    if (nested instanceof Map && [...nested.values()].some((v) => v instanceof TensorRef)) return nested;
  }
  return root;
}

/** The tensor's elements, contiguous, from its storage view (offset, size, stride). */
function materialize(ref: TensorRef, storage: Uint8Array, source: string, key: string, options: ReadOptions): Tensor {
  const dtype = ref.storage.dtype;
  const item = DTYPE_SIZE[dtype];
  if (ref.shape.length !== ref.stride.length) throw new CheckpointError(`${source}: tensor '${key}' has ${ref.shape.length} sizes but ${ref.stride.length} strides`);
  const count = numel(ref.shape);
  // checked before anything is allocated: a 300-byte file must not become a gigabyte without a word
  const expanded = count * item;
  if (expanded > storage.length && expanded > EXPAND_LIMIT_BYTES && !options.allowExpand) {
    throw new ExpandError(
      `${source}: tensor '${key}' [${ref.shape.join(", ")}] expands ${storage.length} stored bytes to ${expanded} bytes (a stride-0 view); ` +
        `pass --allow-expand to write it anyway`,
    );
  }
  if (count > 0) {
    let last = ref.offset;
    for (let i = 0; i < ref.shape.length; i++) last += (ref.shape[i] - 1) * ref.stride[i];
    if ((last + 1) * item > storage.length) {
      throw new CheckpointError(`${source}: tensor '${key}' reaches past the end of its storage (${storage.length} bytes)`);
    }
  }
  const expected = contiguousStrides(ref.shape);
  const contiguous = ref.stride.every((s, i) => ref.shape[i] === 1 || s === expected[i]);
  const data = contiguous ? storage.subarray(ref.offset * item, (ref.offset + count) * item) : gatherStrided(storage, item, ref.shape, ref.stride, ref.offset);
  return { dtype, shape: [...ref.shape], data };
}
