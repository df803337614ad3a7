/**
 * An unpickler for torch checkpoints that never runs anything. It is a stack machine over the pickle
 * opcodes; where real pickle would import a Python global and call it, this one looks the name up in a
 * short allow-list of what torch.save writes for a state_dict (OrderedDict, the tensor/parameter rebuild
 * functions, typed storages) and builds plain data instead. Every other global is refused by name.
 */
import type { Dtype } from "./tensor.js";
import { nameTable } from "../../ir/tables.js";

export class UnpickleError extends Error {}

/** A pickled value larger than any checkpoint needs (code C2M-E012, as the zip reader's limits). */
export class PickleLimitError extends UnpickleError {
  readonly code = "C2M-E012";
}

/** Bytes of one binary integer (LONG1/LONG4); decoded in linear time up to this size. */
export const MAX_LONG_BYTES = 1024 * 1024;
/** Digits of one text integer (INT/LONG): CPython's own default limit on int() of a string. */
export const MAX_INT_DIGITS = 4300;

/** A Python tuple (kept apart from lists, which are plain arrays). */
export class PyTuple {
  constructor(readonly items: unknown[]) {}
}

/** A reference to an allowed Python global, e.g. `torch.FloatStorage`. */
export class PyGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
  get qualified(): string {
    return `${this.module}.${this.name}`;
  }
}

/** A tensor as torch describes it: a view (offset, shape, stride in elements) of a storage. */
export class TensorRef {
  constructor(
    readonly storage: StorageRef,
    readonly offset: number,
    readonly shape: number[],
    readonly stride: number[],
  ) {}
}

/** What a persistent id resolved to: the storage's dtype, its archive key, and its length in elements. */
export interface StorageRef {
  dtype: Dtype;
  key: string;
  numel: number;
}

export interface UnpickleOptions {
  /** how the file is named in messages */
  source: string;
  /** resolves a BINPERSID id (torch: `('storage', StorageType, key, location, numel)`) */
  persistentLoad(pid: unknown): unknown;
}

/** torch's typed storage classes and the dtype each holds. */
export const STORAGE_DTYPES: Readonly<Record<string, Dtype>> = nameTable({
  "torch.DoubleStorage": "F64",
  "torch.FloatStorage": "F32",
  "torch.HalfStorage": "F16",
  "torch.BFloat16Storage": "BF16",
  "torch.LongStorage": "I64",
  "torch.IntStorage": "I32",
  "torch.ShortStorage": "I16",
  "torch.CharStorage": "I8",
  "torch.ByteStorage": "U8",
  "torch.BoolStorage": "BOOL",
});

type Callable = (args: unknown[], source: string) => unknown;

/** The only globals a checkpoint may call, and the plain data each call builds instead. */
const CALLABLES: Readonly<Record<string, Callable>> = nameTable({
  "collections.OrderedDict": (args, source) => {
    const dict = new Map<unknown, unknown>();
    if (args.length === 0) return dict;
    if (args.length === 1 && Array.isArray(args[0])) {
      for (const pair of args[0]) {
        const items = pair instanceof PyTuple ? pair.items : Array.isArray(pair) ? pair : null;
        if (!items || items.length !== 2) throw new UnpickleError(`${source}: corrupt pickle (OrderedDict built from something other than pairs)`);
        dict.set(items[0], items[1]);
      }
      return dict;
    }
    throw new UnpickleError(`${source}: corrupt pickle (unexpected OrderedDict arguments)`);
  },
  "torch._utils._rebuild_tensor_v2": (args, source) => rebuildTensor(args, source),
  "torch._utils._rebuild_tensor": (args, source) => rebuildTensor(args, source),
  // a Parameter is its data plus requires_grad and hooks, which weights do not need
  "torch._utils._rebuild_parameter": (args, source) => parameterData(args, source),
  "torch._utils._rebuild_parameter_with_state": (args, source) => parameterData(args, source),
  "torch.Size": (args) => (args[0] instanceof PyTuple ? args[0] : new PyTuple([])),
  "torch.device": (args) => ({ device: args.map(String).join(":") }),
});

function rebuildTensor(args: unknown[], source: string): TensorRef {
  const [storage, offset, size, stride] = args;
  if (!isStorageRef(storage)) throw new UnpickleError(`${source}: corrupt pickle (a tensor is rebuilt from something that is not a storage)`);
  return new TensorRef(storage, toIndex(offset, source), intList(size, source), intList(stride, source));
}

function parameterData(args: unknown[], source: string): unknown {
  if (!(args[0] instanceof TensorRef)) throw new UnpickleError(`${source}: corrupt pickle (a Parameter whose data is not a tensor)`);
  return args[0];
}

