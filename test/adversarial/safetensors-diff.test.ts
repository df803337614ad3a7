/**
 * c2m's safetensors reader against the reference implementation (Python's `safetensors`, the Rust
 * crate underneath): generated valid files and mutations of them, each through both readers. Both must
 * accept or both refuse; where both accept, every tensor's bytes must agree. The one allowed difference:
 * a valid file holding a dtype c2m does not convert (F8, U16, C64…) is refused by c2m as unsupported,
 * never as corrupt. Then one file per check of the reference's validation, through the CLI.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { pythonExecutable } from "../../src/python.js";
import { readSafetensors, SafetensorsError } from "../../src/weights/safetensors.js";
import { c2m, expectHandled, hashFile, safetensors } from "./build.js";

const DTYPE_BITS: Record<string, number> = {
  BOOL: 8,
  U8: 8,
  I8: 8,
  I16: 16,
  F16: 16,
  BF16: 16,
  I32: 32,
  F32: 32,
  F64: 64,
  I64: 64, // c2m converts these
  F8_E4M3: 8,
  U16: 16,
  U32: 32,
  U64: 64,
  C64: 64,
  F4: 4, // valid, not converted by c2m
};
const SUPPORTED = new Set(["BOOL", "U8", "I8", "I16", "F16", "BF16", "I32", "F32", "F64", "I64"]);

interface Gen {
  tensors: { name: string; dtype: string; shape: number[] }[];
  metadata: Record<string, string> | null | undefined;
  mutation: string;
  pick: number;
  junk: string;
}

const name = fc.oneof(fc.constantFrom("w", "layer.0.weight", "b", "é", "😀", 'a"b', "a\\b", "x y", ""), fc.string({ maxLength: 6 }));
const tensor = fc.record({
  name,
  dtype: fc.constantFrom(...Object.keys(DTYPE_BITS)),
  shape: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }),
});
const MUTATIONS = [
  "none",
  "none",
  "none",
  "gap",
  "overlap",
  "trailing",
  "truncate",
  "swap-offsets",
  "end-before-begin",
  "size-mismatch",
  "float-shape",
  "negative-zero",
  "metadata-int",
  "metadata-array",
  "metadata-twice",
  "metadata-null",
  "invalid-utf8",
  "bad-json",
  "trailing-text",
  "leading-space",
  "array-form",
  "array-form-short",
  "duplicate-name",
  "duplicate-field",
  "extra-field",
  "deep-extra",
  "unknown-dtype",
  "lowercase-dtype",
  "lone-surrogate",
  "control-char",
  "offsets-three",
  "shape-null",
  "header-too-long",
  "huge-shape",
  "escaped-name",
  "not-object",
  "tensor-null",
];
const gen: fc.Arbitrary<Gen> = fc.record({
  tensors: fc.uniqueArray(tensor, { selector: (t) => t.name, maxLength: 4 }),
  metadata: fc.oneof(fc.constant(undefined), fc.constant(null), fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 })),
  mutation: fc.constantFrom(...MUTATIONS),
  pick: fc.nat(),
  junk: fc.string({ maxLength: 4 }),
});

/** A valid file for `g`, then the mutation applied to its header text or bytes. */
function build(g: Gen): Buffer {
  let offset = 0;
  const entries: [string, string][] = [];
  const datas: Buffer[] = [];
  // sub-byte dtypes need a whole number of bytes; give F4 an even element count
  const tensors = g.tensors.map((t) => (t.dtype === "F4" && t.shape.reduce((a, b) => a * b, 1) % 2 ? { ...t, shape: [...t.shape, 2] } : t));
  for (const t of tensors) {
    const bytes = (t.shape.reduce((a, b) => a * b, 1) * DTYPE_BITS[t.dtype]) / 8;
    const data = Buffer.alloc(bytes);
    for (let i = 0; i < bytes; i++) data[i] = (i * 37 + offset) & 0xff;
    datas.push(data);
    entries.push([t.name, `{"dtype":"${t.dtype}","shape":[${t.shape.join(",")}],"data_offsets":[${offset},${offset + bytes}]}`]);
    offset += bytes;
  }
  const i = entries.length ? g.pick % entries.length : -1;
  const key = (s: string) => JSON.stringify(s);
  let meta = g.metadata === undefined ? [] : [`"__metadata__":${JSON.stringify(g.metadata)}`];
  let data = Buffer.concat(datas);
  const m = g.mutation;
  const setEntry = (f: (e: string) => string) => {
    if (i >= 0) entries[i][1] = f(entries[i][1]);
  };
  if (m === "gap") setEntry((e) => e.replace(/"data_offsets":\[(\d+),(\d+)\]/, (_, a, b) => `"data_offsets":[${+a + 1},${+b + 1}]`));
  if (m === "overlap" && i > 0) setEntry((e) => e.replace(/"data_offsets":\[(\d+),(\d+)\]/, (_, a, b) => `"data_offsets":[${Math.max(0, +a - 1)},${Math.max(0, +b - 1)}]`));
  if (m === "trailing") data = Buffer.concat([data, Buffer.from([1])]);
  if (m === "truncate" && data.length) data = data.subarray(0, data.length - 1);
  if (m === "swap-offsets") setEntry((e) => e.replace(/"data_offsets":\[(\d+),(\d+)\]/, '"data_offsets":[$2,$1]'));
  if (m === "end-before-begin") setEntry((e) => e.replace(/"data_offsets":\[(\d+),(\d+)\]/, (_, a) => `"data_offsets":[${a},${Math.max(0, +a - 1)}]`));
  if (m === "size-mismatch") setEntry((e) => e.replace(/"shape":\[/, '"shape":[3,'));
  if (m === "float-shape") setEntry((e) => e.replace(/"shape":\[(\d+)/, '"shape":[$1.0'));
  if (m === "negative-zero") setEntry((e) => e.replace(/"shape":\[0/, '"shape":[-0'));
  if (m === "metadata-int") meta = ['"__metadata__":{"a":1}'];
  if (m === "metadata-array") meta = ['"__metadata__":["a"]'];
  if (m === "metadata-twice") meta = ['"__metadata__":{}', '"__metadata__":{}'];
  if (m === "metadata-null") meta = ['"__metadata__":null'];
  if (m === "array-form") setEntry((e) => e.replace(/^\{"dtype":("\w+"),"shape":(\[[^\]]*\]),"data_offsets":(\[[^\]]*\])\}$/, "[$1,$2,$3]"));
  if (m === "array-form-short") setEntry((e) => e.replace(/^\{"dtype":("\w+"),"shape":(\[[^\]]*\]),"data_offsets":(\[[^\]]*\])\}$/, "[$1,$2]"));
  if (m === "duplicate-name" && i >= 0) entries.push([entries[i][0], entries[i][1]]);
  if (m === "duplicate-field") setEntry((e) => e.replace(/^\{/, '{"dtype":"F32",'));
  if (m === "extra-field") setEntry((e) => e.replace(/\}$/, `,"extra":${JSON.stringify(g.junk)}}`));
  if (m === "deep-extra") setEntry((e) => e.replace(/\}$/, `,"x":${"[".repeat(120 + (g.pick % 10))}${"]".repeat(120 + (g.pick % 10))}}`));
  if (m === "unknown-dtype") setEntry((e) => e.replace(/"dtype":"\w+"/, '"dtype":"F12"'));
  if (m === "lowercase-dtype") setEntry((e) => e.replace(/"dtype":"(\w+)"/, (_, d: string) => `"dtype":"${d.toLowerCase()}"`));
  if (m === "offsets-three") setEntry((e) => e.replace(/"data_offsets":\[(\d+),(\d+)\]/, '"data_offsets":[$1,$2,$2]'));
  if (m === "shape-null") setEntry((e) => e.replace(/"shape":\[[^\]]*\]/, '"shape":null'));
  if (m === "huge-shape") setEntry((e) => e.replace(/"shape":\[/, '"shape":[18446744073709551615,2,'));
  if (m === "tensor-null") setEntry(() => "null");
  let names = entries.map(([n]) => key(n));
  if (m === "lone-surrogate" && i >= 0) names[i] = '"\\ud800x"';
  if (m === "control-char" && i >= 0) names[i] = '"a\u0001"';
  if (m === "escaped-name" && i >= 0) names[i] = '"\\u0061\\n\\ud83d\\ude00"';
  let header = `{${[...meta, ...entries.map(([, e], k) => `${names[k]}:${e}`)].join(",")}}`;
  if (m === "bad-json") header = header.slice(0, -1);
  if (m === "trailing-text") header += `x${g.junk}`;
  if (m === "leading-space") header = ` \n\t${header}  `;
  if (m === "not-object") header = `[${header}]`;
  let headerBytes = Buffer.from(header);
  if (m === "invalid-utf8") headerBytes = Buffer.concat([headerBytes.subarray(0, 2), Buffer.from([0xff]), headerBytes.subarray(2)]);
  return safetensors(headerBytes, data, m === "header-too-long" ? BigInt(headerBytes.length + data.length + 1) : undefined);
}

