/** c2m's public API. */
export { compile, type CompileOptions, type CompileResult } from "./compile.js";
export { formatDiagnostic, type Diagnostic } from "./diagnostics.js";
export { DIAGNOSTIC_CODES } from "./diagnostic-codes.js";
export type { WeightMaps, WeightRule } from "../ir/weights.js";
