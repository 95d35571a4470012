// shade.h: the scene renderer's per-pixel stage: interpolate, shade, composite over the
// background and write the sample's RGB, metric depth and part mask. One item per output
// row (b, row), row 0 at the top (the rasterizer's row H-1-row): the row's background is
// written first in vectorised per-mode loops (kernels/background.h), then the covered pixels
// are shaded over it.
//
// Covered pixel (triangle t, barycentrics (u, v, 1-u-v) from rasterize):
//   a        = u a0 + v a1 + (1-u-v) a2 for camera position, normal and vertex attributes
//   label    = part label of the vertex with the largest barycentric weight
//   dropped  if forearm and a.forearm > cut_b (randomised forearm length) -> background
//   albedo   = skin: mix(back, palm, palm_w) * blotch, blotch = 1 + amp (2 fbm(rest * freq) - 1)
//                    evaluated per vertex (VertexNormalOp; the blotches span centimetres)
//                    * (1 - crease * exp(-(d / 1.2mm)^2)), nails mixed in by the nail mask;
//              sleeve / object: two colours in a stripe / check / noise pattern
//              textured skin (tex_id[b] >= 0, labels 1..7): the base mix(back, palm) * blotch
//              is mixed with tex = srgb2lin(bilinear(texture, uv)) by kTexMix before the
//              crease / nail terms; uv = u uv0 + v uv1 + (1-u-v) uv2 of the face corners
//              (uv_tri), u wrapped to [0, 1), v up (row = (1 - v) h - 0.5), bilinear in 16.16
//              fixed point (bilinear_rgba8_fixed, clamped), sRGB -> linear per channel
//   L_o      = exposure * ( albedo/pi * sum_l E_l (lam + tint (wrap - lam))
//                         + sum_l E_l spec * GGX(n, v, l) + albedo/pi * SH_irradiance(R n) )
//              lam = max(n.l, 0), wrap = max((n.l + w)/(1 + w), 0)
//              E_key *= vis (kernels/shadow.h) for the key light when a shadow map is bound and
//              n.l > 0 (vis is 1 elsewhere); vis == 1 leaves E_key untouched, bit for bit
//   rgb      = sRGB(soft_clip(L_o)),  depth = camera z,  mask = label
// Background pixel: a photo from the image pool through a 2x3 affine map of pixel
// coordinates (bilinear), an equirectangular HDR environment seen along the pixel's ray
// (exposure, sRGB), or a solid colour; depth = the background plane (0 = none), mask = 0.
// The numpy twin is handraster/_reference/shade.py.
#pragma once
#include "common/hr.h"
#include "common/math.h"
#include "kernels/background.h"
#include "kernels/shade_common.h"
#include "kernels/shadow.h"
#include "kernels/shade_pixels.h"
#include "kernels/shade_terms.h"

namespace hr {

struct ShadeOp {
  struct Params {
    const float* rast;         // [B, H, W, 4] (u, v, z/w, tri+1), nvdiffrast layout, row 0 bottom
    const int32_t* tri;        // [T, 3]
    const float* p_cam;        // [B, V, 3] camera-frame positions (m)
    const float* nrm;          // [B, V, 3] camera-frame unit normals
    const float* vattr;        // [V, kVAttr] static vertex attributes (shade_common.h)
    const float* vblotch;      // [B, V] per-vertex skin blotch factor (VertexNormalOp)
    const uint8_t* vlabel;     // [V] part labels 1..8
    const float* mat;          // [B, kMatParams]
    const float* lights;       // [B, kMaxLights, kLightParams]
    const int32_t* nlights;    // [B]
    const float* sh;           // [B, 9, 3] ambient irradiance SH
    const float* sh_rot;       // [B, 3, 3] camera frame -> SH frame
    const int32_t* bg_mode;    // [B] 0 photo, 1 environment, 2 solid colour
    const int32_t* bg_id;      // [B] image / environment index
    const float* bg_affine;    // [B, 2, 3] output pixel -> photo pixel
    const float* bg_param;     // [B, 8]: solid sRGB 0..255 (3), env exposure, depth plane (m)
    const float* Kinv;         // [B, 3, 3] inverse intrinsics (environment rays)
    const float* env_rot;      // [B, 3, 3] camera frame -> environment frame
    const uint32_t* pool;      // [total] photo pool pixels, packed RGBA (R in the low byte)
    const int64_t* pool_off;   // [Np] pixel offsets
    const int32_t* pool_hw;    // [Np, 2]
    const float* env;          // [total] environment pool floats (EnvPool.data)
    const int64_t* env_off;    // [Ne] float offsets
    const int32_t* env_hw;     // [Ne, 2]
    const uint8_t* lin2srgb;   // [4096] linear (0..1) -> sRGB byte
    uint8_t* rgb;              // [B, H, W, 3] out
    float* depth;              // [B, H, W] out (m, 0 = nothing)
    uint8_t* mask;             // [B, H, W] out part labels
    int B, H, W, V;
    const float* uv_tri;       // [T, 3, 2] per-face-corner texture coordinates (nullptr: no textures)
    const uint32_t* tex;       // [total] skin texture pool pixels, packed RGBA (R in the low byte)
    const int64_t* tex_off;    // [Nt] pixel offsets
    const int32_t* tex_hw;     // [Nt, 2]
    const int32_t* tex_id;     // [B] texture of the sample's skin, -1 = procedural
    const float* srgb2lin;     // [256] sRGB byte -> linear 0..1
    int n_tex;                 // Nt (0: textures off)
    const float* shadow_map;   // [B, S, S] key-light depth map, z/w (shadow.h; nullptr: no shadows)
    const float* shadow;       // [B, kShadowParams] light projection, key light (shadow.h)
    int S;                     // shadow map resolution
    const int32_t* spans = nullptr;  // [B, H, 2] per rast row, the columns [x0, x1] rast holds
                                     // (rasterize's spans; rast is stale outside); nullptr: all
  };
  static constexpr int64_t kCost = 20000;  // per row

