/**
 * The kernel zoo's own census of a corpus file: every `__global__` definition in the file and in the
 * local headers it includes, found by a scan that shares nothing with the translator, so that a kernel
 * the translator misses (an include not followed, a file that does not parse) still counts in N.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { preprocessCuda, type PreprocessHost } from "../passes/kernel/preprocess.js";

export interface KernelSite {
  name: string;
  /** file that defines it, relative to the corpus root */
  file: string;
  /** 1-based lines of the definition, signature through closing brace */
  line: number;
  endLine: number;
}

/** Comments become spaces (newlines kept), so lines and columns still match the file. */
export function blankComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*|"(?:\\.|[^"\\\n])*"/g, (m) => (m.startsWith('"') ? m : m.replace(/[^\n]/g, " ")));
}

/** Quoted includes only: angle-bracket includes are system headers (cuda_runtime.h, torch, cub). */
export function localIncludes(text: string): string[] {
  return [...blankComments(text).matchAll(/^[ \t]*#[ \t]*include[ \t]*"([^"]+)"/gm)].map((m) => m[1]!);
}

/** Where `#include "name"` from `fromDir` lands: next to the including file, then each include folder. */
export function resolveInclude(name: string, fromDir: string, includeDirs: string[]): string | undefined {
  for (const dir of [fromDir, ...includeDirs]) {
    const p = join(dir, name);
    if (existsSync(p)) return p;
  }
  return undefined;
}

function lineAt(text: string, offset: number): number {
  let n = 1;
  for (let i = 0; i < offset; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}

/** Index just past the bracket that closes the one at `open` (same kind), or -1. */
function closing(text: string, open: number): number {
  const o = text[open]!;
  const c = o === "(" ? ")" : "}";
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === o) depth++;
    else if (text[i] === c && --depth === 0) return i + 1;
  }
  return -1;
}

/** `__global__` definitions (not declarations) of one file's text. */
export function kernelsIn(text: string, file: string): KernelSite[] {
  const src = blankComments(text);
  const out: KernelSite[] = [];
  for (const m of src.matchAll(/\b__global__\b/g)) {
    // the kernel's name is the last identifier before the first '(' that is not an attribute's
    let i = m.index! + m[0].length;
    let name: string | undefined;
    for (;;) {
      const paren = src.indexOf("(", i);
      if (paren < 0) break;
      const before = /([A-Za-z_]\w*)\s*$/.exec(src.slice(i, paren));
      if (before && /^__(launch_bounds|align)__$|^__attribute__$/.test(before[1]!)) {
        i = closing(src, paren);
        if (i < 0) break;
        continue;
      }
      name = before?.[1];
      const end = closing(src, paren);
      if (!name || end < 0) break;
      const rest = /^[\s\w()]*?(\{|;)/.exec(src.slice(end));
      if (rest?.[1] === "{") {
        const open = end + rest.index + rest[0].length - 1;
        const close = closing(src, open);
        out.push({ name, file, line: lineAt(src, m.index!), endLine: lineAt(src, close < 0 ? src.length : close) });
      }
      break;
    }
  }
  return out;
}

/**
 * The file's kernels and those of every local header it reaches (each header once), in the branches of
 * `#if`/`#ifdef` a default build compiles (`#ifdef ENABLE_CUDNN` blocks are not counted). The
 * conditionals are decided by c2m's preprocessor, the one piece shared with the translator: what
 * nvcc would compile is what there is to translate.
 */
export function kernelCensus(path: string, root: string, includeDirs: string[], defines?: Record<string, string>): KernelSite[] {
  const host: PreprocessHost = {
    include(name, fromFile) {
      const p = resolveInclude(name, dirname(fromFile), includeDirs);
      return p ? { path: p, text: readFileSync(p, "utf8") } : undefined;
    },
  };
  const pre = preprocessCuda(readFileSync(path, "utf8"), path, host, defines);
  return kernelsIn(pre.text, path).map((k) => {
    const from = pre.origins[k.line - 1]!;
    const to = pre.origins[k.endLine - 1]!;
    return { ...k, file: relative(root, from.file), line: from.line, endLine: to.file === from.file ? to.line : from.line };
  });
}