type Outcome = { ok: true; tensors: Record<string, string> } | { ok: false; unsupported?: boolean };

describe("safetensors: c2m's reader against the reference implementation", () => {
  it("agrees on 700 generated valid and invalid files (accept or refuse, and the bytes)", () => {
    const dir = mkdtempSync(join(tmpdir(), "c2m-stdiff-"));
    // C2M_ADVERSARIAL_SEED and C2M_ADVERSARIAL_RUNS explore further than CI does
    const cases = fc.sample(gen, { numRuns: Number(process.env.C2M_ADVERSARIAL_RUNS ?? 700), seed: Number(process.env.C2M_ADVERSARIAL_SEED ?? 515) });
    const paths = cases.map((g, k) => {
      const p = join(dir, `f${k}.safetensors`);
      writeFileSync(p, build(g));
      return p;
    });
    const script = [
      "import json, sys",
      "from safetensors import deserialize",
      "for p in sys.argv[1:]:",
      "    try:",
      "        out = {n: bytes(t['data']).hex() for n, t in deserialize(open(p, 'rb').read())}",
      "        print(json.dumps({'ok': True, 'tensors': out}))",
      "    except Exception as e:",
      "        print(json.dumps({'ok': False, 'why': str(e)[:200]}))",
    ].join("\n");
    const lines = execFileSync(pythonExecutable(), ["-c", script, ...paths], { encoding: "utf8", maxBuffer: 64 << 20 })
      .trim()
      .split("\n");
    expect(lines.length).toBe(paths.length);
    const counts = { bothAccept: 0, bothRefuse: 0, unsupported: 0 };
    lines.forEach((line, k) => {
      const reference = JSON.parse(line) as Outcome & { why?: string };
      let ours: Outcome;
      try {
        const t = readSafetensors(paths[k]);
        ours = { ok: true, tensors: Object.fromEntries([...t].map(([n, v]) => [n, Buffer.from(v.data).toString("hex")])) };
      } catch (err) {
        expect(err, String(err)).toBeInstanceOf(SafetensorsError);
        ours = { ok: false, unsupported: /c2m does not support/.test((err as Error).message) };
      }
      const context = `case ${k} (${cases[k].mutation}): reference ${line.slice(0, 300)}\nc2m ${JSON.stringify(ours).slice(0, 300)}`;
      if (reference.ok && !ours.ok && ours.unsupported) {
        counts.unsupported++;
        return;
      }
      expect(ours.ok, context).toBe(reference.ok);
      if (reference.ok && ours.ok) {
        expect(ours.tensors, context).toEqual(reference.tensors);
        counts.bothAccept++;
      } else counts.bothRefuse++;
    });
    // the generator reaches both sides
    expect(counts.bothAccept).toBeGreaterThan(50);
    expect(counts.bothRefuse).toBeGreaterThan(200);
  });
});

