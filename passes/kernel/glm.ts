/**
 * GLM (the vector and matrix library gsplat's kernels use) → Metal, as data. GLM's types are Metal's own:
 * a `vecN` of floats is Metal's `floatN`, and a `matCxR` is C columns of R rows in both (`m[c]` a column,
 * `m[c][r]` an element, built column by column from C*R scalars, `*` the linear-algebra product), so the
 * translation is a rename. Functions Metal's standard library has keep their meaning under Metal's name;
 * the ones it lacks (reading a vector or matrix from memory, outerProduct, inverse) are header helpers.
 */
import { nameTable } from "../../ir/tables.js";

/** GLM's float types by their canonical name (preprocess.ts follows `using vec3 = glm::vec<3, float>;` to `glm::vec3`). */
export const GLM_TYPES: Record<string, string> = nameTable(
  (() => {
    const out: Record<string, string> = {};
    for (const n of [2, 3, 4]) out[`glm::vec${n}`] = `float${n}`;
    for (const c of [2, 3, 4]) for (const r of [2, 3, 4]) out[`glm::mat${c}x${r}`] = `float${c}x${r}`;
    for (const n of [2, 3, 4]) out[`glm::mat${n}`] = `float${n}x${n}`;
    return out;
  })(),
);

/** The canonical GLM name of a GLM float type as written (`glm::vec<3, float>`, `glm::fvec3`, `glm::mat<3, 2, float>`, `glm::mat3x3`), else undefined. */
export function canonicalGlmType(type: string): string | undefined {
  const t = type.replace(/\s+/g, "");
  let m = /^glm::(?:vec<([234]),float(?:,glm::\w+)?>|f?vec([234]))$/.exec(t);
  if (m) return `glm::vec${m[1] ?? m[2]}`;
  m = /^glm::(?:mat<([234]),([234]),float(?:,glm::\w+)?>|f?mat([234])x([234])|f?mat([234]))$/.exec(t);
  if (!m) return undefined;
  const c = m[1] ?? m[3] ?? m[5]!;
  const r = m[2] ?? m[4] ?? m[5]!;
  return c === r ? `glm::mat${c}` : `glm::mat${c}x${r}`;
}

/**
 * GLM functions: the Metal function, or a `c2m_glm_*` helper (emitted with the `c2m_glm` header). A key
 * with `/N` is the form with N arguments (`glm::atan(y, x)` is atan2).
 */
export const GLM_FUNCTIONS: Record<string, string> = nameTable({
  "glm::dot": "metal::dot",
  "glm::cross": "metal::cross",
  "glm::length": "metal::length",
  "glm::distance": "metal::distance",
  "glm::normalize": "metal::normalize",
  "glm::transpose": "metal::transpose",
  "glm::determinant": "metal::determinant",
  "glm::min": "metal::min",
  "glm::max": "metal::max",
  "glm::clamp": "metal::clamp",
  "glm::abs": "metal::abs",
  "glm::sqrt": "metal::sqrt",
  "glm::inversesqrt": "metal::rsqrt",
  "glm::exp": "metal::exp",
  "glm::log": "metal::log",
  "glm::pow": "metal::pow",
  "glm::floor": "metal::floor",
  "glm::ceil": "metal::ceil",
  "glm::sin": "metal::sin",
  "glm::cos": "metal::cos",
  "glm::tan": "metal::tan",
  "glm::atan": "metal::atan",
  "glm::atan/2": "metal::atan2",
  "glm::make_vec2": "c2m_glm_make_vec2",
  "glm::make_vec3": "c2m_glm_make_vec3",
  "glm::make_vec4": "c2m_glm_make_vec4",
  "glm::make_mat2": "c2m_glm_make_mat2",
  "glm::make_mat3": "c2m_glm_make_mat3",
  "glm::make_mat4": "c2m_glm_make_mat4",
  "glm::outerProduct": "c2m_glm_outer_product",
  "glm::inverse": "c2m_glm_inverse",
});

/** The Metal name of a GLM function called with `arity` arguments, else undefined. */
export function glmFunction(name: string, arity: number): string | undefined {
  return GLM_FUNCTIONS[`${name}/${arity}`] ?? GLM_FUNCTIONS[name];
}

/**
 * The `c2m_glm` header: GLM's functions Metal's standard library lacks. Templates over the pointer, so a
 * device, constant or thread pointer each reads through its own address space.
 */
export const GLM_HELPER = `// GLM's functions that Metal's standard library lacks: vectors and matrices read from memory (matrices
// column by column, as GLM's make_mat*), the outer product c * r^T, and the inverse of a 2x2 or 3x3 matrix.
template <typename P> inline float2 c2m_glm_make_vec2(P p) { return float2(p[0], p[1]); }
template <typename P> inline float3 c2m_glm_make_vec3(P p) { return float3(p[0], p[1], p[2]); }
template <typename P> inline float4 c2m_glm_make_vec4(P p) { return float4(p[0], p[1], p[2], p[3]); }
template <typename P> inline float2x2 c2m_glm_make_mat2(P p) { return float2x2(p[0], p[1], p[2], p[3]); }
template <typename P> inline float3x3 c2m_glm_make_mat3(P p) { return float3x3(p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8]); }
template <typename P> inline float4x4 c2m_glm_make_mat4(P p) {
  return float4x4(p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10], p[11], p[12], p[13], p[14], p[15]);
}
inline float2x2 c2m_glm_outer_product(float2 c, float2 r) { return float2x2(c * r.x, c * r.y); }
inline float3x2 c2m_glm_outer_product(float2 c, float3 r) { return float3x2(c * r.x, c * r.y, c * r.z); }
inline float2x3 c2m_glm_outer_product(float3 c, float2 r) { return float2x3(c * r.x, c * r.y); }
inline float3x3 c2m_glm_outer_product(float3 c, float3 r) { return float3x3(c * r.x, c * r.y, c * r.z); }
inline float4x4 c2m_glm_outer_product(float4 c, float4 r) { return float4x4(c * r.x, c * r.y, c * r.z, c * r.w); }
inline float2x2 c2m_glm_inverse(float2x2 m) {
  float inv = 1.0f / metal::determinant(m);
  return float2x2(m[1][1] * inv, -m[0][1] * inv, -m[1][0] * inv, m[0][0] * inv);
}
inline float3x3 c2m_glm_inverse(float3x3 m) {
  float inv = 1.0f / metal::determinant(m);
  // the rows of the inverse are the cross products of the columns, over the determinant
  return metal::transpose(float3x3(metal::cross(m[1], m[2]), metal::cross(m[2], m[0]), metal::cross(m[0], m[1]))) * inv;
}`;
