/** c2m's public API. */
export { compile, newProgram, pipelineWith, PIPELINE, type CompileOptions, type CompileResult } from "./compile.js";
export { defaultSearchPaths, nodeHost } from "./host.js";
export { memoryHost, type Host } from "../ir/program/host.js";
export type { Program } from "../ir/program/program.js";
export { formatDiagnostic, type Diagnostic } from "../ir/diagnostics.js";
export { DIAGNOSTIC_CODES } from "../ir/diagnostic-codes.js";
export type { WeightMaps, WeightRule } from "../ir/weights.js";
export type { ConstructRecord, Pass, PassContext, PluginPass, Rewrite } from "../ir/pipeline.js";
export type { ModuleIR, ClassIR } from "../ir/module.js";
export {
  definePass,
  defineRule,
  definePlugin,
  loadRules,
  loadPlugin,
  builtinRules,
  parseBuiltinRuleFiles,
  nodeKey,
  RuleSyntaxError,
  type Plugin,
  type Rule,
  type Condition,
} from "./plugins.js";
export { matchRule } from "../passes/cookbook.js";
