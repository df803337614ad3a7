/**
 * The zoo's cases are data: one table per package, test/zoo/cases/<package>.json —
 *   {"package", "version", "defaults": {inputs?, atol?, rtol?, seed?}, "cases": [{"name", "module", "build",
 *    "inputs"?, "ci"?, "atol"?, "rtol"?, "seed"?}]}
 * `module` is where the package defines the model; `build` a Python expression evaluated in that module's
 * namespace on both sides (the package's own constructor at a small config); `inputs` seeded tensors
 * (float ~ N(0, 1); integers need `high`; `name` passes one by keyword); `ci` puts the case in `npm test`. An output
 * matches torch's where max |a - b| <= atol + rtol * max |b|: `atol` (default 1e-4) for outputs of ordinary size,
 * `rtol` (default 0) for a model whose activations are large (timm's inception_v3, logits ~1e10 at a small input,
 * agree to 3e-6 of the largest). The scale is the output's largest magnitude, not each element's (numpy's allclose):
 * float32 rounding grows with the activations the whole output is computed from, so a small logit beside large ones
 * carries their error.
 * A table may name a `root` (relative to the repository): the folder that holds its packages when they are
 * vendored source rather than installed (test/zoo/vendor, real model code from GitHub; an absolute root is taken as is). The root goes first on
 * every Python child's path, and the closure is copied from there instead of site-packages; one table's cases
 * may then span several top-level packages (one per vendored repository).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { packageRoot } from "../../python.js";

export interface ZooInput {
  shape: number[];
  dtype?: string;
  low?: number;
  high?: number;
  /** keyword argument name; positional when absent */
  name?: string;
}

export interface ZooCase {
  /** `<package>/<model>`, unique */
  name: string;
  package: string;
  module: string;
  build: string;
  inputs: ZooInput[];
  ci: boolean;
  atol?: number;
  /** relative tolerance: max |a - b| <= atol + rtol * max |b| */
  rtol?: number;
  seed?: number;
  /** absolute folder holding the case's package when the table vendors it (else it is installed) */
  root?: string;
}

interface CaseTable {
  package: string;
  version: string;
  /** the folder (relative to the repository) holding the table's vendored packages */
  root?: string;
  defaults?: { inputs?: ZooInput[]; atol?: number; rtol?: number; seed?: number };
  cases: (Omit<ZooCase, "package" | "ci" | "inputs" | "name"> & { name: string; inputs?: ZooInput[]; ci?: boolean })[];
}

export const casesDir = (): string => join(packageRoot(), "test", "zoo", "cases");

/** Every case of every table, in table order (tables sorted by file name); names are checked unique. */
export function loadCases(dir = casesDir()): ZooCase[] {
  const all: ZooCase[] = [];
  const seen = new Set<string>();
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()) {
    const table = JSON.parse(readFileSync(join(dir, file), "utf8")) as CaseTable;
    for (const row of table.cases) {
      const inputs = row.inputs ?? table.defaults?.inputs;
      if (!inputs) throw new Error(`${file}: case ${row.name} has no inputs and the table no default`);
      const name = `${table.package}/${row.name}`;
      if (seen.has(name)) throw new Error(`${file}: case ${name} appears twice`);
      seen.add(name);
      const root = table.root ? resolve(packageRoot(), table.root) : undefined;
      all.push({
        ...row,
        name,
        package: table.package,
        inputs,
        ci: row.ci === true,
        atol: row.atol ?? table.defaults?.atol,
        rtol: row.rtol ?? table.defaults?.rtol,
        seed: row.seed ?? table.defaults?.seed,
        ...(root ? { root } : {}),
      });
    }
  }
  return all;
}