function isStorageRef(v: unknown): v is StorageRef {
  return typeof v === "object" && v !== null && "dtype" in v && "key" in v && "numel" in v;
}

function toIndex(v: unknown, source: string): number {
  if (typeof v === "bigint") v = Number(v);
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) throw new UnpickleError(`${source}: corrupt pickle (expected a non-negative integer, got ${String(v)})`);
  return v;
}

function intList(v: unknown, source: string): number[] {
  const items = v instanceof PyTuple ? v.items : Array.isArray(v) ? v : null;
  if (!items) throw new UnpickleError(`${source}: corrupt pickle (expected a tuple of sizes)`);
  return items.map((x) => toIndex(x, source));
}

function refuse(source: string, qualified: string): UnpickleError {
  if (/^torch\.\w+Storage$/.test(qualified)) {
    return new UnpickleError(`cannot load ${source}: it holds ${qualified} tensors, which c2m cannot convert ` + `(supported: ${Object.keys(STORAGE_DTYPES).join(", ")})`);
  }
  // a class from the user's own code usually means torch.save(model) rather than torch.save(model.state_dict())
  const name = qualified.slice(qualified.lastIndexOf(".") + 1);
  const module = qualified.slice(0, qualified.lastIndexOf("."));
  const looksLikeModel = /^[A-Z]/.test(name) && !/^(builtins|os|posix|nt|subprocess|sys|shutil|socket|importlib|runpy|pty|code|types)$/.test(module);
  return new UnpickleError(
    `refusing to load ${source}: it references the Python global '${qualified}', which c2m does not allow ` +
      `(c2m never runs code from checkpoints)` +
      (looksLikeModel ? `; if the file holds a whole pickled model, re-save model.state_dict() with torch.save` : ""),
  );
}

const MARK = Symbol("mark");

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** push(...items) without spreading (a spread of a million items overflows the call stack). */
function appendAll(list: unknown[], items: unknown[]): void {
  for (const item of items) list.push(item);
}

