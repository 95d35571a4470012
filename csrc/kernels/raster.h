// raster.h: triangle rasterization with nvdiffrast's conventions, shared by the CPU tile
// launcher (cpu/raster.cpp) and the CUDA kernels (cuda/raster.cu). The numpy twin is
// handraster/_reference/raster.py; it follows these steps operation for operation.
//
// Clip space in, per image: vertex P_i = (x_i, y_i, z_i, w_i), i = 0, 1, 2.
//   pixel (px, py) centre      Xn = (2 px + 1) / W - 1,  Yn = (2 py + 1) / H - 1   (row 0 = bottom)
//   homogeneous barycentrics   q = M^-1 (Xn, Yn, 1),  M = [x_i; y_i; w_i] (columns = vertices)
//   perspective-correct        u = q0 / (q0 + q1 + q2),  v = q1 / (q0 + q1 + q2)
//   depth                      z/w = q . z   (q is scaled so that q . w = 1; linear in Xn, Yn)
// Coverage: the triangle is clipped (Sutherland-Hodgman, double) against the near and far
// planes -w <= z <= w and a guard band |x|, |y| <= G w, projected and snapped to 1/256 px;
// each fan triangle of the clipped polygon covers pixel centres where all three integer edge
// functions are > 0, or == 0 on a top or left edge (y up) - so two triangles that share an
// edge never both cover, nor both miss, a centre on it. Depth test: smaller z/w wins; ties go
// to the smaller triangle id. rast = (u, v, z/w, id + 1), all zero on background.
// (u, v) are clamped to u, v >= 0, u + v <= 1 (coverage uses snapped vertices, barycentrics
// the exact ones). rast_db = (du/dX, du/dY, dv/dX, dv/dY) in pixels.
// Optional per-(image, triangle) draw mode m (RasterParams::mask; nvdiffrast has none):
//   0 = not drawn, 1 = drawn (both sides), 2 = drawn only when counter-clockwise on screen
//   (y up; OpenGL's default front face: back-face culling of an outward-wound mesh), 3 = only
//   when clockwise (the same mesh mirrored). Orientation = the sign of the snapped area
//   (X1 - X0)(Y2 - Y0) - (Y1 - Y0)(X2 - X0) of an unclipped triangle, and of det(M) above for
//   one that needs clipping (equal to the screen orientation of every clipped piece: the
//   pieces' vertices have w > 0 and are convex combinations of the triangle's).
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>
#include "common/hr.h"
#include "common/launch.h"

