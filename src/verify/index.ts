// c2m kernel proof harness: run Metal kernels (as mx.fast.metal_kernel gets them) and CUDA kernels on
// the CPU with GPU semantics, and compare them. See docs/kernel-proof.md.
export { runMetal, runMetalCompiled, metalProgram, metalBatchProgram, resolveMetalInputs, type MetalKernelSpec, type KernelInput, type RunOptions } from "./metal.js";
export {
  runCuda,
  runCudaLaunches,
  runCudaHost,
  runCudaCompiled,
  cudaProgram,
  cudaBatchProgram,
  prepareCudaSource,
  type CudaLaunchSpec,
  type CudaLaunch,
  type CudaArg,
  type CudaEntry,
  type CudaRunOptions,
} from "./cuda.js";
export { verifyKernel, verifyPair, goldenPair, checkSize, metalRaceCheck, type KernelPair, type VerifyOptions, type VerifyReport, type SizeResult } from "./verify.js";
export { runCudaBatch, runMetalBatch, type BatchOutcome, type BatchOptions, type CudaBatchCase, type MetalBatchCase } from "./batch.js";
export { compareArrays, describeMismatch, defaultTolerance, type Comparison, type Mismatch, type Tolerance } from "./compare.js";
export { mlxKernelSource, writeTemplate, METAL_ATTRIBUTES, type KernelInputInfo, type TemplateValue, type MlxKernelParts } from "./mlx-source.js";
export { KernelFault, KernelCompileError, compileProgram, type FaultKind } from "./native.js";
export {
  listGoldenSpecs,
  loadGoldenSpec,
  loadGoldenSource,
  goldenBuffers,
  goldenLaunches,
  goldenEntries,
  runGoldenOnCpu,
  evalExpr,
  lcgValues,
  type GoldenSpec,
  type GoldenBuffer,
  type GoldenLaunch,
  type Sizes,
} from "./golden.js";
export { loadFixture, fixtureFile, driverSource, writeDrivers } from "./fixtures.js";
export { runPythonWithMetalEmulator, type PyArray, type PyValue, type PythonRun } from "./python-bridge.js";
export * from "./dtypes.js";