  // Linear albedo of texture tex_id at the face-corner-interpolated uv of triangle t.
  static HR_HD vec3 texture_albedo(const Params& p, int id, int t, const float* w) {
    const float* c = p.uv_tri + (int64_t)t * 6;
    float u = w[0] * c[0] + w[1] * c[2] + w[2] * c[4];
    float v = w[0] * c[1] + w[1] * c[3] + w[2] * c[5];
    u = u - floorf(u);
    const int h = p.tex_hw[id * 2], wd = p.tex_hw[id * 2 + 1];
    const int32_t xf = (int32_t)floorf((u * wd - 0.5f) * 65536.f + 0.5f);
    const int32_t yf = (int32_t)floorf(((1.f - v) * h - 0.5f) * 65536.f + 0.5f);
    const uint32_t q = bilinear_rgba8_fixed(p.tex + p.tex_off[id], h, wd, xf, yf);
    return {p.srgb2lin[q & 0xFFu], p.srgb2lin[(q >> 8) & 0xFFu], p.srgb2lin[(q >> 16) & 0xFFu]};
  }

  // The scalar per-pixel path (CUDA; the CPU runs shade_pixels.h's chunked loops, same terms).
  // a: the [kVAttr] interpolated attributes; tex: linear texture albedo or nullptr.
  static HR_HD vec3 shade_pixel(const Params& p, int64_t b, vec3 pos, vec3 n, int label, const float* a,
                                float blotch, const vec3* tex) {
    const float* m = p.mat + b * kMatParams;
    float rough, specw, f0;
    vec3 alb;
    const bool skin = is_skin(label, m);
    if (skin) {
      float pw;
      alb = skin_base(m, a[kVPalm], blotch, &pw);
      if (tex) alb = alb * (1.f - m[kTexMix]) + (*tex) * m[kTexMix];
      alb = skin_detail(m, alb, pw, a[kVCrease], a[kVNail], label <= 6, &rough, &specw);
      f0 = 0.028f;
    } else {
      alb = pattern_albedo(label, a[kVForearm], a[kVRest] + a[kVRest + 2], a[kVUvU], a[kVUvU + 1], m, &rough,
                           &specw);
      f0 = 0.04f;
    }
    vec3 v = normalize(pos * -1.f);
    if (dot(n, v) < 0.f) n = n * -1.f;  // two-sided: cut forearm ends, thin objects
    const float wrap = skin ? m[kSkinWrap] : 0.f;
    const vec3 tint = skin ? load3(m + kSssTint) : vec3{0.f, 0.f, 0.f};
    vec3 diff{0.f, 0.f, 0.f}, spec{0.f, 0.f, 0.f};
    const int nl = p.nlights[b];
    const float* sp = p.shadow_map ? p.shadow + b * kShadowParams : nullptr;
    const int key = sp ? (int)sp[kSKey] : -1;
    for (int k = 0; k < nl && k < kMaxLights; ++k) {
      const float* L = p.lights + (b * kMaxLights + k) * kLightParams;
      float s;
      const vec3 l = light_at(L, (int)L[kLType], pos, &s);
      if (k == key && dot(n, l) > 0.f) {
        const float vis = shadow_visibility(shadow_map_of(p.shadow_map, b, p.S), p.S, sp, pos, n, l);
        if (vis < 1.f) s = s * vis;
      }
      const vec3 E = load3(L + kLColor) * s;
      diff = diff + light_diffuse(n, l, E, wrap, tint);
      spec = spec + light_specular(n, v, l, E, specw, rough, f0);
    }
    return shade_radiance(m, p.sh + b * 27, p.sh_rot + b * 9, n, alb, diff, spec);
  }

