/**
 * `npm run zoo -- --render RESULTS.json --rejudge WORK`: judge the failing cases of a finished run again from its
 * kept scratch folder (each package's compile.json and emitted tree, each case's mlx.json), without compiling or
 * running anything: the attribution rules (./attribute.ts) can change and be read against a full run in seconds.
 * Only `diagnosed` and `silent` cases are judged again; the rest (parity, internal, unparsable, setup) keep
 * their class, which attribution does not decide.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { classify, type CaseResult, type CompileRecord, type Diag } from "./classify.js";
import type { ZooCase } from "./cases.js";
import { emittedTree, type MlxRecord } from "./zoo.js";

const safeName = (name: string): string => name.replace(/[^A-Za-z0-9_.-]+/g, "_");

interface CompileJson {
  files: { input: string; status: string; diagnostics: Diag[] }[];
}

/** The compile record the attribution reads (diagnostics, written files), from a kept compile.json. */
function keptCompile(dir: string): CompileRecord | null {
  const path = join(dir, "compile.json");
  if (!existsSync(path)) return null;
  const parsed = JSON.parse(readFileSync(path, "utf8")) as CompileJson;
  const src = join(dir, "src");
  const record: CompileRecord = {
    out: join(dir, "out"),
    seconds: 0,
    diagnostics: [],
    written: [],
    crash: null,
    pyflakes: null,
    pyflakesAdded: [],
    checks: new Map(),
    analyze: null,
  };
  for (const f of parsed.files) {
    const rel = relative(src, f.input);
    if (f.status === "ok") record.written.push(rel);
    for (const d of f.diagnostics) record.diagnostics.push({ code: d.code, severity: d.severity, message: d.message, file: rel, line: d.line, col: d.col });
  }
  return record;
}

export function rejudge(results: CaseResult[], work: string): CaseResult[] {
  const closures = JSON.parse(readFileSync(join(work, "closure.json"), "utf8")) as { cases: Record<string, { files?: string[] }> };
  const compiles = new Map<string, CompileRecord | null>();
  return results.map((r) => {
    if (r.status !== "diagnosed" && r.status !== "silent") return r;
    if (r.stage === "torch-import") return r;
    if (!compiles.has(r.package)) compiles.set(r.package, keptCompile(join(work, "compile", safeName(r.package))));
    const compile = compiles.get(r.package);
    const mlxPath = join(work, "torch", safeName(r.name), "mlx.json");
    if (!compile || !existsSync(mlxPath)) return r;
    const mlx = JSON.parse(readFileSync(mlxPath, "utf8")) as MlxRecord;
    const c: ZooCase = { name: r.name, package: r.package, module: "", build: "", inputs: [], ci: false };
    const judged = classify({
      c,
      files: closures.cases[r.name]?.files ?? [],
      compile,
      setupError: null,
      weightsCrash: null,
      mlx,
      tree: emittedTree(compile.out),
      seconds: r.seconds,
    });
    return { ...r, status: judged.status, stage: judged.stage, error: judged.error, where: judged.where, diagnostic: judged.diagnostic, attribution: judged.attribution };
  });
}
