import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { packageRoot } from "../ir/package-root.js";

export { packageRoot };

/** The Python used for parity runs: $C2M_PYTHON, else the repo's .venv, else python3. */
export function pythonExecutable(): string {
  if (process.env.C2M_PYTHON) return process.env.C2M_PYTHON;
  const venv = join(packageRoot(), ".venv", "bin", "python");
  return existsSync(venv) ? venv : "python3";
}
