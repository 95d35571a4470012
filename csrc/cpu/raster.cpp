// raster.cpp: the CPU rasterizer - OpenMP over images (or over image bands when there are
// fewer images than threads), a depth + id buffer per task that stays in L2, and a resolve
// pass that turns ids into (u, v, z/w, id + 1). Per-triangle math: kernels/raster.h.
//
// Coverage must be bit-identical with the numpy twin, so floating-point contraction is off
// for this file (the snapping and clipping doubles are computed op by op).
#pragma GCC optimize("fp-contract=off")
#include <omp.h>

#include <algorithm>
#include <limits>
#include <vector>

#include "kernels/raster.h"

namespace hr {
namespace {

struct Scratch {
  std::vector<float> z;       // depth buffer of the task's rows
  std::vector<int32_t> id;    // triangle id + 1 of the nearest fragment, 0 = background
  std::vector<TriSetup> tris; // per-image triangle setups (image mode)
};

Scratch& thread_scratch() {
  static thread_local Scratch s;
  return s;
}

// Draws triangle s (id1 = id + 1) into rows [y0, y1) of a band buffer (row stride W).
// Triangles arrive in increasing id order, so a strict `<` gives ties to the smaller id.
inline void draw_triangle(const TriSetup& s, int32_t id1, int W, int H, int y0, int y1,
                          float* zb, int32_t* ib) {
  if (s.by1 < y0 || s.by0 >= y1) return;
  for (int k = 1; k + 1 < s.n; ++k) {
    EdgeFns e;
    if (!edge_setup(s, k, W, H, &e)) continue;
    const int ya = std::max<int>(e.by0, y0), yb = std::min<int>(e.by1, y1 - 1);
    for (int py = ya; py <= yb; ++py) {
      int xl, xr;
      row_span(e, py, &xl, &xr);
      float* HR_RESTRICT zr = zb + (size_t)(py - y0) * W;
      int32_t* HR_RESTRICT ir = ib + (size_t)(py - y0) * W;
      const float zrow = s.zc + s.zy * (float)(py - s.oy);
      for (int px = xl; px <= xr; ++px) {
        const float z = zrow + s.zx * (float)(px - s.ox);  // == pixel_depth(s, px, py)
        const bool nearer = z < zr[px];
        zr[px] = nearer ? z : zr[px];
        ir[px] = nearer ? id1 : ir[px];
      }
    }
  }
}

// Writes rast (and rast_db) rows [y0, y1) from a band buffer. tris[id - first] is the setup
// of triangle id.
inline void resolve_rows(const RasterParams& p, int b, const TriSetup* tris, int first, int y0,
                         int y1, const float* zb, const int32_t* ib) {
  const int W = p.W;
  for (int py = y0; py < y1; ++py) {
    const size_t row = ((size_t)b * p.H + py) * W;
    float* out = p.rast + row * 4;
    float* db = p.rast_db ? p.rast_db + row * 4 : nullptr;
    const float* zr = zb + (size_t)(py - y0) * W;
    const int32_t* ir = ib + (size_t)(py - y0) * W;
    for (int px = 0; px < W; ++px) {
      const int32_t id1 = ir[px];
      float* o = out + (size_t)px * 4;
      float* d = db ? db + (size_t)px * 4 : nullptr;
      if (id1 == 0) {
        o[0] = o[1] = o[2] = o[3] = 0.f;
        if (d) d[0] = d[1] = d[2] = d[3] = 0.f;
      } else {
        resolve_pixel(tris[id1 - 1 - first], px, py, zr[px], (float)id1, o, d);
      }
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

inline const float* image_pos(const RasterParams& p, int b) {
  return p.pos + (p.pos_batched ? (size_t)b * p.V * 4 : 0);
}

inline void setup_one(const RasterParams& p, const float* pos, int t, TriSetup* s) {
  const int32_t* f = p.tri + (size_t)t * 3;
  setup_triangle(pos + (size_t)f[0] * 4, pos + (size_t)f[1] * 4, pos + (size_t)f[2] * 4, p.W,
                 p.H, s);
}

void prepare_band(Scratch& sc, size_t pixels) {
  sc.z.resize(pixels);
  sc.id.resize(pixels);
  std::fill(sc.z.begin(), sc.z.end(), std::numeric_limits<float>::infinity());
  std::fill(sc.id.begin(), sc.id.end(), 0);
}

// One task per image: setup, draw and resolve stay in this thread's cache.
void render_image(const RasterParams& p, int b) {
  Scratch& sc = thread_scratch();
  int first, count;
  image_range(p, b, &first, &count);
  const float* pos = image_pos(p, b);
  sc.tris.resize(std::max(count, 1));
  prepare_band(sc, (size_t)p.H * p.W);
  for (int t = 0; t < count; ++t) {
    TriSetup& s = sc.tris[t];
    setup_one(p, pos, first + t, &s);
    if (s.n) draw_triangle(s, first + t + 1, p.W, p.H, 0, p.H, sc.z.data(), sc.id.data());
  }
  resolve_rows(p, b, sc.tris.data(), first, 0, p.H, sc.z.data(), sc.id.data());
}

}  // namespace

int64_t raster_scratch_bytes(int, int, int, int) { return 0; }

void raster_run(const RasterParams& p, StreamHandle) {
  const int nthreads = omp_get_max_threads();
  const int64_t work = (int64_t)p.B * p.H * p.W + (int64_t)p.B * p.tcap * 16;
  const bool parallel = nthreads > 1 && work >= 32768;
  if (p.B >= nthreads || !parallel) {
#pragma omp parallel for schedule(dynamic, 1) if (parallel)
    for (int b = 0; b < p.B; ++b) render_image(p, b);
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
    if (t < count) setup_one(p, image_pos(p, b), first + t, &tris[i]);
  }
  const int bands = std::max(1, std::min(p.H, (4 * nthreads + p.B - 1) / p.B));
  const int band_h = (p.H + bands - 1) / bands;
#pragma omp parallel for schedule(dynamic, 1)
  for (int task = 0; task < p.B * bands; ++task) {
    const int b = task / bands, y0 = (task % bands) * band_h;
    const int y1 = std::min(p.H, y0 + band_h);
    if (y0 >= y1) continue;
    Scratch& sc = thread_scratch();
    prepare_band(sc, (size_t)(y1 - y0) * p.W);
    int first, count;
    image_range(p, b, &first, &count);
    const TriSetup* ts = tris.data() + (size_t)b * p.tcap;
    for (int t = 0; t < count; ++t)
      if (ts[t].n) draw_triangle(ts[t], first + t + 1, p.W, p.H, y0, y1, sc.z.data(), sc.id.data());
    resolve_rows(p, b, ts, first, y0, y1, sc.z.data(), sc.id.data());
  }
}

}  // namespace hr
