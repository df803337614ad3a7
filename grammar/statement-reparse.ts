/**
 * The plain tree (grammar/syntax-tree.ts) of a text made by editing another, parsing only the statements the
 * edits touch: the emitter's output is its input with a few hundred scattered edits (emit/python.ts), and a
 * whole parse of it cost more than the input's own parse and copy. Every other node is copied from the old
 * plain tree in JavaScript, shifted; the statements the edits touch are parsed in one native parse of a text
 * that holds each of them alone.
 *
 * Why a statement parses alone as it does in its file: at the start of a line outside brackets, Python's
 * tokenizer holds no state but its stack of indentations, so a statement that starts a line parses the same
 * after any text that leaves the same stack: `if 1:` lines at each enclosing block's indentation rebuild it.
 * What follows a statement changes its parse only through the next token, which here is a statement at one of
 * the enclosing indentations (never a comment, which tree-sitter places by what follows it): `pass` at that
 * indentation stands for it (grammar/reparse.ts makes the same argument for top-level statements). Statements
 * that share a line (`a = 1; b = 2`, a trailing comment) are parsed together; an edit that no statement's lines
 * hold alone is parsed with the statement around it, up to a top-level one. test/statement-reparse.test.ts
 * compares the result with a whole parse.
 */
import { parsePython, plainTreeOf } from "./python.js";
import type { TextEdit } from "./incremental.js";
import { SyntaxNode, Tree } from "./syntax-tree.js";

/** The children of a block (or the module) that share lines, as one run of lines `start`..`end` (the `\n` ending the last). */
interface LineGroup {
  first: number;
  last: number;
  start: number;
  end: number;
  /** only indentation precedes the first child on its line */
  startsLine: boolean;
}

/** Groups `first`..`last` of a block or the module: the lines one parse of the edited text covers. */
interface Unit {
  container: SyntaxNode;
  first: number;
  last: number;
  /** the units around this one, outermost first (their containers enclose this one's), for the indentations and for widening */
  outer: Unit[];
  /**
   * set when the unit is the header of a class or function (its decorators, name, parameters...) and not its body,
   * a block whose lines are taken from the old tree or parsed as units of their own
   */
  body?: SyntaxNode;
}

/** What a unit becomes in the text parsed: where its own text and its stand-in start there, and its place in the new text. */
interface Chunk {
  unit: Unit;
  /** the indentation of each enclosing block, the module's ("") first */
  levels: string[];
  at: number;
  unitAt: number;
  unitEnd: number;
  /** where the stand-in `pass` starts (-1: the unit runs to the end of the text) */
  standIn: number;
  /** the indentation level of the stand-in */
  standInLevel: number;
  /** where the unit's text starts and ends in the new text */
  newStart: number;
  newEnd: number;
  /** the `if 1:` lines before the unit, and the text between its end and the stand-in */
  prefix: string;
  gap: string;
}

const WHITESPACE = /[ \t\f\v\r\n]/;
const BLANK = /[ \t\f\v\r]/;

/**
 * The plain tree of `text`, which is `old.source` with `edits` applied (sorted, not overlapping), taking every
 * node no edit touched from `old` (error-free). Undefined where a part parsed alone has a syntax error or does
 * not end as its stand-in says: the caller parses the whole text.
 */
