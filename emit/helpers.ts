/** Loads cookbook helper sources (cookbook/helpers/<name>.py) and orders them so that needs come first. */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { HELPERS } from "../cookbook/helpers/registry.js";
import { packageRoot } from "../ir/package-root.js";

const cache = new Map<string, string>();

function helperFile(name: string): string {
  const file = HELPERS[name]?.file ?? `${name}.py`;
  return join(packageRoot(), "cookbook", "helpers", file);
}

export function helperSource(name: string): string {
  let src = cache.get(name);
  if (src === undefined) {
    const path = helperFile(name);
    if (!existsSync(path)) throw new Error(`c2m internal: cookbook helper '${name}' has no file ${path}`);
    src = readFileSync(path, "utf8");
    cache.set(name, src);
  }
  return src;
}

/** Helper names with their dependencies, dependencies first, each once. */
export function orderHelpers(names: Iterable<string>): string[] {
  const out: string[] = [];
  const visit = (n: string) => {
    if (out.includes(n)) return;
    for (const dep of HELPERS[n]?.needs ?? []) visit(dep);
    out.push(n);
  };
  for (const n of [...names].sort()) visit(n);
  return out;
}

/** Splits a helper's source into its import lines and its body. */
export function splitImports(src: string): { imports: string[]; body: string } {
  const imports: string[] = [];
  const body: string[] = [];
  let inHeader = true;
  for (const line of src.split("\n")) {
    if (inHeader && /^(import |from \S+ import )/.test(line)) imports.push(line.trim());
    else if (inHeader && (line.trim() === "" || line.startsWith("#"))) {
      if (line.startsWith("#")) body.push(line);
    } else {
      inHeader = false;
      body.push(line);
    }
  }
  return { imports, body: body.join("\n").trim() };
}
