/**
 * cuRAND's XORWOW subsequences: curand_init(seed, n, 0, &state) starts `n` subsequences of 2^67 draws on, and
 * the xorwow step is linear over GF(2) on its 160 state bits, so that jump is the step's matrix raised to
 * 2^67·n (the Weyl counter `d` moves by 362437·2^67·n, 0 modulo 2^32). c2m computes the matrices itself, from the
 * step alone: J_i = M^(2^(67+i)) for the 64 bits of n, emitted as a constant table (64 × 160 columns × 5 words),
 * and a jump applies J_i for each bit set in n. The CUDA emulator's stub computes the same matrices.
 */

/** One xorwow step of the five state words (the Weyl counter apart). */
export function xorwowStep(v: Uint32Array): void {
  const t = (v[0]! ^ (v[0]! >>> 2)) >>> 0;
  v[0] = v[1]!;
  v[1] = v[2]!;
  v[2] = v[3]!;
  v[3] = v[4]!;
  v[4] = (v[4]! ^ (v[4]! << 4) ^ (t ^ (t << 1))) >>> 0;
}

/** A 160x160 GF(2) matrix as its columns, 5 words each: column k is the image of state bit k (word k/32, bit k%32). */
type Matrix = Uint32Array<ArrayBufferLike>;

function apply(m: Matrix, v: Uint32Array, out: Uint32Array): void {
  out.fill(0);
  for (let k = 0; k < 160; k++) if ((v[k >>> 5]! >>> (k & 31)) & 1) for (let j = 0; j < 5; j++) out[j] ^= m[k * 5 + j]!;
}

function square(m: Matrix): Matrix {
  const out = new Uint32Array(800);
  const col = new Uint32Array(5);
  for (let k = 0; k < 160; k++) {
    apply(m, m.subarray(k * 5, k * 5 + 5), col);
    out.set(col, k * 5);
  }
  return out;
}

/** M^(2^e): the step's matrix squared e times. */
export function xorwowPowerOfTwo(e: number): Matrix {
  let m: Matrix = new Uint32Array(800);
  for (let k = 0; k < 160; k++) {
    const v = new Uint32Array(5);
    v[k >>> 5] = 1 << (k & 31);
    xorwowStep(v);
    m.set(v, k * 5);
  }
  for (let i = 0; i < e; i++) m = square(m);
  return m;
}

let table: Uint32Array | undefined;

/** J_0..J_63 one after another (J_i = M^(2^(67+i))), computed once. */
export function subsequenceJumps(): Uint32Array {
  if (table) return table;
  const out = new Uint32Array(64 * 800);
  let m = xorwowPowerOfTwo(67);
  for (let i = 0; i < 64; i++) {
    out.set(m, i * 800);
    if (i < 63) m = square(m);
  }
  return (table = out);
}

let helperText: string | undefined;

/** The Metal helper: the table and curand_init with a subsequence (after c2m_curand's generator); its 51,200 words printed once. */
export function curandJumpHelper(): string {
  return (helperText ??= printJumpHelper());
}

function printJumpHelper(): string {
  const words = [...subsequenceJumps()].map((w) => `0x${w.toString(16)}u`);
  const rows: string[] = [];
  for (let i = 0; i < words.length; i += 20) rows.push(words.slice(i, i + 20).join(","));
  return `// cuRAND's subsequences: J_i = M^(2^(67+i)), M the xorwow step's matrix over GF(2) (column k: the image of state bit k),
// computed by c2m from the step; curand_init(seed, n, 0, &state) applies J_i for each bit i set in n.
constant uint c2m_xorwow_jump[${words.length}] = {
${rows.join(",\n")}
};
inline void c2m_curand_init_sequence(ulong seed, ulong subsequence, thread curandStateXORWOW* state) {
  curand_init(seed, 0, 0, state);
  for (uint i = 0; i < 64; ++i) {
    if (((subsequence >> i) & 1ul) == 0) continue;
    uint r[5] = {0u, 0u, 0u, 0u, 0u};
    for (uint k = 0; k < 160; ++k)
      if ((state->v[k >> 5] >> (k & 31u)) & 1u)
        for (uint j = 0; j < 5; ++j) r[j] ^= c2m_xorwow_jump[i * 800 + k * 5 + j];
    for (uint j = 0; j < 5; ++j) state->v[j] = r[j];
  }
}`;
}
