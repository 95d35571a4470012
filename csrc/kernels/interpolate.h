// interpolate.h: per-pixel attribute interpolation from rasterizer output (nvdiffrast's
// interpolate). The numpy twin is handraster/_reference/raster.py (interpolate).
//
//   t = rast[..., 3] - 1                   triangle id (background: rast[..., 3] == 0)
//   out  = u a0 + v a1 + (1 - u - v) a2    a_k = attr[tri[t, k]], (u, v) = rast[..., 0:2]
//   out_da[2j]   = du/dX (a0 - a2)[d_j] + dv/dX (a1 - a2)[d_j]   d_j = diff[j]
//   out_da[2j+1] = du/dY (a0 - a2)[d_j] + dv/dY (a1 - a2)[d_j]   (rast_db = du/dX, du/dY, dv/dX, dv/dY)
// Background pixels get zeros. A rast id that names no triangle (not an integer in [0, T])
// yields NaN there and raises the `bad` flag, which the binding turns into an error.
#pragma once
#include <cmath>
#include "common/hr.h"

namespace hr {

// Triangle index of a rast id field: -1 background, -2 invalid.
HR_HD int rast_triangle(float id1, int T) {
  if (id1 == 0.f) return -1;
  if (!(id1 >= 1.f && id1 <= (float)T)) return -2;
  const int t = (int)id1;
  return (float)t == id1 ? t - 1 : -2;
}

struct InterpolateOp {
  struct Params {
    const float* attr;     // [Ba, V, A]  Ba = 1 (shared by all images) or B
    const float* rast;     // [B, H, W, 4]
    const int32_t* tri;    // [T, 3]
    const float* rast_db;  // [B, H, W, 4] or nullptr (needed when ND > 0)
    const int32_t* diff;   // [ND] attribute indices differentiated into out_da
    float* out;            // [B, H, W, A] out
    float* out_da;         // [B, H, W, 2 ND] out, or nullptr
    int32_t* bad;          // [1] set to 1 on an invalid rast id
    int64_t HW;            // H * W
    int V, A, T, ND;
    int attr_batched;      // 1: attr is [B, V, A]
  };

  static HR_HD void run(int64_t i, const Params& p) {
    const float* r = p.rast + i * 4;
    float* o = p.out + i * p.A;
    float* od = p.out_da ? p.out_da + i * 2 * p.ND : nullptr;
    const int t = rast_triangle(r[3], p.T);
    if (t < 0) {
      const float fill = t == -1 ? 0.f : NAN;
      if (t == -2) *p.bad = 1;
      for (int a = 0; a < p.A; ++a) o[a] = fill;
      if (od)
        for (int j = 0; j < 2 * p.ND; ++j) od[j] = fill;
      return;
    }
    // The image index (a 64-bit division) is only needed for per-image attributes.
    const float* base = p.attr + (p.attr_batched ? (i / p.HW) * (int64_t)p.V * p.A : 0);
    const float* a0 = base + (int64_t)p.tri[t * 3 + 0] * p.A;
    const float* a1 = base + (int64_t)p.tri[t * 3 + 1] * p.A;
    const float* a2 = base + (int64_t)p.tri[t * 3 + 2] * p.A;
    const float u = r[0], v = r[1], w = 1.f - u - v;
    for (int a = 0; a < p.A; ++a) o[a] = u * a0[a] + v * a1[a] + w * a2[a];
    if (od) {
      const float* db = p.rast_db + i * 4;
      for (int j = 0; j < p.ND; ++j) {
        const int a = p.diff[j];
        const float d0 = a0[a] - a2[a], d1 = a1[a] - a2[a];
        od[2 * j] = db[0] * d0 + db[2] * d1;
        od[2 * j + 1] = db[1] * d0 + db[3] * d1;
      }
    }
  }
};

}  // namespace hr
