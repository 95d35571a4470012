// raster.cpp: the CPU rasterizer - OpenMP over images (or over image bands when there are
// fewer images than threads), a depth + id buffer per task that stays in L2, and a resolve
// pass that turns ids into (u, v, z/w, id + 1). Per-triangle math: kernels/raster.h.
//
// Coverage must be bit-identical with the numpy twin, so floating-point contraction is off
// for this file (the snapping and clipping doubles are computed op by op). The two hot loops
// are compiled twice (AVX2 and baseline x86-64) and picked at load time.
#pragma GCC optimize("fp-contract=off")
#include <omp.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <vector>

#include "kernels/raster.h"

// This file has its own launcher and does its own ISA multiversioning (target_clones below),
// so only the baseline compile of the per-ISA builds (cpu/launch_cpu.h) defines it.
#if !defined(HR_CPU_ISA) || HR_CPU_ISA == 0

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define HR_MULTIVERSION __attribute__((target_clones("avx2", "default")))
#else
#define HR_MULTIVERSION
#endif

namespace hr {
namespace {

// What resolve needs of a triangle (resolve_pixel's fields of TriSetup): 44 bytes instead of
// TriSetup's 148, written only for the triangles that were drawn, so an image's table of them
// stays small next to the depth and id buffers in L2.
struct TriPlanes {
  float qx[3], qy[3], qc[3];
  int32_t ox, oy;
};
inline TriPlanes planes_of(const TriSetup& s) {
  TriPlanes r;
  for (int i = 0; i < 3; ++i) { r.qx[i] = s.qx[i]; r.qy[i] = s.qy[i]; r.qc[i] = s.qc[i]; }
  r.ox = s.ox;
  r.oy = s.oy;
  return r;
}

// Band buffers are kept clean between tasks: draw records the x range it touched in each
// row, and resolve resets exactly that range, so an image costs time in proportion to what
// it covers rather than to its size.
struct Scratch {
  std::vector<float> z;        // depth buffer of the task's rows (+inf = empty)
  std::vector<int32_t> id;     // triangle id + 1 of the nearest fragment, 0 = background
  std::vector<int32_t> x0, x1; // per row: touched x range [x0, x1], empty when x0 > x1
  std::vector<TriPlanes> planes;  // per-image resolve planes of the drawn triangles (image mode)
  int W = 0;
};

Scratch& thread_scratch() {
  static thread_local Scratch s;
  return s;
}

typedef int32_t v8i __attribute__((vector_size(32)));
typedef float v8f __attribute__((vector_size(32)));

// Fan triangles whose vertices span at most this many 1/256 px get int32 edge functions
// evaluated relative to their bbox: |E| < 2^31 there, and the loop vectorises.
constexpr int64_t kSmallExtent = 64 * kSubpixel;

// Draws triangle s (id1 = id + 1) into rows [y0, y1) of a band buffer (row stride W).
// Triangles arrive in increasing id order, so a strict `<` gives ties to the smaller id.
// kDepthOnly: only the depth buffer (ib, rx0, rx1 unused).
template <bool kDepthOnly>
__attribute__((always_inline)) inline void draw_body(const TriSetup& s, int32_t id1, int W, int H,
                                                     int y0, int y1, float* zb, int32_t* ib,
                                                     int32_t* rx0, int32_t* rx1) {
  for (int k = 1; k + 1 < s.n; ++k) {
    EdgeFns e;
    if (!edge_setup(s, k, W, H, &e)) continue;
    const int ya = std::max<int>(e.by0, y0), yb = std::min<int>(e.by1, y1 - 1);
    if (ya > yb) continue;
    const float zx = s.zx;
    if (e.extent <= kSmallExtent) {
      const int nx = e.bx1 - e.bx0 + 1, xo = e.bx0 - s.ox;
      int32_t r0 = (int32_t)(e.A[0] * e.bx0 + e.B[0] * ya + e.C[0]);
      int32_t r1 = (int32_t)(e.A[1] * e.bx0 + e.B[1] * ya + e.C[1]);
      int32_t r2 = (int32_t)(e.A[2] * e.bx0 + e.B[2] * ya + e.C[2]);
      const int32_t A0 = (int32_t)e.A[0], A1 = (int32_t)e.A[1], A2 = (int32_t)e.A[2];
      const int32_t B0 = (int32_t)e.B[0], B1 = (int32_t)e.B[1], B2 = (int32_t)e.B[2];
      if (nx <= 8 && e.bx0 + 8 <= W) {
        // Most triangles: a bbox at most 8 pixels wide, one 8-lane vector per row (lanes past
        // the bbox write back what they read; the row belongs to this task alone).
        const v8i lane = {0, 1, 2, 3, 4, 5, 6, 7};
        const v8i valid = lane < nx;
        const v8i d0 = A0 * lane, d1 = A1 * lane, d2 = A2 * lane;
        const v8f zxl = zx * __builtin_convertvector(xo + lane, v8f);  // zx * (float)(xo + x)
        for (int py = ya; py <= yb; ++py, r0 += B0, r1 += B1, r2 += B2) {
          float* zr = zb + (size_t)(py - y0) * W + e.bx0;
          const v8f z = (s.zc + s.zy * (float)(py - s.oy)) + zxl;  // == pixel_depth(s, px, py)
          v8f zo;
          std::memcpy(&zo, zr, sizeof zo);
          const v8i nearer = (((r0 + d0) | (r1 + d1) | (r2 + d2)) >= 0) & valid & (z < zo);
          const v8f zn = nearer ? z : zo;
          std::memcpy(zr, &zn, sizeof zn);
          if (kDepthOnly) continue;
          rx0[py - y0] = std::min<int32_t>(rx0[py - y0], e.bx0);
          rx1[py - y0] = std::max<int32_t>(rx1[py - y0], e.bx1);
          int32_t* ir = ib + (size_t)(py - y0) * W + e.bx0;
          v8i io;
          std::memcpy(&io, ir, sizeof io);
          const v8i in = nearer ? id1 : io;
          std::memcpy(ir, &in, sizeof in);
        }
        continue;
      }
      for (int py = ya; py <= yb; ++py, r0 += B0, r1 += B1, r2 += B2) {
        float* HR_RESTRICT zr = zb + (size_t)(py - y0) * W + e.bx0;
        const float zrow = s.zc + s.zy * (float)(py - s.oy);
        if (kDepthOnly) {
          for (int x = 0; x < nx; ++x) {
            const int32_t inside = (r0 + A0 * x) | (r1 + A1 * x) | (r2 + A2 * x);
            const float z = zrow + zx * (float)(xo + x);
            const float zo = zr[x];
            zr[x] = ((inside >= 0) & (z < zo)) ? z : zo;
          }
          continue;
        }
        rx0[py - y0] = std::min<int32_t>(rx0[py - y0], e.bx0);
        rx1[py - y0] = std::max<int32_t>(rx1[py - y0], e.bx1);
        int32_t* HR_RESTRICT ir = ib + (size_t)(py - y0) * W + e.bx0;
        for (int x = 0; x < nx; ++x) {
          const int32_t inside = (r0 + A0 * x) | (r1 + A1 * x) | (r2 + A2 * x);
          const float z = zrow + zx * (float)(xo + x);  // == pixel_depth(s, px, py)
          const float zo = zr[x];
          const int32_t io = ir[x];
          const bool nearer = (inside >= 0) & (z < zo);  // bitwise: no branch, vectorises
          zr[x] = nearer ? z : zo;
          ir[x] = nearer ? id1 : io;
        }
      }
      continue;
    }
    for (int py = ya; py <= yb; ++py) {
      int xl, xr;
      row_span(e, py, &xl, &xr);
      if (xl > xr) continue;
      float* HR_RESTRICT zr = zb + (size_t)(py - y0) * W;
      const float zrow = s.zc + s.zy * (float)(py - s.oy);
      if (kDepthOnly) {
        for (int px = xl; px <= xr; ++px) {
          const float z = zrow + zx * (float)(px - s.ox);
          zr[px] = z < zr[px] ? z : zr[px];
        }
        continue;
      }
      rx0[py - y0] = std::min<int32_t>(rx0[py - y0], xl);
      rx1[py - y0] = std::max<int32_t>(rx1[py - y0], xr);
      int32_t* HR_RESTRICT ir = ib + (size_t)(py - y0) * W;
      for (int px = xl; px <= xr; ++px) {
        const float z = zrow + zx * (float)(px - s.ox);
        const float zo = zr[px];
        const int32_t io = ir[px];
        const bool nearer = z < zo;
        zr[px] = nearer ? z : zo;
        ir[px] = nearer ? id1 : io;
      }
    }
  }
}

HR_MULTIVERSION
void draw_triangle(const TriSetup& s, int32_t id1, int W, int H, int y0, int y1, float* zb,
                   int32_t* ib, int32_t* rx0, int32_t* rx1) {
  draw_body<false>(s, id1, W, H, y0, y1, zb, ib, rx0, rx1);
}

HR_MULTIVERSION
void draw_depth(const TriSetup& s, int W, int H, int y0, int y1, float* zb) {
  draw_body<true>(s, 0, W, H, y0, y1, zb, nullptr, nullptr, nullptr);
}

// Writes rast (and rast_db) rows [y0, y1) from a band buffer. tris[id - first] holds the
// planes of triangle id.
HR_MULTIVERSION
void resolve_rows(const RasterParams& p, int b, const TriPlanes* tris, int first, int y0, int y1,
                  float* zb, int32_t* ib, int32_t* rx0, int32_t* rx1) {
  const int W = p.W;
  for (int py = y0; py < y1; ++py) {
    const size_t row = ((size_t)b * p.H + py) * W;
    float* out = p.rast + row * 4;
    float* db = p.rast_db ? p.rast_db + row * 4 : nullptr;
    float* zr = zb + (size_t)(py - y0) * W;
    int32_t* ir = ib + (size_t)(py - y0) * W;
    const int xa = rx0[py - y0], xb = rx1[py - y0];
    if (p.spans) {  // only the touched span is written: its empty pixels are cleared below
      p.spans[((size_t)b * p.H + py) * 2] = xa;
      p.spans[((size_t)b * p.H + py) * 2 + 1] = xb;
    } else {
      std::memset(out, 0, sizeof(float) * 4 * W);
      if (db) std::memset(db, 0, sizeof(float) * 4 * W);
    }
    for (int px = xa; px <= xb; ++px) {
      const int32_t id1 = ir[px];
      if (id1 == 0) {
        if (p.spans) {
          std::memset(out + (size_t)px * 4, 0, sizeof(float) * 4);
          if (db) std::memset(db + (size_t)px * 4, 0, sizeof(float) * 4);
        }
        continue;
      }
      resolve_pixel(tris[id1 - 1 - first], px, py, zr[px], (float)id1, out + (size_t)px * 4,
                    db ? db + (size_t)px * 4 : nullptr);
    }
    if (xa <= xb) {  // leave the band clean for the next task
      std::fill(zr + xa, zr + xb + 1, std::numeric_limits<float>::infinity());
      std::fill(ir + xa, ir + xb + 1, 0);
      rx0[py - y0] = W;
      rx1[py - y0] = -1;
    }
  }
}

inline void image_range(const RasterParams& p, int b, int* first, int* count) {
  if (p.ranges) {
    *first = p.ranges[2 * b];
    *count = p.ranges[2 * b + 1];
  } else {
    *first = 0;
    *count = p.T;
  }
}

// Draw mode of triangle t in image b (kernels/raster.h: 0 none, 1 both sides, 2 / 3 culled).
inline uint32_t draw_mode(const RasterParams& p, int b, int t) {
  return p.mask ? p.mask[(size_t)b * p.T + t] : (uint32_t)kDrawBoth;
}

inline void setup_one(const RasterParams& p, int b, const VertexSnap* vs, int t, TriSetup* s) {
  const int32_t* f = p.tri + (size_t)t * 3;
  const size_t base = p.pos_batched ? (size_t)b * p.V : 0;
  const float* pos = p.pos + base * 4;
  const VertexSnap v3[3] = {vs[base + f[0]], vs[base + f[1]], vs[base + f[2]]};
  setup_triangle(pos + (size_t)f[0] * 4, pos + (size_t)f[1] * 4, pos + (size_t)f[2] * 4, v3, p.W,
                 p.H, s, draw_mode(p, b, t));
}

// setup_one for triangles first + t0 .. first + t0 + nt - 1 of image b into out[0 .. nt):
// the same results bit for bit (the same HR_HD pieces, no contraction), but the double plane
// math of the common case (no clipping) runs over the batch in structure-of-arrays form, so it
// vectorises. Masked-out and culled triangles get n = 0 (culled ones before the double math).
constexpr int kSetupBatch = 32;
HR_MULTIVERSION
void setup_batch(const RasterParams& p, int b, const VertexSnap* vs, int first, int t0, int nt,
                 TriSetup* out) {
  const size_t base = p.pos_batched ? (size_t)b * p.V : 0;
  const float* pos = p.pos + base * 4;
  const int W = p.W, H = p.H;
  int idx[kSetupBatch];  // slot nf <= k < kSetupBatch: a dropped triangle's writes are overwritten
  double P[12][kSetupBatch], ox[kSetupBatch], oy[kSetupBatch];
  int nf = 0;
  for (int k = 0; k < nt; ++k) {
    const int t = first + t0 + k;
    TriSetup& s = out[k];
    s.n = 0;
    const uint32_t mode = draw_mode(p, b, t);
    const int32_t* f = p.tri + (size_t)t * 3;
    const VertexSnap v3[3] = {vs[base + f[0]], vs[base + f[1]], vs[base + f[2]]};
    const uint32_t any = v3[0].flags | v3[1].flags | v3[2].flags;
    const bool dropped = (mode == kDrawNone) | ((any & kVertexInvalid) != 0) |
                         ((v3[0].flags & v3[1].flags & v3[2].flags & kOutFrustum) != 0);
    if ((any & kNeedsClip) && !dropped) {  // rare: the scalar path
      setup_triangle(pos + (size_t)f[0] * 4, pos + (size_t)f[1] * 4, pos + (size_t)f[2] * 4, v3, W, H, &s, mode);
      continue;
    }
    // setup_triangle's integer rejects, bbox and facing test, without branches: whether a
    // triangle is kept (back faces, empty bboxes) is data-dependent and badly predicted, so
    // every triangle is written to slot nf and only the kept ones advance it
    const int32_t X0 = v3[0].x, X1 = v3[1].x, X2 = v3[2].x, Y0 = v3[0].y, Y1 = v3[1].y, Y2 = v3[2].y;
    int64_t bx0, bx1, by0, by1;
    centre_range(std::min(X0, std::min(X1, X2)), std::max(X0, std::max(X1, X2)), &bx0, &bx1);
    centre_range(std::min(Y0, std::min(Y1, Y2)), std::max(Y0, std::max(Y1, Y2)), &by0, &by1);
    bx0 = bx0 < 0 ? 0 : bx0; by0 = by0 < 0 ? 0 : by0;
    bx1 = bx1 > W - 1 ? W - 1 : bx1; by1 = by1 > H - 1 ? H - 1 : by1;
    const int64_t area = (int64_t)(X1 - X0) * (Y2 - Y0) - (int64_t)(Y1 - Y0) * (X2 - X0);
    const bool ccw = area > 0;
    const bool facing = (mode == kDrawBoth) | ((mode == kDrawCCW) & ccw) | ((mode == kDrawCW) & !ccw);
    const bool keep = !dropped & !(any & kNeedsClip) & (bx0 <= bx1) & (by0 <= by1) & (area != 0) & facing;
    for (int i = 0; i < 3; ++i) { s.vx[i] = v3[i].x; s.vy[i] = v3[i].y; }
    s.bx0 = (int32_t)bx0; s.bx1 = (int32_t)bx1; s.by0 = (int32_t)by0; s.by1 = (int32_t)by1;
    s.ox = (int32_t)bx0; s.oy = (int32_t)by0;
    for (int i = 0; i < 3; ++i)
      for (int c = 0; c < 4; ++c) P[i * 4 + c][nf] = (double)pos[(size_t)f[i] * 4 + c];
    ox[nf] = (double)bx0; oy[nf] = (double)by0;
    idx[nf] = k;
    nf += keep;
  }
  float pl[12][kSetupBatch];
  bool ok[kSetupBatch];
  for (int m = 0; m < nf; ++m) {  // branch-free: vectorises across triangles
    double Pm[3][4];
    for (int i = 0; i < 12; ++i) Pm[i / 4][i % 4] = P[i][m];
    double a[3], bb[3], c[3];
    const double det = tri_cofactors(Pm, a, bb, c);
    const double Z[3] = {Pm[0][2], Pm[1][2], Pm[2][2]};
    float o[12];
    const bool good = tri_planes(a, bb, c, det, Z, ox[m], oy[m], W, H, o);
    ok[m] = good & (det != 0.0) & finite_d(det);
    for (int i = 0; i < 12; ++i) pl[i][m] = o[i];
  }
  for (int m = 0; m < nf; ++m) {
    if (!ok[m]) continue;
    TriSetup& s = out[idx[m]];
    for (int i = 0; i < 3; ++i) { s.qx[i] = pl[i][m]; s.qy[i] = pl[3 + i][m]; s.qc[i] = pl[6 + i][m]; }
    s.zx = pl[9][m]; s.zy = pl[10][m]; s.zc = pl[11][m];
    s.n = 3;
  }
}

// snap_vertex (kernels/raster.h) of vertices [i0, i1), bit for bit: the same double operations
// in the same order, written branch-free so that each chunk vectorises (snap_vertex's early
// exits become per-lane selects; a lane that needs clipping or is invalid converts 0.0, never
// an out-of-range double). The calls are ~18 % of a scene batch's rasterize time otherwise.
inline bool snap_ok(uint32_t f) { return !(f & (kNeedsClip | kVertexInvalid)); }

HR_MULTIVERSION
void snap_range(const float* pos, int64_t i0, int64_t i1, int W, int H, VertexSnap* out) {
  constexpr int kChunk = 64;
  const double g = raster_guard(W, H);
  const double sx = (double)W * (kSubpixel / 2), sy = (double)H * (kSubpixel / 2);
  int32_t X[kChunk], Y[kChunk];
  uint32_t F[kChunk];
  for (int64_t c0 = i0; c0 < i1; c0 += kChunk) {
    const int n = (int)std::min<int64_t>(kChunk, i1 - c0);
    const float* p = pos + c0 * 4;
#pragma omp simd
    for (int j = 0; j < n; ++j) {
      const double x = p[4 * j], y = p[4 * j + 1], z = p[4 * j + 2], w = p[4 * j + 3];
      const bool finite = (x - x == 0.0) & (y - y == 0.0) & (z - z == 0.0) & (w - w == 0.0);
      uint32_t f = (w + x < 0.0 ? 1u : 0u) | (w - x < 0.0 ? 2u : 0u) | (w + y < 0.0 ? 4u : 0u) |
                   (w - y < 0.0 ? 8u : 0u) | (w + z < 0.0 ? 16u : 0u) | (w - z < 0.0 ? 32u : 0u);
      const bool clip = (z + w < 0.0) | (w - z < 0.0) | (g * w + x < 0.0) | (g * w - x < 0.0) |
                        (g * w + y < 0.0) | (g * w - y < 0.0) | !(w > 0.0);
      f |= clip ? kNeedsClip : 0u;
      const bool snap = finite & !clip;
      const double ww = snap ? w : 1.0;
      const double xs = snap ? (x / ww + 1.0) * sx : 0.0, ys = snap ? (y / ww + 1.0) * sy : 0.0;
      X[j] = (int32_t)rint(xs);
      Y[j] = (int32_t)rint(ys);
      F[j] = finite ? f : (uint32_t)kVertexInvalid;
    }
    for (int j = 0; j < n; ++j) out[c0 + j] = VertexSnap{snap_ok(F[j]) ? X[j] : 0, snap_ok(F[j]) ? Y[j] : 0, F[j]};
  }
}

// Makes the thread's band buffers hold `rows` clean rows of width W.
void prepare_band(Scratch& sc, int rows, int W) {
  const size_t pixels = (size_t)rows * W;
  if (sc.W == W && sc.z.size() >= pixels && sc.x0.size() >= (size_t)rows) return;
  sc.W = W;
  sc.z.assign(std::max(pixels, sc.z.size()), std::numeric_limits<float>::infinity());
  sc.id.assign(sc.z.size(), 0);
  sc.x0.assign(std::max<size_t>(rows, sc.x0.size()), W);
  sc.x1.assign(sc.x0.size(), -1);
}

// Depth-only image: drawn straight into the output, no id buffer and no resolve pass.
void render_depth_image(const RasterParams& p, const VertexSnap* vs, int b) {
  int first, count;
  image_range(p, b, &first, &count);
  float* zb = p.depth + (size_t)b * p.H * p.W;
  std::fill(zb, zb + (size_t)p.H * p.W, std::numeric_limits<float>::infinity());
  TriSetup s[kSetupBatch];
  for (int t0 = 0; t0 < count; t0 += kSetupBatch) {
    const int nt = std::min(kSetupBatch, count - t0);
    setup_batch(p, b, vs, first, t0, nt, s);
    for (int k = 0; k < nt; ++k)
      if (s[k].n) draw_depth(s[k], p.W, p.H, 0, p.H, zb);
  }
}

// One task per image: setup, draw and resolve stay in this thread's cache.
void render_image(const RasterParams& p, const VertexSnap* vs, int b) {
  if (p.depth) {
    render_depth_image(p, vs, b);
    return;
  }
  Scratch& sc = thread_scratch();
  int first, count;
  image_range(p, b, &first, &count);
  sc.planes.resize(std::max(count, 1));  // entries of undrawn triangles stay unwritten, unread
  prepare_band(sc, p.H, p.W);
  TriSetup batch[kSetupBatch];  // the full setups live only while their batch is drawn
  for (int t0 = 0; t0 < count; t0 += kSetupBatch) {
    const int nt = std::min(kSetupBatch, count - t0);
    setup_batch(p, b, vs, first, t0, nt, batch);
    for (int k = 0; k < nt; ++k) {
      const TriSetup& s = batch[k];
      if (!s.n) continue;
      draw_triangle(s, first + t0 + k + 1, p.W, p.H, 0, p.H, sc.z.data(), sc.id.data(), sc.x0.data(),
                    sc.x1.data());
      sc.planes[t0 + k] = planes_of(s);
    }
  }
  resolve_rows(p, b, sc.planes.data(), first, 0, p.H, sc.z.data(), sc.id.data(), sc.x0.data(),
               sc.x1.data());
}

}  // namespace

int64_t raster_scratch_bytes(int, int, int, int) { return 0; }

void raster_run(const RasterParams& p, StreamHandle) {
  const int nthreads = omp_get_max_threads();
  const int64_t work = (int64_t)p.B * p.H * p.W + (int64_t)p.B * p.tcap * 16;
  const bool parallel = nthreads > 1 && work >= 32768;
  // Vertices are projected and snapped once (range mode: once for all images).
  const int64_t nv = (int64_t)(p.pos_batched ? p.B : 1) * p.V;
  // The calling thread's buffer, reused (no fresh pages per call); the workers see a pointer.
  static thread_local std::vector<VertexSnap> vs_buf;
  vs_buf.resize(std::max<int64_t>(nv, 1));
  VertexSnap* const vs = vs_buf.data();
  constexpr int64_t kSnapBlock = 4096;
  const int64_t nblocks = (nv + kSnapBlock - 1) / kSnapBlock;
#pragma omp parallel for schedule(static) if (parallel && nblocks > 1)
  for (int64_t k = 0; k < nblocks; ++k)
    snap_range(p.pos, k * kSnapBlock, std::min(nv, (k + 1) * kSnapBlock), p.W, p.H, vs);
  if (p.B >= nthreads || !parallel) {
#pragma omp parallel for schedule(dynamic, 1) if (parallel)
    for (int b = 0; b < p.B; ++b) render_image(p, vs, b);
    return;
  }
  // Fewer images than threads: set triangles up in parallel, then split images into bands.
  std::vector<TriSetup> tris((size_t)p.B * std::max(p.tcap, 1));
  const int64_t ntri = (int64_t)p.B * p.tcap;
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < ntri; ++i) {
    const int b = (int)(i / p.tcap), t = (int)(i % p.tcap);
    int first, count;
    image_range(p, b, &first, &count);
    tris[i].n = 0;
    if (t < count) setup_one(p, b, vs, first + t, &tris[i]);
  }
  std::vector<TriPlanes> planes(p.depth ? 0 : tris.size());
  if (!p.depth) {
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < ntri; ++i)
      if (tris[i].n) planes[i] = planes_of(tris[i]);
  }
  const int bands = std::max(1, std::min(p.H, (4 * nthreads + p.B - 1) / p.B));
  const int band_h = (p.H + bands - 1) / bands;
