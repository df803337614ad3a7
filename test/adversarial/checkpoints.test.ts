/**
 * Hostile checkpoints through `c2m weights`, as a subprocess under rlimits: pickles whose execution would
 * run code (every route), generated opcode soups, zip bombs (an entry that inflates to 2 GiB from 2 MiB,
 * honest or lying about its size), a 1 MiB LONG4 integer, a stride-0 tensor that expands 4 bytes to
 * 800 MB, devices and FIFOs as the checkpoint, and outputs that are links to the inputs. Each run: the
 * exit code, a message naming the file, no payload marker, the inputs unchanged, no partial output.
 */
import { execFileSync } from "node:child_process";
import { linkSync, mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { constants, deflateRawSync } from "node:zlib";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { unpickle, UnpickleError } from "../../src/weights/pickle.js";
import { c2m, expectHandled, hashFile, int, op, PAYLOAD_ROUTES, payloadPickle, stateDictPickle, str, torchZip, zip } from "./build.js";

let dir: string;
let map: string;
const F32_ONES = (n: number) => Buffer.from(new Float32Array(n).fill(1).buffer);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "c2m-adv-ckpt-"));
  map = join(dir, "map.py");
  writeFileSync(map, 'C2M_WEIGHT_MAPS = {"Net": [("w", "w", "identity")]}\n');
});

/** Writes `bytes` as `name` in the test folder, runs `c2m weights` on it, checks the hostile-run guarantees. */
function weights(name: string, bytes: Uint8Array, expectExit: number[], code?: RegExp, extra: string[] = [], marker?: string) {
  const input = join(dir, name);
  writeFileSync(input, bytes);
  const out = join(dir, `${name}.out.safetensors`);
  const before = { [input]: hashFile(input), [map]: hashFile(map) };
  const r = c2m(["weights", input, "-o", out, "--map", map, ...extra], { cwd: dir });
  expectHandled(r, { exit: expectExit, names: name, code, inputs: before, absent: expectExit.includes(0) ? [] : [out], marker, folders: [dir] });
  return { r, out };
}

describe("pickles that would run code", () => {
  it.each(PAYLOAD_ROUTES)("%s: refused by name, nothing runs", (route) => {
    const marker = join(dir, `ran-${route}`);
    const pkl = payloadPickle(route, marker);
    weights(`payload-${route}.pt`, torchZip(pkl, {}), [1], /refusing|corrupt|cannot load/, [], marker);
  });

  it("generated opcode soups (the allow-listed and the dangerous opcodes, shuffled): a clean refusal or a conversion, never a crash", () => {
    const marker = join(dir, "ran-soup");
    const atoms = [
      op.MARK,
      op.TUPLE,
      op.EMPTY_TUPLE,
      op.EMPTY_DICT,
      op.SETITEMS,
      op.REDUCE,
      op.BINPERSID,
      op.NEWFALSE,
      op.STOP,
      str("w"),
      str("storage"),
      int(3),
      int(-1),
      Buffer.from("ctorch._utils\n_rebuild_tensor_v2\n"),
      Buffer.from("ctorch\nFloatStorage\n"),
      Buffer.from("cos\nsystem\n"),
      Buffer.from(`ccollections\nOrderedDict\n`),
      Buffer.from([0x8b, 0xff, 0xff, 0xff, 0x7f]),
      Buffer.from([0x58, 0xff, 0xff, 0xff, 0xff]),
      Buffer.from([0x32]),
      Buffer.from([0x65]),
      Buffer.from([0x5d]),
      Buffer.from([0x68, 0]),
      Buffer.from([0x94]),
      Buffer.from([0x93]),
      Buffer.from([0x81]),
      Buffer.from([0x62]),
      Buffer.from(`S'touch ${marker}'\n`),
      Buffer.from([0x95, 0, 0, 0, 0, 0, 0, 0, 0x80]),
    ];
    const soup = fc.array(fc.constantFrom(...atoms), { minLength: 1, maxLength: 40 }).map((xs) => Buffer.concat([op.PROTO2, ...xs]));
    // in-process first (fast, many): the unpickler throws only its own error
    fc.assert(
      fc.property(soup, (pkl) => {
        try {
          unpickle(pkl, { source: "soup.pkl", persistentLoad: (p) => ({ dtype: "F32", key: String(p), numel: 1 }) });
        } catch (err) {
          expect(err).toBeInstanceOf(UnpickleError);
        }
      }),
      { numRuns: 3000, seed: 61 },
    );
    // then a sample through the CLI
    fc.sample(soup, { numRuns: 12, seed: 62 }).forEach((pkl, k) => weights(`soup${k}.pt`, torchZip(pkl, { w: F32_ONES(3) }), [0, 1], undefined, [], marker));
  });
});