/** Unpickles `bytes`. Throws UnpickleError on a disallowed global or a malformed stream. */
export function unpickle(bytes: Uint8Array, options: UnpickleOptions): unknown {
  const { source } = options;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const text = new TextDecoder("utf-8");
  const latin1 = new TextDecoder("latin1");
  const stack: unknown[] = [];
  const memo = new Map<number, unknown>();
  let pos = 0;

  const corrupt = (why: string) => new UnpickleError(`${source}: corrupt pickle (${why})`);
  const need = (n: number) => {
    if (pos + n > bytes.length) throw corrupt("unexpected end of data");
  };
  const u8 = () => {
    need(1);
    return bytes[pos++];
  };
  const u16 = () => {
    need(2);
    const v = dv.getUint16(pos, true);
    pos += 2;
    return v;
  };
  const u32 = () => {
    need(4);
    const v = dv.getUint32(pos, true);
    pos += 4;
    return v;
  };
  const i32 = () => {
    need(4);
    const v = dv.getInt32(pos, true);
    pos += 4;
    return v;
  };
  const u64 = () => {
    need(8);
    const v = dv.getBigUint64(pos, true);
    pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw corrupt("length too large");
    return Number(v);
  };
  const take = (n: number) => {
    need(n);
    const v = bytes.subarray(pos, pos + n);
    pos += n;
    return v;
  };
  const line = () => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) throw corrupt("unterminated line");
    const v = latin1.decode(bytes.subarray(pos, end));
    pos = end + 1;
    return v;
  };
  const pop = () => {
    if (stack.length === 0) throw corrupt("stack underflow");
    const v = stack.pop();
    if (v === MARK) throw corrupt("unexpected mark");
    return v;
  };
  const top = () => {
    if (stack.length === 0 || stack[stack.length - 1] === MARK) throw corrupt("stack underflow");
    return stack[stack.length - 1];
  };
  const popMark = (): unknown[] => {
    const at = stack.lastIndexOf(MARK);
    if (at < 0) throw corrupt("missing mark");
    const items = stack.splice(at);
    items.shift();
    return items;
  };
  const lookupGlobal = (module: string, name: string): PyGlobal => {
    const qualified = `${module}.${name}`;
    if (!(qualified in CALLABLES) && !(qualified in STORAGE_DTYPES)) throw refuse(source, qualified);
    return new PyGlobal(module, name);
  };
  const call = (fn: unknown, args: unknown): unknown => {
    if (!(fn instanceof PyGlobal)) throw corrupt("call of something that is not a global");
    const impl = CALLABLES[fn.qualified];
    if (!impl) throw refuse(source, fn.qualified);
    const list = args instanceof PyTuple ? args.items : Array.isArray(args) ? args : null;
    if (!list) throw corrupt("call arguments are not a tuple");
    return impl(list, source);
  };
  const dictOf = (v: unknown): Map<unknown, unknown> => {
    if (!(v instanceof Map)) throw corrupt("SETITEM on something that is not a dict");
    return v;
  };
  const listOf = (v: unknown): unknown[] => {
    if (!Array.isArray(v)) throw corrupt("APPEND on something that is not a list");
    return v;
  };
  const long = (le: Uint8Array): number | bigint => {
    if (le.length === 0) return 0;
    if (le.length > MAX_LONG_BYTES) throw new PickleLimitError(`${source}: a pickled integer of ${le.length} bytes is over the ${MAX_LONG_BYTES}-byte limit`);
    // one hex string and one BigInt parse: linear in the length (shifting a BigInt per byte is quadratic)
    let hex = "";
    for (let i = le.length - 1; i >= 0; i--) hex += HEX[le[i]];
    let v = BigInt(`0x${hex}`);
    if (le[le.length - 1] & 0x80) v -= 1n << BigInt(8 * le.length);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };
  const textInt = (s: string): number | bigint | boolean => {
    const t = s.trim().replace(/L$/, "");
    if (t === "00") return false;
    if (t === "01") return true;
    if (!/^[+-]?\d+$/.test(t)) throw corrupt(`bad integer '${s.slice(0, 40)}'`);
    if (t.length > MAX_INT_DIGITS + 1) throw new PickleLimitError(`${source}: a pickled integer of ${t.length} digits is over the ${MAX_INT_DIGITS}-digit limit`);
    const v = BigInt(t);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };
  const textString = (s: string): string => {
    // protocol 0 STRING: a quoted Python repr; enough for the simple strings a checkpoint might hold
    const m = /^(['"])(.*)\1$/s.exec(s);
    if (!m) throw corrupt("bad string literal");
    return m[2].replace(/\\(.)/g, "$1");
  };

  for (;;) {
    const op = u8();
    switch (op) {
      case 0x80:
        u8();
        break; // PROTO
      case 0x95:
        u64();
        break; // FRAME: a length hint only
      case 0x2e: {
        // STOP
        const result = pop();
        return result;
      }
      case 0x28:
        stack.push(MARK);
        break; // MARK
      case 0x30:
        pop();
        break; // POP
      case 0x31:
        popMark();
        break; // POP_MARK
      case 0x32:
        stack.push(top());
        break; // DUP

      // constants
      case 0x4e:
        stack.push(null);
        break; // NONE
      case 0x88:
        stack.push(true);
        break; // NEWTRUE
      case 0x89:
        stack.push(false);
        break; // NEWFALSE

      // integers and floats
      case 0x4b:
        stack.push(u8());
        break; // BININT1
      case 0x4d:
        stack.push(u16());
        break; // BININT2
      case 0x4a:
        stack.push(i32());
        break; // BININT
      case 0x8a:
        stack.push(long(take(u8())));
        break; // LONG1
      case 0x8b: {
        const n = i32();
        if (n < 0) throw corrupt("negative length");
        stack.push(long(take(n)));
        break;
      } // LONG4
      case 0x49:
        stack.push(textInt(line()));
        break; // INT
      case 0x4c:
        stack.push(textInt(line()));
        break; // LONG
      case 0x47: {
        need(8);
        stack.push(dv.getFloat64(pos, false));
        pos += 8;
        break;
      } // BINFLOAT (big-endian)
      case 0x46:
        stack.push(parseFloat(line()));
        break; // FLOAT

      // strings and bytes
      case 0x58:
        stack.push(text.decode(take(u32())));
        break; // BINUNICODE
      case 0x8c:
        stack.push(text.decode(take(u8())));
        break; // SHORT_BINUNICODE
      case 0x8d:
        stack.push(text.decode(take(u64())));
        break; // BINUNICODE8
      case 0x56:
        stack.push(line());
        break; // UNICODE (raw-unicode-escape; checkpoints keep it ASCII)
      case 0x54:
        stack.push(latin1.decode(take(u32())));
        break; // BINSTRING
      case 0x55:
        stack.push(latin1.decode(take(u8())));
        break; // SHORT_BINSTRING
      case 0x53:
        stack.push(textString(line()));
        break; // STRING
      case 0x42:
        stack.push(take(u32()).slice());
        break; // BINBYTES
      case 0x43:
        stack.push(take(u8()).slice());
        break; // SHORT_BINBYTES
      case 0x8e:
        stack.push(take(u64()).slice());
        break; // BINBYTES8
      case 0x96:
        stack.push(take(u64()).slice());
        break; // BYTEARRAY8

      // containers
      case 0x7d:
        stack.push(new Map());
        break; // EMPTY_DICT
      case 0x5d:
        stack.push([]);
        break; // EMPTY_LIST
      case 0x29:
        stack.push(new PyTuple([]));
        break; // EMPTY_TUPLE
      case 0x8f:
        stack.push([]);
        break; // EMPTY_SET (a list will do: weights never need set semantics)
      case 0x90: {
        const items = popMark();
        appendAll(listOf(top()), items);
        break;
      } // ADDITEMS
      case 0x91:
        stack.push(popMark());
        break; // FROZENSET
      case 0x85:
        stack.push(new PyTuple([pop()]));
        break; // TUPLE1
      case 0x86: {
        const b = pop();
        const a = pop();
        stack.push(new PyTuple([a, b]));
        break;
      } // TUPLE2
      case 0x87: {
        const c = pop();
        const b = pop();
        const a = pop();
        stack.push(new PyTuple([a, b, c]));
        break;
      } // TUPLE3
      case 0x74:
        stack.push(new PyTuple(popMark()));
        break; // TUPLE
      case 0x6c:
        stack.push(popMark());
        break; // LIST
      case 0x64: {
        // DICT
        const items = popMark();
        const d = new Map<unknown, unknown>();
        for (let i = 0; i + 1 < items.length; i += 2) d.set(items[i], items[i + 1]);
        stack.push(d);
        break;
      }
      case 0x73: {
        const v = pop();
        const k = pop();
        dictOf(top()).set(k, v);
        break;
      } // SETITEM
      case 0x75: {
        // SETITEMS
        const items = popMark();
        const d = dictOf(top());
        for (let i = 0; i + 1 < items.length; i += 2) d.set(items[i], items[i + 1]);
        break;
      }
      case 0x61: {
        const v = pop();
        listOf(top()).push(v);
        break;
      } // APPEND
      case 0x65: {
        const items = popMark();
        appendAll(listOf(top()), items);
        break;
      } // APPENDS

      // memo
      case 0x71:
        memo.set(u8(), top());
        break; // BINPUT
      case 0x72:
        memo.set(u32(), top());
        break; // LONG_BINPUT
      case 0x70:
        memo.set(Number(textInt(line())), top());
        break; // PUT
      case 0x94:
        memo.set(memo.size, top());
        break; // MEMOIZE
      case 0x68:
      case 0x6a:
      case 0x67: {
        // BINGET, LONG_BINGET, GET
        const key = op === 0x68 ? u8() : op === 0x6a ? u32() : Number(textInt(line()));
        if (!memo.has(key)) throw corrupt(`memo key ${key} missing`);
        stack.push(memo.get(key));
        break;
      }

      // globals and calls: looked up in the allow-list, never imported or executed
      case 0x63: {
        const module = line();
        const name = line();
        stack.push(lookupGlobal(module, name));
        break;
      } // GLOBAL
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== "string" || typeof name !== "string") throw corrupt("STACK_GLOBAL without strings");
        stack.push(lookupGlobal(module, name));
        break;
      }
      case 0x52: {
        const args = pop();
        const fn = pop();
        stack.push(call(fn, args));
        break;
      } // REDUCE
      case 0x81: {
        const args = pop();
        const cls = pop();
        stack.push(call(cls, args));
        break;
      } // NEWOBJ
      case 0x92: {
        pop();
        const args = pop();
        const cls = pop();
        stack.push(call(cls, args));
        break;
      } // NEWOBJ_EX
      case 0x62: {
        // BUILD: __setstate__; an OrderedDict's _metadata or a tensor's state are not weights
        pop();
        const obj = top();
        if (!(obj instanceof Map) && !(obj instanceof TensorRef)) throw corrupt("BUILD on an object c2m does not model");
        break;
      }
      case 0x51:
        stack.push(options.persistentLoad(pop()));
        break; // BINPERSID
      case 0x50:
        stack.push(options.persistentLoad(line()));
        break; // PERSID

      case 0x69: {
        const module = line();
        const name = line();
        throw refuse(source, `${module}.${name}`);
      } // INST
      case 0x6f: {
        // OBJ
        const items = popMark();
        const cls = items[0];
        throw refuse(source, cls instanceof PyGlobal ? cls.qualified : "<object>");
      }
      case 0x82:
      case 0x83:
      case 0x84: // EXT1, EXT2, EXT4: the copyreg extension registry
        throw new UnpickleError(`refusing to load ${source}: it uses the pickle extension registry, which c2m does not allow (c2m never runs code from checkpoints)`);
      case 0x97:
      case 0x98: // NEXT_BUFFER, READONLY_BUFFER
        throw new UnpickleError(`cannot load ${source}: it uses out-of-band pickle buffers, which torch.save never writes`);
      default:
        throw corrupt(`unknown opcode 0x${op.toString(16).padStart(2, "0")} at byte ${pos - 1}`);
    }
  }
}
