/** The generated documentation matches the tables and codes it is generated from (`npm run docs` fixes it). */
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { diagnosticsMarkdown, readmeWithTables, rulesJson } from "../src/tools/gen-docs.js";
import { packageRoot } from "../src/python.js";

describe("generated docs", () => {
  it("README.md's layer and op tables are current", () => {
    const readme = readFileSync(join(packageRoot(), "README.md"), "utf8");
    expect(readmeWithTables(readme)).toBe(readme);
  });
  it("cookbook/rules.json is the precompiled form of cookbook/*.rules", () => {
    expect(readFileSync(join(packageRoot(), "cookbook", "rules.json"), "utf8")).toBe(rulesJson());
  });
  it("docs/diagnostics.md lists every diagnostic code", () => {
    expect(readFileSync(join(packageRoot(), "docs", "diagnostics.md"), "utf8")).toBe(diagnosticsMarkdown());
  });
});
