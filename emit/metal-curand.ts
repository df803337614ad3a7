/**
 * cuRAND's device API on its default generator, XORWOW (`curandState`, `curandState_t`, `curandStateXORWOW_t`),
 * where the stream can be reproduced exactly: a state that is a local of the function, started with
 * `curand_init(seed, subsequence, 0, &state)` (pytorch_cluster's rejection_sampling_kernel: subsequence 0), drawn with `curand` and
 * `curand_uniform`. The generator is Marsaglia's xorwow with a Weyl sequence; curand_init's seed scramble and
 * the uniform's scaling are cuRAND's documented behaviour (the same constants as in the CUDA toolkit's
 * curand_kernel.h, which c2m does not vendor). src/verify/include/stubs/curand_kernel.h gives the CUDA emulator
 * the same generator.
 *
 * A subsequence (curand_init(seed, idx, 0, &state), one stream per thread) jumps 2^67 steps per subsequence:
 * c2m computes the jump matrices itself (emit/metal-curand-jump.ts). Not translated (C2M-K002, saying why): an
 * offset other than the literal 0 (another set of matrices, not carried); a state kept in a buffer (its
 * layout is cuRAND's, with Box-Muller fields c2m's struct leaves out); the other distributions (normal,
 * log-normal, Poisson, doubles) and generators (Philox, MRG32k3a, Sobol).
 */
import type { CudaNode } from "../grammar/cuda.js";
import { reportKernel } from "../ir/kernel-diagnostics.js";
import { cIntegerLiteral, field, position, unparen } from "../passes/kernel/cst.js";
import type { PrintContext } from "./metal-context.js";

/** The XORWOW state types cuRAND declares, which the helper defines under the same names. */
export const CURAND_XORWOW_TYPES = new Set(["curandState", "curandState_t", "curandStateXORWOW", "curandStateXORWOW_t"]);
const DRAWS = new Set(["curand", "curand_uniform"]);

export const CURAND_HELPER = `// cuRAND's XORWOW generator (curandState): Marsaglia's xorwow plus a Weyl sequence, seeded as curand_init does.
// Called with subsequence 0 and offset 0 (a subsequence goes through c2m_curand_init_sequence), so the stream is CUDA's.
struct curandStateXORWOW { uint d; uint v[5]; };
typedef curandStateXORWOW curandStateXORWOW_t;
typedef curandStateXORWOW curandState;
typedef curandStateXORWOW curandState_t;
inline void curand_init(ulong seed, ulong subsequence, ulong offset, thread curandStateXORWOW* state) {
  uint t0 = 1099087573u * (uint(seed) ^ 0xaad26b49u);
  uint t1 = 2591861531u * (uint(seed >> 32) ^ 0xf7dcefddu);
  state->d = 6615241u + t1 + t0;
  state->v[0] = 123456789u + t0;
  state->v[1] = 362436069u ^ t0;
  state->v[2] = 521288629u + t1;
  state->v[3] = 88675123u ^ t1;
  state->v[4] = 5783321u + t0;
}
inline uint curand(thread curandStateXORWOW* state) {
  uint t = state->v[0] ^ (state->v[0] >> 2);
  state->v[0] = state->v[1];
  state->v[1] = state->v[2];
  state->v[2] = state->v[3];
  state->v[3] = state->v[4];
  state->v[4] = (state->v[4] ^ (state->v[4] << 4)) ^ (t ^ (t << 1));
  state->d += 362437u;
  return state->v[4] + state->d;
}
// (0, 1]: x * 2^-32 + 2^-33, both steps exact or rounded as CUDA rounds them (2^-32 is a power of two)
inline float curand_uniform(thread curandStateXORWOW* state) { return float(curand(state)) * 2.3283064e-10f + (2.3283064e-10f / 2.0f); }`;

/** Whether a cuRAND type name is one c2m translates (the helper then defines it). */
export function printCurandType(name: string, ctx: PrintContext): boolean {
  if (!CURAND_XORWOW_TYPES.has(name)) return false;
  ctx.helpers.add("c2m_curand");
  return true;
}

/**
 * A cuRAND call c2m translates, printed, or undefined (the caller reports the library as untranslated);
 * a call of a translated function in a form c2m cannot reproduce is reported here with why.
 */
export function printCurandCall(node: CudaNode, name: string, args: CudaNode[], ctx: PrintContext, print: (n: CudaNode) => string): string | undefined {
  if (name !== "curand_init" && !DRAWS.has(name)) return undefined;
  const state = args.at(-1);
  const local = state && localState(state, ctx);
  const refuse = (why: string) => {
    reportKernel(ctx.bag, "C2M-K002", position(node), `${name}: ${why}`);
    return `/* c2m: ${name} not translated */ 0`;
  };
  if (!local)
    return refuse(
      `c2m translates cuRAND's XORWOW generator only for a state that is a local of the function, passed as '&state'; here it is '${state?.text ?? ""}' (a state kept in a buffer has cuRAND's own layout, which Metal code cannot share): start the state in the kernel that draws from it`,
    );
  if (name === "curand_init") {
    const [seed, subsequence, offset] = args;
    const zero = (a: CudaNode | undefined) => !!a && cIntegerLiteral(unparen(a).text) === 0;
    if (args.length !== 4 || !zero(offset))
      return refuse(
        `curand_init(seed, ${subsequence?.text ?? "?"}, ${offset?.text ?? "?"}, ...) starts at an offset other than 0: cuRAND's XORWOW skips it through precomputed 160x160-bit matrices of the step's powers, which c2m carries only for subsequences (powers 2^67·n), so the Metal stream would differ from CUDA's; start at offset 0 and draw the offset's numbers, or pass the numbers in as a buffer`,
      );
    if (!zero(subsequence)) {
      // a subsequence: the jump table (emit/metal-curand-jump.ts)
      ctx.helpers.add("c2m_curand");
      ctx.helpers.add("c2m_curand_jump");
      return `c2m_curand_init_sequence(${print(seed!)}, ${print(subsequence!)}, ${print(state!)})`;
    }
  }
  ctx.helpers.add("c2m_curand");
  return `${name}(${args.map(print).join(", ")})`;
}

/** Whether `&x` names a local variable (not a parameter) of the function being printed. */
function localState(arg: CudaNode, ctx: PrintContext): boolean {
  const e = unparen(arg);
  if (e.type !== "pointer_expression" || !e.text.startsWith("&")) return false;
  const target = unparen(field(e, "argument") ?? e);
  return target.type === "identifier" && !ctx.fn.params.some((p) => p.name === target.text);
}