export function plainTreeByStatements(old: Tree, text: string, edits: readonly TextEdit[]): Tree | undefined {
  const root = old.rootNode;
  const src = old.source;
  if (root.hasError || !edits.length) return undefined;
  const lineStart = (p: number) => src.lastIndexOf("\n", p - 1) + 1;
  /** the `\n` ending the line of `p`, past the blank lines after it (an insertion there, a method after a class's last one, is the line's) */
  const lineEnd = (p: number) => {
    let i = src.indexOf("\n", p);
    if (i < 0) return src.length;
    for (;;) {
      let j = i + 1;
      while (j < src.length && BLANK.test(src[j])) j++;
      if (src[j] !== "\n") return i;
      i = j;
    }
  };
  const groupCache = new Map<SyntaxNode, LineGroup[]>();
  const groupsOf = (container: SyntaxNode): LineGroup[] => {
    let groups = groupCache.get(container);
    if (groups) return groups;
    groups = [];
    const kids = container.children;
    for (let i = 0; i < kids.length; i++) {
      const start = lineStart(kids[i].startIndex);
      const end = lineEnd(kids[i].endIndex);
      const last = groups[groups.length - 1];
      if (last && start <= last.end) {
        last.last = i;
        last.end = Math.max(last.end, end);
      } else groups.push({ first: i, last: i, start, end, startsLine: /^[ \t]*$/.test(src.slice(start, kids[i].startIndex)) });
    }
    // the module's lines run from the text's start to its end (blank lines and all)
    if (container === root && groups.length) {
      groups[0].start = 0;
      groups[0].startsLine = true;
      groups[groups.length - 1].end = src.length;
    }
    groupCache.set(container, groups);
    return groups;
  };
  const firstChild = (u: Unit) => u.container.children[groupsOf(u.container)[u.first].first];
  /** the indentation of a unit's first line (only indentation precedes its first child there) */
  const indentation = (u: Unit) => src.slice(lineStart(firstChild(u).startIndex), firstChild(u).startIndex);
  const rangeOf = (u: Unit): [number, number] => {
    const g = groupsOf(u.container);
    return [g[u.first].start, u.body ? lineStart(u.body.startIndex) - 1 : g[u.last].end];
  };

  // each edit's unit: the innermost run of line groups whose lines hold it
  const units: Unit[] = [];
  for (const e of edits) {
    const u = unitOf(src, root, e, groupsOf, lineStart, lineEnd);
    if (!u) return undefined;
    units.push(u);
  }

  // new-text positions: before the insertions at an old position, and after them
  const shiftBefore: number[] = [0];
  for (const e of edits) shiftBefore.push(shiftBefore[shiftBefore.length - 1] + e.text.length - (e.end - e.start));
  /** the number of edits wholly before `p` (an insertion at `p` is not), or at or before it (`inclusive`) */
  const editsBefore = (p: number, inclusive: boolean) => {
    let lo = 0;
    let hi = edits.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const e = edits[mid];
      const before = inclusive ? e.end <= p && e.start <= p : e.end < p || (e.end === p && e.start < p);
      if (before) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const newStartOf = (p: number) => p + shiftBefore[editsBefore(p, false)];
  const newEndOf = (p: number) => p + shiftBefore[editsBefore(p, true)];

  // merge the units (nested ones go into the outer, overlapping ones of a block join), then check what follows each:
  // a unit followed by a comment takes the comment's line in, one that cannot be stood in for widens to the unit
  // around it (which then takes in the units before it that it holds)
  const queue = mergeUnits(units, rangeOf);
  if (!queue) return undefined;
  const decided: Chunk[] = [];
  for (let i = 0, guard = 0; i < queue.length; guard++) {
    if (guard > 4 * queue.length + 64) return undefined;
    let u = queue[i];
    let [start, end] = rangeOf(u);
    const prev = decided[decided.length - 1];
    if (prev) {
      const [ps, pe] = rangeOf(prev.unit);
      if (start >= ps && end <= pe) {
        i++;
        continue;
      }
      if (start <= ps && end >= pe) {
        decided.pop();
        continue;
      }
      if (start <= pe) {
        // overlapping runs of one block join (a header joined with what follows it is its whole statement)
        if (prev.unit.container !== u.container) return undefined;
        decided.pop();
        u = queue[i] = { container: u.container, first: prev.unit.first, last: Math.max(prev.unit.last, u.last), outer: u.outer };
        [start, end] = rangeOf(u);
      }
    }
    const levels = [...u.outer.map(indentation), u.container === root ? "" : indentation(u)];
    const newStart = newStartOf(start);
    const newEnd = newEndOf(end);
    const widen = (to: Unit | undefined): boolean => {
      if (!to) return false;
      queue[i] = to;
      return true;
    };
    // a line of the unit's new text less indented than the unit (a statement appended after a class's last method)
    // belongs to a block around it: the unit widens to that block's statement
    if (u.outer.length && shallowerLine(text, newStart, newEnd, levels[levels.length - 1].length)) {
      widen(u.outer[u.outer.length - 1]);
      continue;
    }
    // a comment first goes where what precedes it says (after `if 1:` tree-sitter puts it before the block):
    // the unit takes in the group before it
    let lead = newStart;
    while (lead < newEnd && WHITESPACE.test(text[lead])) lead++;
    if (u.outer.length && text[lead] === "#") {
      if (!widen(u.first > 0 && !u.body ? { ...u, first: u.first - 1 } : u.outer[u.outer.length - 1])) return undefined;
      continue;
    }
    let standInLevel = -1;
    let gap = "";
    if (end < src.length) {
      let q = newEnd;
      while (q < text.length && WHITESPACE.test(text[q])) q++;
      const indent = text.slice(text.lastIndexOf("\n", q - 1) + 1, q);
      // a header's stand-in is its body's: `pass` at the body's indentation
      const level = u.body ? (indent === src.slice(lineStart(u.body.startIndex), u.body.startIndex) ? HEADER : -1) : levels.indexOf(indent);
      if (q < text.length && text[q] !== "#" && text.lastIndexOf("\n", q - 1) >= newEnd && level !== -1) {
        gap = text.slice(newEnd, q);
        standInLevel = level;
      } else {
        const groups = groupsOf(u.container);
        const ok = u.body
          ? widen({ container: u.container, first: u.first, last: u.last, outer: u.outer })
          : q < text.length && text[q] === "#" && u.last + 1 < groups.length
            ? widen({ ...u, last: u.last + 1 })
            : widen(u.outer[u.outer.length - 1]);
        if (!ok) return undefined;
        continue;
      }
    }
    const prefix = levels
      .slice(0, -1)
      .map((l) => `${l}if 1:\n`)
      .join("");
    decided.push({ unit: u, levels, at: 0, unitAt: 0, unitEnd: 0, standIn: -1, standInLevel, newStart, newEnd, prefix, gap });
    i++;
  }
  // where each unit's text goes in the text parsed
  let at = 0;
  for (const c of decided) {
    c.at = at;
    c.unitAt = at + c.prefix.length;
    c.unitEnd = c.unitAt + (c.newEnd - c.newStart);
    c.standIn = rangeOf(c.unit)[1] < src.length ? c.unitEnd + c.gap.length : -1;
    at = c.standIn < 0 ? c.unitEnd : c.standIn + PASS.length;
  }
  const chunks = decided;

  // one parse of every unit, each alone after its enclosing indentations
  const synthetic = chunks.map((c) => `${c.prefix}${text.slice(c.newStart, c.newEnd)}${c.standIn < 0 ? "" : c.gap + PASS}`).join("");
  const native = parsePython(synthetic);
  if (native.rootNode.hasError) return undefined;
  const parsed = plainTreeOf(native, synthetic).rootNode;
  const nodesOf = new Map<Unit, SyntaxNode[]>();
  /** per header unit: the stand-in block of its parse, which the old body (rebuilt) replaces */
  const standInBody = new Map<Unit, SyntaxNode>();
  for (const c of chunks) {
    const nodes = unitNodes(parsed, c, synthetic.length);
    if (!nodes) return undefined;
    if (c.unit.body) {
      const block = bodyOf(nodes[nodes.length - 1]);
      if (!block || block.children.length !== 1 || block.children[0].type !== "pass_statement" || block.children[0].startIndex !== c.standIn) return undefined;
      standInBody.set(c.unit, block);
    }
    nodesOf.set(c.unit, nodes);
  }

  // the new tree: the old one copied, shifted, with each unit's children replaced by its parse
  const unitAtChild = new Map<SyntaxNode, Chunk>();
  const holdsUnit = new Set<SyntaxNode>();
  for (const c of chunks) {
    unitAtChild.set(firstChild(c.unit), c);
    for (let n: SyntaxNode | null = c.unit.container; n; n = n.parent) holdsUnit.add(n);
  }
  const first = chunks[0];
  const last = chunks[chunks.length - 1];
  const firstStartsText = first.unit.container === root && first.unit.first === 0;
  if (edits[0].start <= root.startIndex && !firstStartsText) return undefined;
  let failed = false;
  const tree = new Tree(text, (tree) => {
    const build = (n: SyntaxNode): SyntaxNode => {
      if (!holdsUnit.has(n)) {
        const copy = SyntaxNode.clone(n, tree, newStartOf(n.startIndex) - n.startIndex);
        copy.fieldName = n.fieldName;
        return copy;
      }
      const out = new SyntaxNode(tree, n.type, n.isNamed, false, -1, -1);
      out.fieldName = n.fieldName;
      const kids: SyntaxNode[] = [];
      const old = n.children;
      for (let i = 0; i < old.length; i++) {
        const c = unitAtChild.get(old[i]);
        if (!c) {
          kids.push(build(old[i]));
          continue;
        }
        const delta = c.newStart - c.unitAt;
        for (const k of nodesOf.get(c.unit)!) {
          SyntaxNode.move(k, tree, delta);
          kids.push(k);
        }
        const stand = standInBody.get(c.unit);
        if (stand) {
          // the header's parse around the old body, rebuilt; the nodes that hold it end where it ends
          const body = build(c.unit.body!);
          const holder = stand.parent!;
          holder.children[holder.children.indexOf(stand)] = body;
          body.parent = holder;
          const own = nodesOf.get(c.unit)!;
          const statement = own[own.length - 1];
          for (let h: SyntaxNode | null = holder; h; h = h === statement ? null : h.parent) h.endIndex = h.children[h.children.length - 1].endIndex;
        }
        i = groupsOf(n)[c.unit.last].last;
      }
      if (!kids.length) failed = true;
      else SyntaxNode.link(out, kids);
      if (kids.length) {
        out.startIndex = kids[0].startIndex;
        out.endIndex = kids[kids.length - 1].endIndex;
      }
      return out;
    };
    const out = build(root);
    // the module's span reaches its hidden tokens: the parse of its first and last units says where they are
    out.startIndex = edits[0].start <= root.startIndex ? parsed.startIndex : root.startIndex;
    out.endIndex = last.standIn < 0 ? parsed.endIndex + (text.length - synthetic.length) : root.endIndex + (text.length - src.length);
    return out;
  });
  return failed ? undefined : tree;
}

const PASS = "pass\n";
/** Whether a line of `text` from `start` to `end` starts (after its indentation) with code less indented than `indent` columns. */
function shallowerLine(text: string, start: number, end: number, indent: number): boolean {
  for (let i = text.indexOf("\n", start); i >= 0 && i < end; i = text.indexOf("\n", i + 1)) {
    let j = i + 1;
    while (j < end && (text[j] === " " || text[j] === "\t")) j++;
    if (j < end && j - i - 1 < indent && text[j] !== "\n" && text[j] !== "\r" && text[j] !== "#") return true;
  }
  return false;
}

/** the stand-in level of a header unit: inside the statement, as its body */
const HEADER = -2;

/** The block of a class or function definition (decorated or not), when its first statement starts a line of its own. */
function bodyOf(statement: SyntaxNode): SyntaxNode | undefined {
  const def = statement.type === "decorated_definition" ? statement.childForFieldName("definition") : statement;
  if (def?.type !== "class_definition" && def?.type !== "function_definition") return undefined;
  const body = def.childForFieldName("body");
  return body?.type === "block" ? body : undefined;
}

/** The innermost run of line groups that holds the edit alone, and the runs around it; undefined when not even the module's does. */
function unitOf(
  src: string,
  root: SyntaxNode,
  e: TextEdit,
  groupsOf: (container: SyntaxNode) => LineGroup[],
  lineStart: (p: number) => number,
  lineEnd: (p: number) => number,
): Unit | undefined {
  const outer: Unit[] = [];
  let container = root;
  for (;;) {
    const groups = groupsOf(container);
    // the last group starting at or before the edit, the first ending at or after it
    let first = -1;
    for (let lo = 0, hi = groups.length - 1; lo <= hi; ) {
      const mid = (lo + hi) >> 1;
      if (groups[mid].start <= e.start) {
        first = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    let last = groups.length;
    for (let lo = 0, hi = groups.length - 1; lo <= hi; ) {
      const mid = (lo + hi) >> 1;
      if (groups[mid].end >= e.end) {
        last = mid;
        hi = mid - 1;
      } else lo = mid + 1;
    }
    if (first < 0 || last >= groups.length || first > last) return outer.pop();
    for (let g = first; g <= last; g++) if (!groups[g].startsLine) return outer.pop();
    const unit: Unit = { container, first, last, outer: [...outer] };
    if (first !== last || groups[first].first !== groups[first].last) return unit;
    // one statement alone: a block inside it whose lines hold the edit
    const statement = container.children[groups[first].first];
    let n = statement;
    let block: SyntaxNode | undefined;
    while (!block) {
      const kids = n.children;
      let inner: SyntaxNode | undefined;
      for (let i = 0; i < kids.length && !inner; i++) if (lineStart(kids[i].startIndex) <= e.start && e.end <= lineEnd(kids[i].endIndex)) inner = kids[i];
      if (!inner) {
        // an edit in a definition's header lines (`def forward` renamed, a base class): the header alone
        const body = bodyOf(statement);
        const bodyLine = body ? lineStart(body.startIndex) : 0;
        if (body && /^[ \t]*$/.test(src.slice(bodyLine, body.startIndex)) && bodyLine > groups[first].start && e.end < bodyLine) return { ...unit, body };
        return unit;
      }
      if (inner.type === "block") block = inner;
      else n = inner;
    }
    outer.push(unit);
    container = block;
  }
}

/** Units with nested ones dropped and overlapping ones (of one block) joined, in text order; undefined when two overlap otherwise. */
function mergeUnits(units: Unit[], rangeOf: (u: Unit) => [number, number]): Unit[] | undefined {
  const sorted = units.map((u) => ({ u, r: rangeOf(u) })).sort((a, b) => a.r[0] - b.r[0] || b.r[1] - a.r[1]);
  const out: { u: Unit; r: [number, number] }[] = [];
  for (const x of sorted) {
    const prev = out[out.length - 1];
    if (!prev || x.r[0] > prev.r[1]) out.push(x);
    else if (x.r[1] <= prev.r[1]) continue;
    else if (x.u.container === prev.u.container) {
      // a header joined with what follows it is its whole statement
      prev.u = { container: prev.u.container, first: prev.u.first, last: Math.max(prev.u.last, x.u.last), outer: prev.u.outer };
      prev.r = rangeOf(prev.u);
    } else return undefined;
  }
  return out.map((x) => x.u);
}

/**
 * The nodes a unit parsed into, after checking that its chunk parsed as built: the `if 1:` lines nest as written,
 * the unit's own nodes lie within its text, and the stand-in is a `pass` of its own where it was put.
 */
function unitNodes(parsed: SyntaxNode, c: Chunk, syntheticLength: number): SyntaxNode[] | undefined {
  const end = c.standIn < 0 ? syntheticLength : c.standIn + PASS.length;
  let container = parsed;
  let wrapperAt = c.at;
  let own: SyntaxNode[] | undefined;
  for (let level = 0; level < c.levels.length; level++) {
    const kids = container.children.filter((k) => k.startIndex >= c.at && k.endIndex <= end);
    const standIn = level === c.standInLevel ? kids.pop() : undefined;
    if (standIn && (standIn.type !== "pass_statement" || standIn.startIndex !== c.standIn)) return undefined;
    if (level === c.levels.length - 1) {
      // a header's statement ends with its stand-in body
      const ownEnd = c.standInLevel === HEADER ? end : c.unitEnd;
      if (kids.some((k) => k.startIndex < c.unitAt || k.endIndex > ownEnd)) return undefined;
      own = kids;
      break;
    }
    wrapperAt += c.levels[level].length;
    const wrapper = kids[0];
    if (kids.length !== 1 || wrapper.type !== "if_statement" || wrapper.startIndex !== wrapperAt) return undefined;
    const block = wrapper.childForFieldName("consequence");
    // the wrapper is `if 1:` and its block, nothing else (a comment the unit starts with would sit in it)
    if (!block || block.type !== "block" || wrapper.children.length !== 4) return undefined;
    wrapperAt += "if 1:\n".length;
    container = block;
  }
  return own;
}