/** Raw deflate of `mib` MiB of zeros, built from one compressed MiB repeated (each copy decodes to zeros). */
function deflateBomb(mib: number): Buffer {
  const chunk = deflateRawSync(Buffer.alloc(1 << 20), { finishFlush: constants.Z_SYNC_FLUSH });
  const end = deflateRawSync(Buffer.alloc(0));
  return Buffer.concat([...Array.from({ length: mib }, () => chunk), end]);
}

/** A zip whose one entry is `raw` deflate data declaring `declared` bytes. */
function zipWithRawDeflate(name: string, raw: Buffer, declared: number, others: { name: string; data: Buffer }[] = []): Buffer {
  // build with a placeholder stored entry, then patch the method, sizes and data: zip() deflates real data only
  const placeholder = zip([{ name, data: raw }, ...others]);
  const patch = (at: number, central: boolean) => {
    placeholder.writeUInt16LE(8, at + (central ? 10 : 8));
    placeholder.writeUInt32LE(raw.length, at + (central ? 20 : 18));
    placeholder.writeUInt32LE(declared >>> 0, at + (central ? 24 : 22));
  };
  patch(0, false);
  patch(placeholder.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02])), true);
  return placeholder;
}

describe("zip bombs", () => {
  const pkl = stateDictPickle([{ key: "w", storage: "0", numel: 3, shape: [3], stride: [1] }]);
  const bomb = deflateBomb(2048); // ~2 MiB that inflates to 2 GiB

  it("a data.pkl that declares 2 GiB: refused before inflating (C2M-E012)", () => {
    const { r } = weights("bomb-pkl.pt", zipWithRawDeflate("archive/data.pkl", bomb, 2 ** 31, [{ name: "archive/data/0", data: F32_ONES(3) }]), [1], /C2M-E012/);
    expect(r.ms).toBeLessThan(20_000);
  });

  it("a storage that declares 2 GiB: refused before inflating (C2M-E012)", () => {
    weights("bomb-storage.pt", zipWithRawDeflate("archive/data/0", bomb, 2 ** 32 - 2, [{ name: "archive/data.pkl", data: pkl }]), [1], /C2M-E012/);
  });

  it("a storage that lies (declares 12 bytes, inflates to 2 GiB): the inflater stops at the declared size", () => {
    weights("bomb-lie.pt", zipWithRawDeflate("archive/data/0", bomb, 12, [{ name: "archive/data.pkl", data: pkl }]), [1], /inflates past its declared/);
  });

  it("an honest deflated checkpoint still converts", () => {
    const { out } = weights("deflated.pt", torchZip(pkl, { "0": F32_ONES(3) }, { deflate: true }), [0]);
    expect(statSync(out).size).toBeGreaterThan(12);
  });
});

