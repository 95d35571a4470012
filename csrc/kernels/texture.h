// texture.h: texture sampling with nvdiffrast's conventions, and mip pyramid construction.
// The numpy twin is handraster/_reference/texture.py.
//
// Texel (x, y) of a w x h level has its centre at uv = ((x + 0.5) / w, (y + 0.5) / h):
//   nearest   x = floor(u w), y = floor(v h)
//   linear    s = u w - 0.5, t = v h - 0.5; bilinear over texels floor(s) .. floor(s) + 1
//   boundary  wrap: index mod size; clamp: index clamped; zero: outside texels read 0
// Mip level l+1 averages 2x2 texels of level l (a side of 1 stays 1). Level of detail from
// uv_da = (du/dX, du/dY, dv/dX, dv/dY): with J = [[du/dX w, du/dY w], [dv/dX h, dv/dY h]]
// (level-0 size), lod = 0.5 log2(largest eigenvalue of J J^T) + bias, clamped to
// [0, levels - 1]; without uv_da, lod = bias. linear-mipmap-nearest samples level
// floor(lod + 0.5); linear-mipmap-linear blends floor(lod) and floor(lod) + 1 by frac(lod).
#pragma once
#include <cmath>
#include "common/hr.h"

namespace hr {

constexpr int kMaxMipLevels = 16;
enum TexFilter { kTexNearest = 0, kTexLinear = 1, kTexMipNearest = 2, kTexMipLinear = 3 };
enum TexBoundary { kTexWrap = 0, kTexClamp = 1, kTexZero = 2 };

// Where each level of one texture lives in the packed [Bt, total, C] pyramid.
struct MipLayout {
  int levels;                        // >= 1 (level 0 is the texture itself)
  int h[kMaxMipLevels], w[kMaxMipLevels];
  int64_t offset[kMaxMipLevels];     // first texel of the level
  int64_t total;                     // texels per texture, all levels
};

struct MipDownOp {
  struct Params {
    float* tex;       // [Bt, total, C] packed pyramid: reads level l, writes level l + 1
    int64_t total;
    int64_t src_off, dst_off;
    int sh, sw, dh, dw, C;
  };
  static HR_HD void run(int64_t i, const Params& p) {  // i = (b * dh + y) * dw + x
    const int64_t per = (int64_t)p.dh * p.dw;
    const int64_t b = i / per, r = i - b * per;
    const int y = (int)(r / p.dw), x = (int)(r - (int64_t)y * p.dw);
    const int y0 = p.sh > 1 ? 2 * y : y, y1 = p.sh > 1 ? 2 * y + 1 : y;
    const int x0 = p.sw > 1 ? 2 * x : x, x1 = p.sw > 1 ? 2 * x + 1 : x;
    const float* src = p.tex + (b * p.total + p.src_off) * p.C;
    float* dst = p.tex + (b * p.total + p.dst_off + r) * p.C;
    const float* t00 = src + ((int64_t)y0 * p.sw + x0) * p.C;
    const float* t01 = src + ((int64_t)y0 * p.sw + x1) * p.C;
    const float* t10 = src + ((int64_t)y1 * p.sw + x0) * p.C;
    const float* t11 = src + ((int64_t)y1 * p.sw + x1) * p.C;
    for (int c = 0; c < p.C; ++c) dst[c] = 0.25f * ((t00[c] + t01[c]) + (t10[c] + t11[c]));
  }
};

// Texel index along one axis under the boundary mode; -1 = reads zero.
HR_HD int tex_index(int i, int n, int boundary) {
  if (i >= 0 && i < n) return i;
  if (boundary == kTexWrap) {
    int m = i % n;
    return m < 0 ? m + n : m;
  }
  if (boundary == kTexClamp) return i < 0 ? 0 : n - 1;
  return -1;
}

struct TextureOp {
  struct Params {
    const float* tex;    // [Bt, total, C] pyramid (only level 0 without mip filtering)
    const float* uv;     // [B, H, W, 2]
    const float* uv_da;  // [B, H, W, 4] or nullptr
    const float* bias;   // [B, H, W] mip level bias, or nullptr
    float* out;          // [B, H, W, C] out
    MipLayout mip;
    int64_t HW;          // H * W
    int C, tex_batched, filter, boundary;
  };