namespace hr {

constexpr int kSubpixelBits = 8;
constexpr int kSubpixel = 1 << kSubpixelBits;
constexpr int kMaxPolyVerts = 9;  // 3 + one per clip plane (near, far, 4 guard planes)
constexpr int kMaxResolution = 16384;

// Round-to-nearest double arithmetic that nvcc may not fuse into FMAs, so the CPU, the CUDA
// module and the numpy twin snap exactly the same vertex positions (host code is built
// without FMA contraction: see cpu/raster.cpp).
#if defined(__CUDA_ARCH__)
#define HR_RN(dev, host) return dev
#else
#define HR_RN(dev, host) return host
#endif
HR_HD double rn_mul(double a, double b) { HR_RN(__dmul_rn(a, b), a * b); }
HR_HD double rn_add(double a, double b) { HR_RN(__dadd_rn(a, b), a + b); }
HR_HD double rn_sub(double a, double b) { HR_RN(__dsub_rn(a, b), a - b); }
HR_HD double rn_div(double a, double b) { HR_RN(__ddiv_rn(a, b), a / b); }
#undef HR_RN
HR_HD bool finite_d(double x) { return x - x == 0.0; }
HR_HD int64_t floor_div(int64_t a, int64_t b) {  // b > 0
  int64_t q = a / b;
  return (q * b > a) ? q - 1 : q;
}

// Everything the rasterizer and the resolve pass need about one triangle of one image.
struct TriSetup {
  float qx[3], qy[3], qc[3];   // q_i(px, py) = qx_i (px - ox) + qy_i (py - oy) + qc_i
  float zx, zy, zc;            // z/w(px, py) = zx (px - ox) + zy (py - oy) + zc
  int32_t ox, oy;              // origin pixel (the bbox minimum)
  int32_t bx0, by0, bx1, by1;  // inclusive pixel bbox, inside the viewport
  int32_t n;                   // clipped polygon vertex count; 0 = draws nothing
  int32_t vx[kMaxPolyVerts], vy[kMaxPolyVerts];  // snapped screen positions, 1/256 px
};

enum : uint8_t { kDrawNone = 0, kDrawBoth = 1, kDrawCCW = 2, kDrawCW = 3 };
// Whether draw mode m (above) draws a triangle of screen orientation ccw.
HR_HD bool facing_drawn(uint32_t m, bool ccw) {
  return m == kDrawBoth || (m == kDrawCCW && ccw) || (m == kDrawCW && !ccw);
}

// Guard band G: snapped coordinates stay below 2^29 so edge products fit int64.
HR_HD double raster_guard(int W, int H) {
  int m = W > H ? W : H;
  return (double)((1 << 22) / m) - 1.0;
}

// Signed distance-like value of clip point v to plane k (inside when >= 0).
HR_HD double clip_plane(const double* v, int k, double g) {
  switch (k) {
    case 0: return rn_add(v[2], v[3]);                // near  z >= -w
    case 1: return rn_sub(v[3], v[2]);                // far   z <= w
    case 2: return rn_add(rn_mul(g, v[3]), v[0]);     // x >= -G w
    case 3: return rn_sub(rn_mul(g, v[3]), v[0]);     // x <= G w
    case 4: return rn_add(rn_mul(g, v[3]), v[1]);     // y >= -G w
    default: return rn_sub(rn_mul(g, v[3]), v[1]);    // y <= G w
  }
}

// Sutherland-Hodgman against one plane; in/out hold up to kMaxPolyVerts points of 4 doubles.
// Intersections are computed from the inside point toward the outside one, so the two
// triangles sharing a clipped edge produce bit-identical points.
HR_HD int clip_polygon(const double (*in)[4], int n, int k, double g, double (*out)[4]) {
  int m = 0;
  for (int i = 0; i < n; ++i) {
    const double* S = in[(i + n - 1) % n];
    const double* E = in[i];
    double dS = clip_plane(S, k, g), dE = clip_plane(E, k, g);
    bool sin = dS >= 0.0, ein = dE >= 0.0;
    if (sin != ein) {
      const double* A = sin ? S : E;  // inside
      const double* B = sin ? E : S;  // outside
      double dA = sin ? dS : dE, dB = sin ? dE : dS;
      double t = rn_div(dA, rn_sub(dA, dB));
      for (int c = 0; c < 4; ++c) out[m][c] = rn_add(A[c], rn_mul(t, rn_sub(B[c], A[c])));
      ++m;
    }
    if (ein) {
      for (int c = 0; c < 4; ++c) out[m][c] = E[c];
      ++m;
    }
  }
  return m;
}

// Pixel range [lo, hi] whose centres (p * 256 + 128) lie within fixed-point [a, b].
HR_HD void centre_range(int64_t a, int64_t b, int64_t* lo, int64_t* hi) {
  *lo = -((kSubpixel / 2 - a) >> kSubpixelBits);  // arithmetic shift = floor division by 256
  *hi = (b - kSubpixel / 2) >> kSubpixelBits;
}

// Per-vertex part of triangle setup, computed once per vertex and image on the CPU: the
// snapped screen position (valid when the vertex needs no clipping) and outcodes.
enum : uint32_t {
  kOutFrustum = 0x3f,    // bits 0-5: outside x >= -w, x <= w, y >= -w, y <= w, z >= -w, z <= w
  kNeedsClip = 1u << 8,  // outside the depth range or the guard band: clip the triangle
  kVertexInvalid = 1u << 9,    // non-finite coordinates: the triangle draws nothing
};
struct VertexSnap {
  int32_t x, y;    // rint((x / w + 1) W 128), rint((y / w + 1) H 128); only without kNeedsClip
  uint32_t flags;
};

// Snapped position of a clip-space point with w > 0 inside the guard band.
HR_HD void snap_point(const double* v, int W, int H, int32_t* X, int32_t* Y) {
  *X = (int32_t)rint(rn_mul(rn_add(rn_div(v[0], v[3]), 1.0), (double)W * (kSubpixel / 2)));
  *Y = (int32_t)rint(rn_mul(rn_add(rn_div(v[1], v[3]), 1.0), (double)H * (kSubpixel / 2)));
}

HR_HD VertexSnap snap_vertex(const float* p, int W, int H) {
  VertexSnap r{0, 0, 0};
  const double v[4] = {(double)p[0], (double)p[1], (double)p[2], (double)p[3]};
  if (!finite_d(v[0]) || !finite_d(v[1]) || !finite_d(v[2]) || !finite_d(v[3])) {
    r.flags = kVertexInvalid;
    return r;
  }
  for (int k = 0; k < 6; ++k) {
    const int c = k >> 1;  // x, y, z against -w (k even) and +w (k odd)
    const double d = (k & 1) ? v[3] - v[c] : v[3] + v[c];
    r.flags |= (d < 0.0) ? (1u << k) : 0u;
  }
  const double g = raster_guard(W, H);
  for (int k = 0; k < 6; ++k) r.flags |= clip_plane(v, k, g) < 0.0 ? kNeedsClip : 0u;
  if (!(v[3] > 0.0)) r.flags |= kNeedsClip;  // only (0, 0, 0, 0) gets here; clipping drops it
  if (!(r.flags & kNeedsClip)) snap_point(v, W, H, &r.x, &r.y);
  return r;
}

// Homogeneous barycentric coefficients q_i = (a_i Xn + b_i Yn + c_i) / det of P [3][4]
// (rows = vertices x, y, z, w); returns det. Branch-free: the CPU runs it over batches.
HR_HD double tri_cofactors(const double (*P)[4], double* a, double* b, double* c) {
  for (int i = 0; i < 3; ++i) {
    int j = (i + 1) % 3, k = (i + 2) % 3;
    a[i] = P[j][1] * P[k][3] - P[k][1] * P[j][3];
    b[i] = P[k][0] * P[j][3] - P[j][0] * P[k][3];
    c[i] = P[j][0] * P[k][1] - P[k][0] * P[j][1];
  }
  return P[0][0] * a[0] + P[1][0] * a[1] + P[2][0] * a[2];
}

// Resolve and depth planes relative to the origin pixel (bx0, by0), in pixel units: out =
// (qx[3], qy[3], qc[3], zx, zy, zc) as float; Z = the vertices' z. False when any is not
// finite. Branch-free (the CPU runs it over batches of triangles).
HR_HD bool tri_planes(const double* a, const double* b, const double* c, double det,
                      const double* Z, double bx0, double by0, int W, int H, float* out) {
  const double inv = 1.0 / det, sx = inv * (2.0 / W), sy = inv * (2.0 / H);
  const double Xo = (2.0 * bx0 + 1.0) / W - 1.0, Yo = (2.0 * by0 + 1.0) / H - 1.0;
  double zx = 0.0, zy = 0.0, zc = 0.0;
  for (int i = 0; i < 3; ++i) {
    const double qx = a[i] * sx, qy = b[i] * sy, qc = (a[i] * Xo + b[i] * Yo + c[i]) * inv;
    out[i] = (float)qx; out[3 + i] = (float)qy; out[6 + i] = (float)qc;
    zx += qx * Z[i]; zy += qy * Z[i]; zc += qc * Z[i];
  }
  out[9] = (float)zx; out[10] = (float)zy; out[11] = (float)zc;
  bool ok = true;
  for (int i = 0; i < 12; ++i) ok &= finite_d(out[i]);
  return ok;
}

// Builds s from the three clip-space vertices and their VertexSnap (snap_vertex of each).
// Returns false (s.n = 0) when the triangle can cover no pixel: non-finite input, zero area,
// outside the view volume, or culled by draw mode `mode` (kDrawBoth: never).
HR_HD bool setup_triangle(const float* p0, const float* p1, const float* p2, const VertexSnap* vs,
                          int W, int H, TriSetup* s, uint32_t mode = kDrawBoth) {
  s->n = 0;
  if (mode == kDrawNone) return false;
  const uint32_t any = vs[0].flags | vs[1].flags | vs[2].flags;
  if ((any & kVertexInvalid) || (vs[0].flags & vs[1].flags & vs[2].flags & kOutFrustum)) return false;
  int64_t bx0, bx1, by0, by1;
  if (!(any & kNeedsClip)) {
    // Cheap rejects first (the outcome is the same as without them: such a triangle draws
    // nothing): no pixel centre inside the snapped bbox, or zero snapped area.
    const int32_t X0 = vs[0].x, X1 = vs[1].x, X2 = vs[2].x, Y0 = vs[0].y, Y1 = vs[1].y, Y2 = vs[2].y;
    const int32_t xmin = X0 < X1 ? (X0 < X2 ? X0 : X2) : (X1 < X2 ? X1 : X2);
    const int32_t xmax = X0 > X1 ? (X0 > X2 ? X0 : X2) : (X1 > X2 ? X1 : X2);
    const int32_t ymin = Y0 < Y1 ? (Y0 < Y2 ? Y0 : Y2) : (Y1 < Y2 ? Y1 : Y2);
    const int32_t ymax = Y0 > Y1 ? (Y0 > Y2 ? Y0 : Y2) : (Y1 > Y2 ? Y1 : Y2);
    centre_range(xmin, xmax, &bx0, &bx1);
    centre_range(ymin, ymax, &by0, &by1);
    bx0 = bx0 < 0 ? 0 : bx0; by0 = by0 < 0 ? 0 : by0;
    bx1 = bx1 > W - 1 ? W - 1 : bx1; by1 = by1 > H - 1 ? H - 1 : by1;
    if (bx0 > bx1 || by0 > by1) return false;
    const int64_t area = (int64_t)(X1 - X0) * (Y2 - Y0) - (int64_t)(Y1 - Y0) * (X2 - X0);
    if (area == 0 || !facing_drawn(mode, area > 0)) return false;
  }
  double P[3][4];
  const float* src[3] = {p0, p1, p2};
  for (int i = 0; i < 3; ++i)
    for (int c = 0; c < 4; ++c) P[i][c] = (double)src[i][c];
  double a[3], b[3], c[3];
  const double det = tri_cofactors(P, a, b, c);
  if (det == 0.0 || !finite_d(det)) return false;
  if ((any & kNeedsClip) && !facing_drawn(mode, det > 0.0)) return false;
  int n = 3;
  if (!(any & kNeedsClip)) {
    for (int i = 0; i < 3; ++i) { s->vx[i] = vs[i].x; s->vy[i] = vs[i].y; }
  } else {
    // Clip against the depth range and the guard band, then snap the polygon.
    const double g = raster_guard(W, H);
    double poly[2][kMaxPolyVerts][4];
    int cur = 0;
    for (int i = 0; i < 3; ++i)
      for (int k = 0; k < 4; ++k) poly[0][i][k] = P[i][k];
    for (int k = 0; k < 6; ++k) {
      bool any_out = false;
      for (int i = 0; i < n; ++i) any_out |= clip_plane(poly[cur][i], k, g) < 0.0;
      if (!any_out) continue;
      n = clip_polygon(poly[cur], n, k, g, poly[cur ^ 1]);
      cur ^= 1;
      if (n < 3) return false;
    }
    for (int i = 0; i < n; ++i) {
      const double* v = poly[cur][i];
      if (!(v[3] > 0.0)) return false;
      snap_point(v, W, H, &s->vx[i], &s->vy[i]);
    }
    int64_t xmin = s->vx[0], xmax = s->vx[0], ymin = s->vy[0], ymax = s->vy[0];
    for (int i = 1; i < n; ++i) {
      xmin = s->vx[i] < xmin ? s->vx[i] : xmin; xmax = s->vx[i] > xmax ? s->vx[i] : xmax;
      ymin = s->vy[i] < ymin ? s->vy[i] : ymin; ymax = s->vy[i] > ymax ? s->vy[i] : ymax;
    }
    centre_range(xmin, xmax, &bx0, &bx1);
    centre_range(ymin, ymax, &by0, &by1);
    bx0 = bx0 < 0 ? 0 : bx0; by0 = by0 < 0 ? 0 : by0;
    bx1 = bx1 > W - 1 ? W - 1 : bx1; by1 = by1 > H - 1 ? H - 1 : by1;
    if (bx0 > bx1 || by0 > by1) return false;
  }
  s->bx0 = (int32_t)bx0; s->bx1 = (int32_t)bx1; s->by0 = (int32_t)by0; s->by1 = (int32_t)by1;
  s->ox = (int32_t)bx0; s->oy = (int32_t)by0;
  float out[12];
  const double Z[3] = {P[0][2], P[1][2], P[2][2]};
  if (!tri_planes(a, b, c, det, Z, (double)bx0, (double)by0, W, H, out)) return false;
  for (int i = 0; i < 3; ++i) { s->qx[i] = out[i]; s->qy[i] = out[3 + i]; s->qc[i] = out[6 + i]; }
  s->zx = out[9]; s->zy = out[10]; s->zc = out[11];
  s->n = n;
  return true;
}

// Integer edge functions of one fan triangle: pixel (px, py) is covered iff
// A_i px + B_i py + C_i >= 0 for i = 0, 1, 2 (the tie rule is folded into C_i).
struct EdgeFns {
  int64_t A[3], B[3], C[3];
  int32_t bx0, by0, bx1, by1;  // bbox of this fan triangle within the viewport
  int64_t extent;              // max(x extent, y extent) of its vertices, 1/256 px
};

HR_HD bool edge_setup(const TriSetup& s, int k, int W, int H, EdgeFns* e) {
  const int64_t X[3] = {s.vx[0], s.vx[k], s.vx[k + 1]};
  const int64_t Y[3] = {s.vy[0], s.vy[k], s.vy[k + 1]};
  int64_t area = (X[1] - X[0]) * (Y[2] - Y[0]) - (Y[1] - Y[0]) * (X[2] - X[0]);
  if (area == 0) return false;
  const int64_t sg = area > 0 ? 1 : -1;
  int64_t xmin = X[0], xmax = X[0], ymin = Y[0], ymax = Y[0];
  for (int i = 0; i < 3; ++i) {
    int j = (i + 1) % 3, m = (i + 2) % 3;
    int64_t dx = sg * (X[m] - X[j]), dy = sg * (Y[m] - Y[j]);  // edge direction, CCW order
    bool owned = dy < 0 || (dy == 0 && dx < 0);                // left or top edge (y up)
    e->A[i] = -dy * kSubpixel;
    e->B[i] = dx * kSubpixel;
    e->C[i] = dx * (kSubpixel / 2 - Y[j]) - dy * (kSubpixel / 2 - X[j]) - (owned ? 0 : 1);
    xmin = X[i] < xmin ? X[i] : xmin; xmax = X[i] > xmax ? X[i] : xmax;
    ymin = Y[i] < ymin ? Y[i] : ymin; ymax = Y[i] > ymax ? Y[i] : ymax;
  }
  int64_t bx0, bx1, by0, by1;
  centre_range(xmin, xmax, &bx0, &bx1);
  centre_range(ymin, ymax, &by0, &by1);
  e->extent = (xmax - xmin) > (ymax - ymin) ? (xmax - xmin) : (ymax - ymin);
  e->bx0 = (int32_t)(bx0 < s.bx0 ? s.bx0 : bx0);
  e->by0 = (int32_t)(by0 < s.by0 ? s.by0 : by0);
  e->bx1 = (int32_t)(bx1 > s.bx1 ? s.bx1 : bx1);
  e->by1 = (int32_t)(by1 > s.by1 ? s.by1 : by1);
  return e->bx0 <= e->bx1 && e->by0 <= e->by1;
}

// Covered pixels [*xl, *xr] of row py (empty when *xl > *xr). Exact integer arithmetic; a
// division only for edges that actually cross the row inside the bbox.
HR_HD void row_span(const EdgeFns& e, int py, int* xl, int* xr) {
  int64_t lo = e.bx0, hi = e.bx1;
  const int64_t span = hi - lo;
  for (int i = 0; i < 3; ++i) {
    const int64_t A = e.A[i];
    const int64_t v = A * e.bx0 + e.B[i] * py + e.C[i];  // edge value at the bbox's left pixel
    if (A == 0) {
      if (v < 0) { *xl = 1; *xr = 0; return; }
    } else if (A > 0) {
      if (v < 0) {
        const int64_t x = e.bx0 + (-v + A - 1) / A;  // first pixel with v + A d >= 0
        lo = x > lo ? x : lo;
      }
    } else {
      if (v < 0) { *xl = 1; *xr = 0; return; }
      if (v + A * span < 0) {
        const int64_t x = e.bx0 + v / (-A);  // last pixel with v + A d >= 0
        hi = x < hi ? x : hi;
      }
    }
  }
  *xl = lo > hi ? 1 : (int)lo;
  *xr = lo > hi ? 0 : (int)hi;
}

HR_HD float pixel_depth(const TriSetup& s, int px, int py) {
  float zrow = s.zc + s.zy * (float)(py - s.oy);
  return zrow + s.zx * (float)(px - s.ox);
}

// rast (and rast_db) of one covered pixel. id1 = triangle id + 1 as float. Setup: TriSetup, or
// any struct with its qx, qy, qc, ox, oy (the CPU keeps only those per triangle for resolve).
template <class Setup>
HR_HD void resolve_pixel(const Setup& s, int px, int py, float z, float id1, float* out, float* db) {
  const float fx = (float)(px - s.ox), fy = (float)(py - s.oy);
  float q[3];
  for (int i = 0; i < 3; ++i) q[i] = s.qc[i] + s.qx[i] * fx + s.qy[i] * fy;
  const float S = q[0] + q[1] + q[2];
  const float inv = 1.f / S;
  float u = q[0] * inv, v = q[1] * inv;
  u = u < 0.f ? 0.f : (u > 1.f ? 1.f : u);
  v = v < 0.f ? 0.f : (v > 1.f ? 1.f : v);
  if (u + v > 1.f) {
    const float t = 1.f / (u + v);
    u *= t;
    v *= t;
  }
  out[0] = u; out[1] = v; out[2] = z; out[3] = id1;
  if (db) {
    const float Sx = s.qx[0] + s.qx[1] + s.qx[2], Sy = s.qy[0] + s.qy[1] + s.qy[2];
    const float inv2 = inv * inv;
    db[0] = (s.qx[0] * S - q[0] * Sx) * inv2;
    db[1] = (s.qy[0] * S - q[0] * Sy) * inv2;
    db[2] = (s.qx[1] * S - q[1] * Sx) * inv2;
    db[3] = (s.qy[1] * S - q[1] * Sy) * inv2;
  }
}

// Arguments of one rasterize call (validated by bind/raster.cpp).
struct RasterParams {
  const float* pos;       // [B, V, 4] instanced, or [V, 4] in range mode (pos_batched = 0)
  const int32_t* tri;     // [T, 3] vertex indices in [0, V)
  const int32_t* ranges;  // [B, 2] (first triangle, count), host memory; nullptr = instanced
  float* rast;            // [B, H, W, 4] out
  float* rast_db;         // [B, H, W, 4] out, or nullptr
  void* scratch;          // CUDA only: raster_scratch_bytes() bytes of device memory
  int B, V, T, H, W;
  int pos_batched;        // 1: pos is [B, V, 4]
  int tcap;               // max triangles per image (T, or the largest range count)
  // Depth-only mode (rast == rast_db == nullptr): the nearest z/w per pixel, +inf where no
  // triangle covers it - the z channel of rast wherever its id is set, bit for bit.
  float* depth = nullptr;            // [B, H, W] out, or nullptr
  const uint8_t* mask = nullptr;     // [B, T] instanced mode: draw mode per triangle (0-3, above); or nullptr
  // CPU only (the scene renderer): per rast row, the column span [x0, x1] that may hold
  // coverage (x0 > x1: none); rast (and rast_db) are then written inside the spans only and
  // hold stale values elsewhere, so a reader skips the ~90 % of a hand image that is empty.
  int32_t* spans = nullptr;          // [B, H, 2] out, or nullptr (rast written in full)
};

// Depth key for the CUDA atomic z-buffer: ordered float bits (high) and triangle id (low).
HR_HD uint64_t depth_key(float z, uint32_t tid) {
  z = z + 0.0f;  // -0 -> +0
  uint32_t u;
  memcpy(&u, &z, 4);
  u = (u & 0x80000000u) ? ~u : (u | 0x80000000u);
  return ((uint64_t)u << 32) | tid;
}
HR_HD float depth_of_key(uint64_t k) {
  uint32_t u = (uint32_t)(k >> 32);
  u = (u & 0x80000000u) ? (u & 0x7fffffffu) : ~u;
  float z;
  memcpy(&z, &u, 4);
  return z;
}

// Backend entry points (cpu/raster.cpp, cuda/raster.cu).
void raster_run(const RasterParams& p, StreamHandle stream);
int64_t raster_scratch_bytes(int B, int tcap, int H, int W);

}  // namespace hr