describe("pickled values and views", () => {
  const long4 = (n: number) => {
    const b = Buffer.alloc(5 + n, 0x11);
    b[0] = 0x8b;
    b.writeInt32LE(n, 1);
    return b;
  };
  it("a LONG4 integer of 1 MiB decodes in linear time (Python: 5 ms; c2m took over a minute)", () => {
    const started = Date.now();
    unpickle(Buffer.concat([op.PROTO2, long4(1 << 20), op.STOP]), { source: "long.pkl", persistentLoad: () => null });
    expect(Date.now() - started).toBeLessThan(3000);
    // and beside a tensor in a real checkpoint, through the CLI
    const pkl = stateDictPickle([{ key: "w", storage: "0", numel: 3, shape: [3], stride: [1] }], [str("epoch"), long4(1 << 20)]);
    const { r } = weights("long4.pt", torchZip(pkl, { "0": F32_ONES(3) }), [0]);
    expect(r.ms).toBeLessThan(20_000);
  });

  it("a LONG4 integer over 1 MiB, and a text integer over 4300 digits, are refused (C2M-E012)", () => {
    expect(() => unpickle(Buffer.concat([op.PROTO2, long4((1 << 20) + 1), op.STOP]), { source: "long.pkl", persistentLoad: () => null })).toThrow(/over the 1048576-byte limit/);
    const pkl = stateDictPickle([{ key: "w", storage: "0", numel: 3, shape: [3], stride: [1] }], [str("epoch"), Buffer.from(`I${"9".repeat(5000)}\n`)]);
    weights("textint.pt", torchZip(pkl, { "0": F32_ONES(3) }), [1], /C2M-E012/);
  });

  it("a stride-0 tensor that expands 4 bytes to 800 MB is refused without --allow-expand (C2M-E013)", () => {
    const pkl = stateDictPickle([{ key: "w", storage: "0", numel: 1, shape: [200_000_000], stride: [0] }]);
    weights("expand.pt", torchZip(pkl, { "0": F32_ONES(1) }), [1], /C2M-E013.*--allow-expand/);
  });

  it("--allow-expand writes an expanded tensor (20 MB from 4 bytes)", () => {
    const pkl = stateDictPickle([{ key: "w", storage: "0", numel: 1, shape: [5_000_000], stride: [0] }]);
    weights("expand-small.pt", torchZip(pkl, { "0": F32_ONES(1) }), [1], /C2M-E013/);
    const { out } = weights("expand-allowed.pt", torchZip(pkl, { "0": F32_ONES(1) }), [0], undefined, ["--allow-expand"]);
    expect(statSync(out).size).toBeGreaterThan(20_000_000);
  });
});

describe("checkpoint paths and outputs", () => {
  const pkl = stateDictPickle([{ key: "w", storage: "0", numel: 3, shape: [3], stride: [1] }]);

  it("a device or a FIFO as the checkpoint is refused before reading (C2M-E008)", () => {
    const out = join(dir, "dev.safetensors");
    expectHandled(c2m(["weights", "/dev/zero", "-o", out, "--map", map]), { exit: [2], names: "/dev/zero", code: /C2M-E008/, absent: [out] });
    const fifo = join(dir, "fifo.pt");
    execFileSync("mkfifo", [fifo]);
    expectHandled(c2m(["weights", fifo, "-o", out, "--map", map], { timeoutMs: 20_000 }), { exit: [2], names: "fifo.pt", code: /C2M-E008/, absent: [out] });
  });

  it("-o a symbolic link to the checkpoint, or a hard link to the map: refused, both unchanged", () => {
    const input = join(dir, "good.pt");
    writeFileSync(input, torchZip(pkl, { "0": F32_ONES(3) }));
    const before = { [input]: hashFile(input), [map]: hashFile(map) };
    const sym = join(dir, "sym.safetensors");
    symlinkSync(input, sym);
    expectHandled(c2m(["weights", input, "-o", sym, "--map", map]), { exit: [2], names: "sym.safetensors", code: /C2M-E009/, inputs: before, folders: [dir] });
    const hard = join(dir, "hard.safetensors");
    linkSync(map, hard);
    expectHandled(c2m(["weights", input, "-o", hard, "--map", map]), { exit: [2], names: "hard.safetensors", code: /C2M-E005/, inputs: before, folders: [dir] });
    expect(readFileSync(map, "utf8")).toContain("C2M_WEIGHT_MAPS");
  });
});