  static HR_HD void background_row(const Params& p, int64_t b, int row, uint8_t* out, float* depth,
                                   uint8_t* mask) {
    const int mode = p.bg_mode[b];
    const float* bp = p.bg_param + b * 8;
    const int W = p.W;
    for (int col = 0; col < W; ++col) { depth[col] = bp[4]; mask[col] = 0; }
    if (mode == 0) {
      const int id = p.bg_id[b];
      photo_row(p.pool + p.pool_off[id], p.pool_hw[id * 2], p.pool_hw[id * 2 + 1], p.bg_affine + b * 6,
                row, p.H, W, out);
    } else if (mode == 1) {
      const int id = p.bg_id[b];
      env_row(p.env + p.env_off[id], p.env_hw[id * 2], p.env_hw[id * 2 + 1], p.Kinv + b * 9,
              p.env_rot + b * 9, bp[3], p.lin2srgb, row, W, out);
    } else {
      solid_row(bp, W, out);
    }
  }

  // One item per output row (b, row): the division into (b, row, col) is done once per row.
  // HR_SHADE_SCALAR (a -D flag) runs the scalar path on the CPU too, to compare the two.
  static HR_HD void run(int64_t item, const Params& p) {
    const int64_t b = item / p.H;
    const int row = (int)(item - b * p.H);
    const float* Rrow = p.rast + ((b * p.H + (p.H - 1 - row)) * p.W) * 4;
    uint8_t* rgb = p.rgb + item * p.W * 3;
    float* depth = p.depth + item * p.W;
    uint8_t* mask = p.mask + item * p.W;
    background_row(p, b, row, rgb, depth, mask);
    int x0 = 0, x1 = p.W - 1;
    if (p.spans) {  // the rasterizer's span of this row: nothing is covered outside it
      const int32_t* sp = p.spans + (b * p.H + (p.H - 1 - row)) * 2;
      x0 = sp[0] > 0 ? sp[0] : 0;
      x1 = sp[1] < p.W - 1 ? sp[1] : p.W - 1;
    }
    if (x0 > x1) return;
#if HR_DEVICE_CODE || defined(HR_SHADE_SCALAR)
    shade_row_scalar(p, b, Rrow, rgb, depth, mask, x0, x1);
#else
    shade_row_chunked<ShadeOp>(p, b, Rrow, rgb, depth, mask, x0, x1);
#endif
  }

  // The covered pixels of one row's columns [x0, x1], one at a time.
  static HR_HD void shade_row_scalar(const Params& p, int64_t b, const float* Rrow, uint8_t* rgb, float* depth,
                                     uint8_t* mask, int x0, int x1) {
    const float* m = p.mat + b * kMatParams;
    const float* P = p.p_cam + b * p.V * 3;
    const float* N = p.nrm + b * p.V * 3;
    const float* Bl = p.vblotch + b * p.V;
    for (int col = x0; col <= x1; ++col) {
      const float* R = Rrow + col * 4;
      const int t = (int)R[3] - 1;
      if (t < 0) continue;
      const int32_t* f = p.tri + t * 3;
      const float w[3] = {R[0], R[1], 1.f - R[0] - R[1]};
      const float* a0 = p.vattr + f[0] * kVAttr;
      const float* a1 = p.vattr + f[1] * kVAttr;
      const float* a2 = p.vattr + f[2] * kVAttr;
      float a[kVAttr];
      for (int q = 0; q < kVAttr; ++q) a[q] = w[0] * a0[q] + w[1] * a1[q] + w[2] * a2[q];
      if (a[kVForearm] > m[kForearmCut]) continue;  // beyond this sample's forearm length
      const int k = w[0] >= w[1] ? (w[0] >= w[2] ? 0 : 2) : (w[1] >= w[2] ? 1 : 2);
      const int label = p.vlabel[f[k]];
      vec3 pos = load3(P + f[0] * 3) * w[0] + load3(P + f[1] * 3) * w[1] + load3(P + f[2] * 3) * w[2];
      vec3 n = normalize(load3(N + f[0] * 3) * w[0] + load3(N + f[1] * 3) * w[1] + load3(N + f[2] * 3) * w[2]);
      float blotch = w[0] * Bl[f[0]] + w[1] * Bl[f[1]] + w[2] * Bl[f[2]];
      vec3 texc;
      const int tid = p.n_tex > 0 ? p.tex_id[b] : -1;
      if (tid >= 0 && label <= 7) texc = texture_albedo(p, tid, t, w);
      vec3 L = shade_pixel(p, b, pos, n, label, a, blotch, tid >= 0 && label <= 7 ? &texc : nullptr);
      rgb[col * 3] = encode_srgb(p.lin2srgb, L.x);
      rgb[col * 3 + 1] = encode_srgb(p.lin2srgb, L.y);
      rgb[col * 3 + 2] = encode_srgb(p.lin2srgb, L.z);
      depth[col] = pos.z;
      mask[col] = (uint8_t)label;
    }
  }
};

}  // namespace hr
