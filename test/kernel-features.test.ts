import { describeFixturesMatchCuda } from "./kernel-spec-helpers.js";

/**
 * c2m's own CUDA examples for what the golden kernels do not cover (float4, warp votes and scans,
 * integer and CAS atomics, shared scalars, device helpers with pointers, extern char shared memory,
 * in-place updates, bfloat16): translated, run on the Metal emulator, compared with the CUDA emulator.
 */
describeFixturesMatchCuda("feature kernels match CUDA", "test/fixtures/kernel/features");
