// shade_terms.h: the scene shader's per-pixel terms (the formula in shade.h's header), each a
// small HR_HD function shared by the scalar per-pixel path (CUDA: ShadeOp::shade_pixel) and
// the CPU's chunked path (shade_pixels.h), so both compute the same numbers.
//
// Most are written in the forms GCC if-converts inside `omp simd` loops: selects instead of
// branches, no early returns, no libm calls (exp_neg instead of expf); light_at takes the light
// type as an argument that the chunked path passes as a constant, one loop per type. The
// sleeve / object pattern (sin_sign, floorf, fbm noise) is vectorised too, over the chunk's
// lanes, when any pixel of the chunk needs it.
#pragma once
#include "common/hr.h"
#include "common/math.h"
#include "kernels/shade_common.h"

namespace hr {

// Skin albedo before the texture mix: mix(back, palm, pw) * blotch with pw the smoothstepped
// palm-side weight (returned in *pw, the crease term uses it).
HR_HD vec3 skin_base(const float* m, float palm, float blotch, float* pw_out) {
  float pw = clampf(palm, 0.f, 1.f);
  pw = pw * pw * (3.f - 2.f * pw);
  *pw_out = pw;
  vec3 alb = load3(m + kSkinBack) * (1.f - pw) + load3(m + kSkinPalm) * pw;
  return alb * blotch;
}

// Crease darkening (hand labels only, within 4 crease widths: exp(-16) is below 8-bit
// precision) then the nail mix: alb * (1 - crease exp(-(d/1.2mm)^2) (0.35 + 0.65 pw)) mixed
// toward the nail colour; skin's roughness / specular weight blend toward the nail's.
HR_HD vec3 skin_detail(const float* m, vec3 alb, float pw, float crease_d, float nail, bool hand,
                       float* rough, float* spec) {
  const float d = crease_d * (1.f / 0.0012f), d2 = d * d;
  const bool near = d2 < 16.f && hand;
  const float c = 1.f - m[kCrease] * exp_neg(near ? d2 : 0.f) * (0.35f + 0.65f * pw);
  alb = alb * (near ? c : 1.f);  // x * 1 == x: pixels away from creases are untouched
  const float nm = clampf(nail, 0.f, 1.f);
  alb = alb * (1.f - nm) + load3(m + kSkinNail) * nm;
  *rough = m[kSkinRough] * (1.f - nm) + 0.25f * nm;
  *spec = m[kSkinSpec] * (1.f - nm) + 1.0f * nm;
  return alb;
}

HR_HD bool is_skin(int label, const float* m) { return label <= 6 || (label == 7 && m[kForearmMode] < 0.5f); }

// A float with the sign of sin(x), without libm, so the chunked path's pattern loop vectorises:
// x = k pi + r with k = round(x / pi) (the 1.5 * 2^23 trick, as exp_neg) and pi in three parts
// (Cody-Waite, k pi's first part exact for |k| < 2^15), so r carries x's own rounding only;
// sin x = (-1)^k sin r with |r| <= pi / 2: returns (-1)^k r. Its sign is sinf(x)'s except
// within ~1e-7 of a multiple of pi.
HR_HD float sin_sign(float x) {
  const float q = x * 0.318309886f + 12582912.f;
  const int32_t k = bits_of_float(q) - 0x4B400000;
  const float kf = q - 12582912.f;
  const float r = ((x - kf * 3.140625f) - kf * 9.67502593994140625e-4f) - kf * 1.509957990978376432e-7f;
  return float_from_bits(bits_of_float(r) ^ (k << 31));  // flip the sign bit for odd k
}

// The sleeve / object pattern's mix weight at pattern coordinates (s, t) (frequency applied):
// 0 solid, 1 stripes, 2 checks, 3 noise. Branch-free selects (the chunked path's lanes run it):
// stripes and checks always, the fbm noise only when kNoise (else pattern 3 gives 0).
template <bool kNoise>
HR_HD float pattern_mix_select(int pattern, float s, float t, uint32_t seed) {
  const float stripe = sin_sign(6.2831853f * s) > 0.f ? 1.f : 0.f;
  const float check = (((int)floorf(s) + (int)floorf(t)) & 1) ? 1.f : 0.f;
  float mixw = pattern == 1 ? stripe : 0.f;
  mixw = pattern == 2 ? check : mixw;
  if (kNoise) mixw = pattern == 3 ? fbm2({s, t, 0.37f}, seed + 5u) : mixw;
  return mixw;
}
HR_HD float pattern_mix(int pattern, float s, float t, uint32_t seed) {  // one pixel: noise only if used
  return pattern == 3 ? fbm2({s, t, 0.37f}, seed + 5u) : pattern_mix_select<false>(pattern, s, t, seed);
}

// Sleeve (label 7, sleeve mode) or object (label 8) albedo: two colours in a stripe / check /
// noise pattern over (forearm distance, rest x + z) or the object's uv, times the frequency.
HR_HD vec3 pattern_albedo(int label, float forearm, float rest_xz, float obj_u, float obj_v, const float* m,
                          float* rough, float* spec) {
  const uint32_t seed = static_cast<uint32_t>(static_cast<int32_t>(m[kNoiseSeed]));
  const bool obj = label == 8;
  const float* A = m + (obj ? kObjA : kSleeveA);
  const float* Bc = m + (obj ? kObjB : kSleeveB);
  const int pattern = (int)(obj ? m[kObjPattern] : m[kSleevePattern]);
  const float freq = obj ? m[kObjFreq] : m[kSleeveFreq];
  const float s = (obj ? obj_u : forearm) * freq;
  const float t = (obj ? obj_v : rest_xz) * freq;
  const float mixw = pattern_mix(pattern, s, t, seed);
  *rough = obj ? m[kObjRough] : 0.85f;
  *spec = obj ? 1.f : 0.3f;
  return load3(A) * (1.f - mixw) + load3(Bc) * mixw;
}

// Unit direction l from pos to light L (returned) and the factor s that scales the light's
// colour to its irradiance there, E = colour s (before shadowing): directional (type 0): s = 1;
// point (1): 1 / max(d^2, 0.01); spot (2): point times smoothstep((cos - cos_outer) /
// (cos_inner - cos_outer)). vec3 and float outputs only: larger structs returned by value or
// vec3 out-pointers become per-lane memory inside omp simd loops, which then stay scalar.
HR_HD vec3 light_at(const float* L, int type, vec3 pos, float* scale) {
  if (type == 0) {
    *scale = 1.f;
    return load3(L + kLDir) * -1.f;
  }
  const vec3 d = load3(L + kLPos) - pos;
  const float d2 = dot(d, d);
  const vec3 l = d * (1.f / sqrtf(d2 > 1e-12f ? d2 : 1e-12f));
  float s = 1.f / (d2 > 0.01f ? d2 : 0.01f);
  if (type == 2) {
    const float cs = -dot(l, load3(L + kLDir));
    const float t = clampf((cs - L[kLCosOuter]) / (L[kLCosInner] - L[kLCosOuter] + 1e-6f), 0.f, 1.f);
    s = s * (t * t * (3.f - 2.f * t));
  }
  *scale = s;
  return l;
}

// One light's diffuse term E (lam + tint (wrap - lam)), lam = max(n.l, 0),
// wrap = max((n.l + w) / (1 + w), 0).
HR_HD vec3 light_diffuse(vec3 n, vec3 l, vec3 E, float wrap, vec3 tint) {
  const float ndl = dot(n, l);
  const float lam = ndl > 0.f ? ndl : 0.f;
  float wr = (ndl + wrap) / (1.f + wrap);
  wr = wr > 0.f ? wr : 0.f;
  return mul(E, vec3{lam + tint.x * (wr - lam), lam + tint.y * (wr - lam), lam + tint.z * (wr - lam)});
}

// One light's specular term E specw GGX(n, v, l).
HR_HD vec3 light_specular(vec3 n, vec3 v, vec3 l, vec3 E, float specw, float rough, float f0) {
  return E * (specw * ggx_specular(n, v, l, rough, f0));
}

// L_o = exposure (albedo/pi (diff + max(SH_irradiance(R n), 0)) + spec).
HR_HD vec3 shade_radiance(const float* m, const float* sh, const float* sh_rot, vec3 n, vec3 alb, vec3 diff,
                          vec3 spec) {
  vec3 amb = sh9_eval(sh, matvec3(sh_rot, n));
  amb = {amb.x > 0.f ? amb.x : 0.f, amb.y > 0.f ? amb.y : 0.f, amb.z > 0.f ? amb.z : 0.f};
  vec3 L = mul(alb * (1.f / 3.14159265f), diff + amb) + spec;
  return L * m[kExposure];
}

}  // namespace hr
