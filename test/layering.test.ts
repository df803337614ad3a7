/**
 * The folders are the pipeline (shared/design.md): grammar → ir → (cookbook data) → passes → emit, and src is the shell. A folder
 * imports only folders at or above it in that order; nothing below src imports src. This reads every import line.
 */
import { describe, expect, it } from "vitest";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { packageRoot } from "../src/python.js";

// cookbook is data (rules, helper registry) that passes and emit read; it sits just under ir
const ORDER = ["grammar", "ir", "cookbook", "passes", "emit"] as const;
const root = packageRoot();

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...tsFiles(path));
    else if (name.endsWith(".ts") && !name.endsWith(".d.ts")) out.push(path);
  }
  return out;
}

/** Relative module specifiers of every import/export-from in a file (static and dynamic). */
function importsOf(source: string): string[] {
  const specs: string[] = [];
  const re = /(?:^|\n)\s*(?:import|export)\b[^;]*?from\s+"(\.[^"]+)"|import\(\s*"(\.[^"]+)"\s*\)/g;
  for (const m of source.matchAll(re)) specs.push(m[1] ?? m[2]);
  return specs;
}

const topFolder = (path: string) => relative(root, path).split(sep)[0];

describe("imports point down the pipeline only", () => {
  for (const folder of ORDER) {
    it(`${folder}/ imports nothing from src/ or from a folder below it`, () => {
      const allowed = new Set(ORDER.slice(0, ORDER.indexOf(folder) + 1));
      const bad: string[] = [];
      for (const file of tsFiles(join(root, folder))) {
        for (const spec of importsOf(readFileSync(file, "utf8"))) {
          const target = topFolder(resolve(dirname(file), spec));
          if (!allowed.has(target as (typeof ORDER)[number])) bad.push(`${relative(root, file)} → ${spec}`);
        }
      }
      expect(bad).toEqual([]);
    });
  }
});
