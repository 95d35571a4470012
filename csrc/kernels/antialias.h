// antialias.h: analytic silhouette antialiasing with nvdiffrast's semantics, as a per-pixel
// gather so the CPU result is deterministic. The numpy twin is handraster/_reference/antialias.py.
//
// For each pixel p and each 4-neighbour n whose rast triangle ids differ:
//   near = the pixel whose surface is nearer (background is farthest; equal z: smaller id).
//   Only silhouette edges of near's triangle T count: edges with no neighbour triangle, with
//   more than one, or whose neighbour faces the other way on screen (nbr from the topology).
//   Horizontal pairs test edges with |dY| >= |dX|, vertical pairs edges with |dX| > |dY|.
//   t = where the edge crosses the segment from near's centre to the other centre, in [0, 1].
//   Pixel p changes by  w (c_n - c_p),  w = 0.5 - t if p is near and t < 0.5 (T covers only
//   part of p), w = t - 0.5 if n is near and t > 0.5 (T covers part of p); else 0.
// Screen coordinates X = (x/w + 1) W/2 - 0.5 put pixel centres on integers. Triangles with a
// vertex at w <= 0 have no silhouette here.
#pragma once
#include <cmath>
#include "common/hr.h"
#include "kernels/interpolate.h"

namespace hr {

struct AntialiasOp {
  struct Params {
    const float* color;  // [B, H, W, C]
    const float* rast;   // [B, H, W, 4]
    const float* pos;    // [B, V, 4] or [V, 4] (pos_batched = 0)
    const int32_t* tri;  // [T, 3]
    const int32_t* nbr;  // [T, 3] triangle across edge (tri[t,k], tri[t,(k+1)%3]); -1 none, -2 several
    float* out;          // [B, H, W, C] out
    int32_t* bad;        // [1] set to 1 on an invalid rast id
    int H, W, C, V, T, pos_batched;
  };

  static HR_HD const float* vert(const Params& p, int64_t b, int v) {
    return p.pos + ((p.pos_batched ? b * p.V : 0) + v) * 4;
  }

  // Sign of the triangle's screen-space area from homogeneous coordinates.
  static HR_HD int facing(const Params& p, int64_t b, int t) {
    const float* a = vert(p, b, p.tri[t * 3]);
    const float* c = vert(p, b, p.tri[t * 3 + 1]);
    const float* d = vert(p, b, p.tri[t * 3 + 2]);
    const float det = a[0] * (c[1] * d[3] - d[1] * c[3]) - c[0] * (a[1] * d[3] - d[1] * a[3]) +
                      d[0] * (a[1] * c[3] - c[1] * a[3]);
    return det > 0.f ? 1 : (det < 0.f ? -1 : 0);
  }

  // Crossing parameter t in [0, 1] of a silhouette edge of triangle tn on the segment from
  // (nx, ny) to (fx, fy), or -1.
  static HR_HD float crossing(const Params& p, int64_t b, int tn, int nx, int ny, int fx, int fy) {
    float X[3], Y[3];
    for (int k = 0; k < 3; ++k) {
      const float* v = vert(p, b, p.tri[tn * 3 + k]);
      if (!(v[3] > 0.f)) return -1.f;
      X[k] = (v[0] / v[3] + 1.f) * 0.5f * p.W - 0.5f;
      Y[k] = (v[1] / v[3] + 1.f) * 0.5f * p.H - 0.5f;
    }
    const bool horizontal = ny == fy;
    int own = 2;  // facing of tn, computed once when needed
    for (int k = 0; k < 3; ++k) {
      const int k1 = (k + 1) % 3;
      const float dx = X[k1] - X[k], dy = Y[k1] - Y[k];
      const float adx = fabsf(dx), ady = fabsf(dy);
      if (horizontal ? !(ady >= adx && ady > 0.f) : !(adx > ady)) continue;
      const int nb = p.nbr[tn * 3 + k];
      if (nb >= 0) {
        if (own == 2) own = facing(p, b, tn);
        if (facing(p, b, nb) == own) continue;  // interior edge, not a silhouette
      }
      float tt;
      if (horizontal) {
        const float s = ((float)ny - Y[k]) / dy;
        if (!(s >= 0.f && s <= 1.f)) continue;
        tt = (X[k] + s * dx - (float)nx) / (float)(fx - nx);
      } else {
        const float s = ((float)nx - X[k]) / dx;
        if (!(s >= 0.f && s <= 1.f)) continue;
        tt = (Y[k] + s * dy - (float)ny) / (float)(fy - ny);
      }
      if (tt >= 0.f && tt <= 1.f) return tt;
    }
    return -1.f;
  }

  // Blend weight pixel (x, y) takes toward neighbour (x2, y2).
  static HR_HD float pair_weight(const Params& p, int64_t b, int x, int y, int x2, int y2) {
    const float* r1 = p.rast + ((b * p.H + y) * p.W + x) * 4;
    const float* r2 = p.rast + ((b * p.H + y2) * p.W + x2) * 4;
    const int t1 = rast_triangle(r1[3], p.T), t2 = rast_triangle(r2[3], p.T);
    if (t1 == t2 || t1 == -2 || t2 == -2) return 0.f;
    bool self_near;
    if (t1 < 0) self_near = false;
    else if (t2 < 0) self_near = true;
    else self_near = r1[2] < r2[2] || (r1[2] == r2[2] && t1 < t2);
    if (self_near) {
      const float t = crossing(p, b, t1, x, y, x2, y2);
      return (t >= 0.f && t < 0.5f) ? 0.5f - t : 0.f;
    }
    const float t = crossing(p, b, t2, x2, y2, x, y);
    return t > 0.5f ? t - 0.5f : 0.f;
  }

  static HR_HD void run(int64_t i, const Params& p) {  // i = (b * H + y) * W + x
    const int64_t HW = (int64_t)p.H * p.W;
    const int64_t b = i / HW;
    const int y = (int)((i - b * HW) / p.W), x = (int)(i - b * HW - (int64_t)y * p.W);
    const float* c = p.color + i * p.C;
    float* o = p.out + i * p.C;
    if (rast_triangle(p.rast[i * 4 + 3], p.T) == -2) *p.bad = 1;
    for (int k = 0; k < p.C; ++k) o[k] = c[k];
    const int nx[4] = {x - 1, x + 1, x, x}, ny[4] = {y, y, y - 1, y + 1};
    for (int n = 0; n < 4; ++n) {
      if (nx[n] < 0 || nx[n] >= p.W || ny[n] < 0 || ny[n] >= p.H) continue;
      const float w = pair_weight(p, b, x, y, nx[n], ny[n]);
      if (w == 0.f) continue;
      const float* cn = p.color + ((b * p.H + ny[n]) * p.W + nx[n]) * p.C;
      for (int k = 0; k < p.C; ++k) o[k] += w * (cn[k] - c[k]);
    }
  }
};

}  // namespace hr
