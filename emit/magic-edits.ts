/**
 * The edits a MagicString holds, as replacements of spans of its original text: what an incremental parse of
 * its output needs (grammar/incremental.ts). Read from magic-string's chunk list, which holds the original cut
 * into chunks in order, each with its text (`content`, when edited) and what was added before (`intro`) and
 * after (`outro`) it; the string's own `intro`/`outro` are what was prepended and appended.
 */
import type MagicString from "magic-string";
import type { TextEdit } from "../grammar/incremental.js";

/** What of magic-string's chunks is read here (its internal shape; checked against the output's length). */
interface Chunk {
  start: number;
  end: number;
  original: string;
  content: string;
  intro: string;
  outro: string;
  next: Chunk | null;
}
interface MagicInternals {
  intro: string;
  outro: string;
  firstChunk: Chunk;
}

/**
 * The edits that make `s.toString()` (given as `text`) of `s.original`, sorted, adjacent ones merged; undefined
 * when the chunks are not the original in order (a move) or do not add up to `text`'s length.
 */
export function editsOf(s: MagicString, text: string): TextEdit[] | undefined {
  const m = s as unknown as MagicInternals;
  const edits: TextEdit[] = [];
  let length = 0;
  const add = (start: number, end: number, inserted: string) => {
    length += inserted.length;
    if (start === end && !inserted) return;
    const last = edits[edits.length - 1];
    if (last && last.end === start) {
      last.end = end;
      last.text += inserted;
    } else edits.push({ start, end, text: inserted });
  };
  add(0, 0, m.intro);
  let at = 0;
  for (let c: Chunk | null = m.firstChunk; c; c = c.next) {
    if (c.start !== at) return undefined;
    add(c.start, c.start, c.intro);
    if (c.content !== c.original) add(c.start, c.end, c.content);
    else length += c.content.length;
    add(c.end, c.end, c.outro);
    at = c.end;
  }
  add(at, at, m.outro);
  return length === text.length ? edits : undefined;
}
