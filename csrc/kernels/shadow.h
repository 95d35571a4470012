// shadow.h: shadow-map visibility of the key light, used by the scene shader (shade.h) and
// exposed alone as ShadowFactorOp (tests, debugging). The shadow map is the depth-only
// rasterizer's output (rasterize_depth: nearest z/w per texel, +inf where empty) for the scene
// seen from the key light (handraster/scene/shadows.py builds the light view/projection and
// rasterizes hand + forearm + object into an S x S map).
//
// Per sample, float [kShadowParams] (ShadowParam): M = camera frame -> light clip (4x4, row
// major; orthographic for directional lights, perspective for point/spot), the key light's
// index (-1: no shadows), the projection kind, near/far (m) and the texel size model.
// Receiver point p (camera frame, m), unit normal n, unit direction to the light l:
//   c        = M (p, 1);  lit if c.w <= 0 or z = c.z / c.w is outside [-1, 1]
//   depth    d(z) = 2 f n / ((f + n) - z (f - n))   (perspective: the light-view distance)
//            d(z) = ((f - n) z + (f + n)) / 2       (orthographic)
//   texel    = t0 + t1 d(z_p)                        (m per shadow-map texel at that depth)
//   bias     = texel (kb + ks tan(acos(max(n.l, kMinCos))))   slope-scaled, in metres
//   tap      (i, j) occludes when map[j, i] is finite (covered) and d(z_p) - bias > d(map[j, i])
//   position fx = (c.x / c.w + 1) S / 2 - 1/2, fy likewise (map row 0 at the bottom, as rast);
//            x0 = floor(fx), tx = fx - x0 (same for y)
//   PCF      3x3 bilinear taps = 4x4 texels x0-1..x0+2 with weights ((1-tx), 1, 1, tx) / 3
//            per axis; texels outside the map are lit
//   vis      = 1 - fade(n.l) sum_occluding wx_i wy_j / 9   (exactly 1 when no tap occludes)
//            fade = smoothstep(0, kShadowFade, n.l); vis = 1 where n.l <= 0. Near the terminator
//            the map cannot tell a cast shadow from the surface's own facets (acne), and the light
//            there is skin's wrap (scattering) term, which is left as without shadows.
// The numpy twin is handraster/_reference/shadow.py.
#pragma once
#include <cmath>
#include "common/hr.h"
#include "common/math.h"