  // Adds weight * level texel at continuous texel coords (s, t) (bilinear) into acc.
  static HR_HD void bilinear(const Params& p, const float* lvl, int h, int w, float s, float t,
                             float weight, float* acc) {
    const float fs = floorf(s), ft = floorf(t);
    const float ax = s - fs, ay = t - ft;
    const int x0 = (int)fs, y0 = (int)ft;
    const int xs[2] = {tex_index(x0, w, p.boundary), tex_index(x0 + 1, w, p.boundary)};
    const int ys[2] = {tex_index(y0, h, p.boundary), tex_index(y0 + 1, h, p.boundary)};
    const float wx[2] = {1.f - ax, ax}, wy[2] = {1.f - ay, ay};
    for (int j = 0; j < 2; ++j) {
      if (ys[j] < 0) continue;
      for (int k = 0; k < 2; ++k) {
        if (xs[k] < 0) continue;
        const float wt = weight * wy[j] * wx[k];
        const float* texel = lvl + ((int64_t)ys[j] * w + xs[k]) * p.C;
        for (int c = 0; c < p.C; ++c) acc[c] += wt * texel[c];
      }
    }
  }

  static HR_HD float clamp_coord(float s) {  // keeps the int conversion defined
    return s < -16777216.f ? -16777216.f : (s > 16777216.f ? 16777216.f : s);
  }

  static HR_HD void run(int64_t i, const Params& p) {
    const float* tex = p.tex + (p.tex_batched ? (i / p.HW) * p.mip.total * p.C : 0);
    float* o = p.out + i * p.C;
    const float u = p.uv[i * 2], v = p.uv[i * 2 + 1];
    for (int c = 0; c < p.C; ++c) o[c] = 0.f;
    if (!(u - u == 0.f) || !(v - v == 0.f)) {  // non-finite coordinates
      for (int c = 0; c < p.C; ++c) o[c] = NAN;
      return;
    }
    if (p.filter == kTexNearest) {
      const int h = p.mip.h[0], w = p.mip.w[0];
      const int x = tex_index((int)floorf(clamp_coord(u * w)), w, p.boundary);
      const int y = tex_index((int)floorf(clamp_coord(v * h)), h, p.boundary);
      if (x < 0 || y < 0) return;
      const float* texel = tex + ((int64_t)y * w + x) * p.C;
      for (int c = 0; c < p.C; ++c) o[c] = texel[c];
      return;
    }
    float lod = 0.f;
    if (p.filter >= kTexMipNearest) {
      if (p.uv_da) {
        const float* d = p.uv_da + i * 4;
        const float W0 = (float)p.mip.w[0], H0 = (float)p.mip.h[0];
        const float xu = d[0] * W0, xv = d[2] * H0, yu = d[1] * W0, yv = d[3] * H0;
        const float A = xu * xu + xv * xv, B = yu * yu + yv * yv, Cc = xu * yu + xv * yv;
        const float hd = 0.5f * (A - B);
        const float lam = 0.5f * (A + B) + sqrtf(hd * hd + Cc * Cc);
        lod = lam > 0.f ? 0.5f * log2f(lam) : -1e30f;
      }
      if (p.bias) lod += p.bias[i];
      const float top = (float)(p.mip.levels - 1);
      lod = lod > 0.f ? (lod < top ? lod : top) : 0.f;  // NaN -> 0
    }
    int l0 = 0, l1 = 0;
    float f = 0.f;
    if (p.filter == kTexMipNearest) {
      l0 = l1 = (int)floorf(lod + 0.5f);
    } else if (p.filter == kTexMipLinear) {
      l0 = (int)floorf(lod);
      f = lod - (float)l0;
      l1 = l0 + 1 < p.mip.levels ? l0 + 1 : l0;
    }
    const int ls[2] = {l0, l1};
    const float ws[2] = {1.f - f, f};
    for (int k = 0; k < (l1 != l0 && f > 0.f ? 2 : 1); ++k) {
      const int l = ls[k], h = p.mip.h[l], w = p.mip.w[l];
      const float* lvl = tex + p.mip.offset[l] * p.C;
      bilinear(p, lvl, h, w, clamp_coord(u * w - 0.5f), clamp_coord(v * h - 0.5f),
               (l1 != l0 && f > 0.f) ? ws[k] : 1.f, o);
    }
  }
};

}  // namespace hr
