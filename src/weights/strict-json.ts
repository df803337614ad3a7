/**
 * JSON read the way serde_json reads it, for the safetensors header: the reference implementation
 * (huggingface/safetensors, Rust) parses its header with serde_json, and JSON.parse accepts what serde
 * rejects. Differences kept: integers stay exact and apart from floats (`1.0`, `1e0` and `-0` are floats,
 * which a usize field refuses), object entries keep duplicates in order (the reader decides what a
 * duplicate means), lone UTF-16 surrogates in `\u` escapes and raw control characters are errors, only
 * space, tab, LF and CR are whitespace, nesting stops at serde_json's recursion limit (128 levels).
 */

export type StrictJson =
  | { kind: "null" }
  | { kind: "bool"; value: boolean }
  | { kind: "int"; value: bigint }
  | { kind: "float"; value: number }
  | { kind: "string"; value: string }
  | { kind: "array"; items: StrictJson[] }
  | { kind: "object"; entries: [string, StrictJson][] };

export class StrictJsonError extends Error {}

/** serde_json's default recursion limit: the 128th nested array or object is an error. */
const MAX_DEPTH = 127;

export function parseStrictJson(text: string): StrictJson {
  let pos = 0;
  const fail = (what: string): never => {
    throw new StrictJsonError(`${what} at character ${pos + 1}`);
  };
  const ws = () => {
    for (;;) {
      const c = text.charCodeAt(pos);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) pos++;
      else return;
    }
  };
  const literal = (word: string) => {
    if (text.startsWith(word, pos)) pos += word.length;
    else fail("expected a value");
  };
  const string = (): string => {
    pos++; // the opening quote
    let out = "";
    for (;;) {
      if (pos >= text.length) fail("unterminated string");
      const c = text.charCodeAt(pos);
      if (c === 0x22) {
        pos++;
        return out;
      }
      if (c < 0x20) fail("control character in a string");
      if (c !== 0x5c) {
        out += text[pos++];
        continue;
      }
      const e = text[pos + 1];
      pos += 2;
      const simple: Record<string, string> = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };
      if (e !== undefined && e in simple && e !== "u") {
        out += simple[e];
        continue;
      }
      if (e !== "u") fail("invalid escape");
      const unit = hex4();
      if (unit >= 0xdc00 && unit <= 0xdfff) fail("lone trailing surrogate in a \\u escape");
      if (unit >= 0xd800 && unit <= 0xdbff) {
        if (text[pos] !== "\\" || text[pos + 1] !== "u") fail("lone leading surrogate in a \\u escape");
        pos += 2;
        const low = hex4();
        if (low < 0xdc00 || low > 0xdfff) fail("lone leading surrogate in a \\u escape");
        out += String.fromCharCode(unit, low);
      } else out += String.fromCharCode(unit);
    }
  };
  const hex4 = (): number => {
    const h = text.slice(pos, pos + 4);
    if (!/^[0-9a-fA-F]{4}$/.test(h)) fail("invalid \\u escape");
    pos += 4;
    return parseInt(h, 16);
  };
  const number = (): StrictJson => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(pos, pos + 400));
    if (!m) return fail("expected a value");
    pos += m[0].length;
    // serde_json: a fraction, an exponent or a minus zero makes a float
    if (m[2] || m[3] || m[0] === "-0") return { kind: "float", value: Number(m[0]) };
    return { kind: "int", value: BigInt(m[0]) };
  };
  const value = (depth: number): StrictJson => {
    ws();
    const c = text[pos];
    if (c === "{" || c === "[") {
      if (depth > MAX_DEPTH) fail("recursion limit exceeded");
      pos++;
      ws();
      if (c === "[") {
        const items: StrictJson[] = [];
        if (text[pos] === "]") {
          pos++;
          return { kind: "array", items };
        }
        for (;;) {
          items.push(value(depth + 1));
          ws();
          if (text[pos] === ",") pos++;
          else if (text[pos] === "]") {
            pos++;
            return { kind: "array", items };
          } else fail("expected ',' or ']'");
        }
      }
      const entries: [string, StrictJson][] = [];
      if (text[pos] === "}") {
        pos++;
        return { kind: "object", entries };
      }
      for (;;) {
        ws();
        if (text[pos] !== '"') fail("key must be a string");
        const key = string();
        ws();
        if (text[pos] !== ":") fail("expected ':'");
        pos++;
        entries.push([key, value(depth + 1)]);
        ws();
        if (text[pos] === ",") pos++;
        else if (text[pos] === "}") {
          pos++;
          return { kind: "object", entries };
        } else fail("expected ',' or '}'");
      }
    }
    if (c === '"') return { kind: "string", value: string() };
    if (c === "t") return (literal("true"), { kind: "bool", value: true });
    if (c === "f") return (literal("false"), { kind: "bool", value: false });
    if (c === "n") return (literal("null"), { kind: "null" });
    if (c === "-" || (c !== undefined && c >= "0" && c <= "9")) return number();
    return fail(pos >= text.length ? "EOF while parsing a value" : "expected a value");
  };
  const result = value(1);
  ws();
  if (pos !== text.length) fail("trailing characters");
  return result;
}

/**
 * `line:col` (1-based) of the first JSON error in `text`, for messages about a user's JSON file (Node's
 * JSON.parse gives a position only for some errors). Undefined when the text parses.
 */
export function jsonErrorLocation(text: string): string | undefined {
  try {
    parseStrictJson(text);
    return undefined;
  } catch (err) {
    const at = /at character (\d+)$/.exec(err instanceof Error ? err.message : "");
    if (!at) return undefined;
    const index = Math.min(Number(at[1]) - 1, text.length);
    const before = text.slice(0, index);
    return `${before.split("\n").length}:${index - before.lastIndexOf("\n")}`;
  }
}