namespace hr {

// Per-sample shadow parameters, float [B, kShadowParams].
enum ShadowParam : int {
  kSM = 0,          // 16: camera frame -> light clip space, row major 4x4
  kSKey = 16,       // index of the key light in the sample's light list, -1 = no shadows
  kSPersp = 17,     // 1 perspective (point, spot), 0 orthographic (directional)
  kSNear = 18,      // light-view depth range (m) the projection maps to z in [-1, 1]
  kSFar = 19,
  kSTexel0 = 20,    // texel size (m) = t0 + t1 * depth
  kSTexel1 = 21,
  kSBias = 22,      // constant bias, texels
  kSSlope = 23,     // slope-scaled bias, texels per unit tan(angle of incidence)
  kShadowParams = 24
};
constexpr float kShadowMinCos = 0.2f;  // tan(angle of incidence) is clamped at ~4.9
constexpr float kShadowFade = 0.3f;    // shadows fade in over n.l in [0, 0.3] (see above)

// Light-view depth (m) of an NDC depth z under sample parameters sp.
HR_HD float shadow_depth(const float* sp, float z) {
  const float n = sp[kSNear], f = sp[kSFar];
  if (sp[kSPersp] > 0.5f) return 2.f * f * n / ((f + n) - z * (f - n));
  return 0.5f * ((f - n) * z + (f + n));
}

// Sample b's map in a batch of shadow maps [B, S, S].
HR_HD const float* shadow_map_of(const float* maps, int64_t b, int S) { return maps + b * (int64_t)S * S; }

// Visibility in [0, 1] of the key light at camera-frame point pos with normal n and unit
// direction to the light l; smap is this sample's [S, S] depth map (z/w, +inf = empty).
HR_HD float shadow_visibility(const float* smap, int S, const float* sp, vec3 pos, vec3 n, vec3 l) {
  const float* M = sp + kSM;
  const float cx = M[0] * pos.x + M[1] * pos.y + M[2] * pos.z + M[3];
  const float cy = M[4] * pos.x + M[5] * pos.y + M[6] * pos.z + M[7];
  const float cz = M[8] * pos.x + M[9] * pos.y + M[10] * pos.z + M[11];
  const float cw = M[12] * pos.x + M[13] * pos.y + M[14] * pos.z + M[15];
  const float nl = dot(n, l);
  if (!(nl > 0.f) || !(cw > 0.f)) return 1.f;
  const float iw = 1.f / cw;
  const float z = cz * iw;
  if (!(z >= -1.f && z <= 1.f)) return 1.f;
  const float d = shadow_depth(sp, z);
  const float c = nl > kShadowMinCos ? (nl < 1.f ? nl : 1.f) : kShadowMinCos;
  const float tn = sqrtf(1.f - c * c) / c;
  const float ref = d - (sp[kSTexel0] + sp[kSTexel1] * d) * (sp[kSBias] + sp[kSSlope] * tn);
  const float fx = (cx * iw + 1.f) * (0.5f * S) - 0.5f;
  const float fy = (cy * iw + 1.f) * (0.5f * S) - 0.5f;
  if (!(fx > -3.f && fx < S + 2.f && fy > -3.f && fy < S + 2.f)) return 1.f;  // also NaN
  const float flx = floorf(fx), fly = floorf(fy);
  const int x0 = (int)flx, y0 = (int)fly;
  const float tx = fx - flx, ty = fy - fly;
  const float wx[4] = {1.f - tx, 1.f, 1.f, tx}, wy[4] = {1.f - ty, 1.f, 1.f, ty};
  float occ = 0.f;
  for (int j = 0; j < 4; ++j) {
    const int y = y0 - 1 + j;
    if (y < 0 || y >= S) continue;
    for (int i = 0; i < 4; ++i) {
      const int x = x0 - 1 + i;
      if (x < 0 || x >= S) continue;
      const float t = smap[(int64_t)y * S + x];
      if (t <= 3.402823466e38f && ref > shadow_depth(sp, t)) occ += wx[i] * wy[j];  // finite
    }
  }
  if (!(occ > 0.f)) return 1.f;
  float fade = nl < kShadowFade ? nl * (1.f / kShadowFade) : 1.f;
  fade = fade * fade * (3.f - 2.f * fade);
  return 1.f - occ * (1.f / 9.f) * fade;
}

// The visibility alone at given points: one item per (b, point).
struct ShadowFactorOp {
  struct Params {
    const float* smap;   // [B, S, S] light-space depth z/w (+inf = empty), row 0 bottom
    const float* sp;     // [B, kShadowParams]
    const float* pos;    // [B, N, 3] camera-frame points (m)
    const float* nrm;    // [B, N, 3] unit normals
    const float* ldir;   // [B, N, 3] unit directions from the point to the light
    float* out;          // [B, N] visibility 0..1 (1 where the sample's key light is -1)
    int B, N, S;
  };
  static constexpr int64_t kCost = 200;
  static HR_HD void run(int64_t i, const Params& p) {
    const int64_t b = i / p.N;
    const float* sp = p.sp + b * kShadowParams;
    if (sp[kSKey] < 0.f) { p.out[i] = 1.f; return; }
    p.out[i] = shadow_visibility(shadow_map_of(p.smap, b, p.S), p.S, sp, load3(p.pos + i * 3),
                                 load3(p.nrm + i * 3), load3(p.ldir + i * 3));
  }
};

}  // namespace hr