/** One file per check of the reference's SafeTensors::read_metadata and Metadata::validate. */
const REFERENCE_CHECKS: [string, Buffer][] = [
  ["HeaderTooSmall: fewer than 8 bytes", Buffer.from([1, 0, 0])],
  ["HeaderTooLarge: length over 100,000,000", safetensors("{}", undefined, 100_000_001n)],
  ["InvalidHeaderLength: 8 + length past the end", safetensors("{}", undefined, 50n)],
  ["InvalidHeader: not UTF-8", safetensors(Buffer.from([0x7b, 0xff, 0x7d]))],
  ["InvalidHeaderDeserialization: not JSON", safetensors("{")],
  ["__metadata__ values must be strings", safetensors('{"__metadata__":{"a":1}}')],
  ["InvalidOffset: a gap before the first tensor", safetensors('{"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}', Buffer.alloc(2))],
  ["InvalidOffset: overlapping tensors", safetensors('{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"b":{"dtype":"U8","shape":[2],"data_offsets":[1,3]}}', Buffer.alloc(3))],
  ["InvalidOffset: end before begin", safetensors('{"a":{"dtype":"U8","shape":[0],"data_offsets":[0,0]},"b":{"dtype":"U8","shape":[1],"data_offsets":[1,0]}}', Buffer.alloc(1))],
  ["ValidationOverflow: shape product past 64 bits", safetensors('{"a":{"dtype":"F32","shape":[18446744073709551615,2],"data_offsets":[0,4]}}', Buffer.alloc(4))],
  ["TensorInvalidInfo: bytes disagree with dtype × shape", safetensors('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}', Buffer.alloc(4))],
  ["MetadataIncompleteBuffer: trailing bytes", safetensors('{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}', Buffer.alloc(2))],
  ["usize fields refuse floats", safetensors('{"a":{"dtype":"U8","shape":[1.0],"data_offsets":[0,1]}}', Buffer.alloc(1))],
  ["unknown dtype", safetensors('{"a":{"dtype":"F12","shape":[1],"data_offsets":[0,1]}}', Buffer.alloc(1))],
];

describe("safetensors: each check of the reference, through the CLI", () => {
  it.each(REFERENCE_CHECKS)("%s: refused by c2m and by the reference", (_what, bytes) => {
    const dir = mkdtempSync(join(tmpdir(), "c2m-stcheck-"));
    const input = join(dir, "bad.safetensors");
    writeFileSync(input, bytes);
    writeFileSync(join(dir, "map.py"), 'C2M_WEIGHT_MAPS = {"Net": [("a", "a", "identity")]}\n');
    const reference = execFileSync(
      pythonExecutable(),
      ["-c", "import sys\nfrom safetensors import deserialize\ntry:\n    deserialize(open(sys.argv[1],'rb').read()); print('ok')\nexcept Exception: print('refused')", input],
      { encoding: "utf8" },
    ).trim();
    expect(reference).toBe("refused");
    const before = hashFile(input);
    const r = c2m(["weights", input, "-o", join(dir, "out.safetensors"), "--map", join(dir, "map.py")]);
    expectHandled(r, { exit: [1], names: "bad.safetensors", code: /C2M-E014/, inputs: { [input]: before }, absent: [join(dir, "out.safetensors")], folders: [dir] });
  });
});