#pragma omp parallel for schedule(dynamic, 1)
  for (int task = 0; task < p.B * bands; ++task) {
    const int b = task / bands, y0 = (task % bands) * band_h;
    const int y1 = std::min(p.H, y0 + band_h);
    if (y0 >= y1) continue;
    int first, count;
    image_range(p, b, &first, &count);
    const TriSetup* ts = tris.data() + (size_t)b * p.tcap;
    if (p.depth) {
      float* zb = p.depth + ((size_t)b * p.H + y0) * p.W;
      std::fill(zb, zb + (size_t)(y1 - y0) * p.W, std::numeric_limits<float>::infinity());
      for (int t = 0; t < count; ++t)
        if (ts[t].n && ts[t].by1 >= y0 && ts[t].by0 < y1) draw_depth(ts[t], p.W, p.H, y0, y1, zb);
      continue;
    }
    Scratch& sc = thread_scratch();
    prepare_band(sc, y1 - y0, p.W);
    for (int t = 0; t < count; ++t)
      if (ts[t].n && ts[t].by1 >= y0 && ts[t].by0 < y1)
        draw_triangle(ts[t], first + t + 1, p.W, p.H, y0, y1, sc.z.data(), sc.id.data(),
                      sc.x0.data(), sc.x1.data());
    resolve_rows(p, b, planes.data() + (size_t)b * p.tcap, first, y0, y1, sc.z.data(), sc.id.data(),
                 sc.x0.data(), sc.x1.data());
  }
}

}  // namespace hr

#endif  // HR_CPU_ISA == 0
