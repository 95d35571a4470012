// shade_common.h: the small pieces of the scene shader (shade.h), all HR_HD: parameter
// layouts, hash noise, spherical harmonics, GGX, sRGB and bilinear fetches.
#pragma once
#include <cmath>
#include <cstring>
#include "common/hr.h"
#include "common/math.h"

namespace hr {

// Per-sample material parameters, float [B, kMatParams] (linear RGB albedos).
enum MatParam : int {
  kSkinBack = 0,      // 3: back-of-hand albedo
  kSkinPalm = 3,      // 3: palm albedo
  kSkinNail = 6,      // 3: nail albedo
  kBlotchAmp = 9,     // relative albedo variation of the low-frequency blotches
  kBlotchFreq = 10,   // blotch frequency, cycles per metre (rest-pose coordinates)
  kNoiseSeed = 11,    // noise lattice offset (any float)
  kSkinRough = 12,    // GGX roughness of skin
  kSkinSpec = 13,     // specular weight of skin
  kSkinWrap = 14,     // wrap-lighting amount (subsurface softening), 0..1
  kCrease = 15,       // crease darkening strength 0..1
  kForearmMode = 16,  // 0 bare skin, 1 sleeve
  kSleeveA = 17,      // 3: sleeve colour
  kSleeveB = 20,      // 3: sleeve second colour
  kSleevePattern = 23,// 0 solid, 1 stripes, 2 checks
  kSleeveFreq = 24,   // pattern cycles per metre
  kForearmCut = 25,   // forearm fragments farther than this from the wrist (m) are dropped
  kObjA = 26,         // 3: object colour
  kObjB = 29,         // 3: object second colour
  kObjPattern = 32,   // 0 solid, 1 stripes, 2 checks, 3 noise
  kObjFreq = 33,      // pattern cycles per unit of object uv
  kObjRough = 34,     // object roughness
  kExposure = 35,     // multiplies the shaded hand/forearm/object radiance
  kSssTint = 36,      // 3: colour of light scattered by the wrap term (reddish for skin)
  kTexMix = 39,       // 0 procedural albedo, 1 texture-pool albedo (when a texture is bound)
  kMatParams = 40
};

// Lights, float [B, kMaxLights, kLightParams], camera frame.
constexpr int kMaxLights = 5;
enum LightParam : int {
  kLType = 0,     // 0 directional, 1 point, 2 spot
  kLColor = 1,    // 3: linear RGB irradiance scale (W/m^2-like; point lights: at 1 m)
  kLPos = 4,      // 3: position (point, spot)
  kLDir = 7,      // 3: unit direction the light travels (directional, spot)
  kLCosOuter = 10,
  kLCosInner = 11,
  kLightParams = 12
};

// Vertex attributes of the scene mesh, float [V, kVAttr] (static, rest pose).
enum VAttr : int {
  kVRest = 0,      // 3: rest-pose position (m): noise coordinates that move with the skin
  kVPalm = 3,      // palm-side weight 0..1
  kVCrease = 4,    // signed distance along the finger to the nearest flexion crease (m)
  kVNail = 5,      // nail mask 0..1
  kVForearm = 6,   // distance from the wrist along the forearm (m), 0 on the hand
  kVUvU = 7,       // 2: object / sleeve pattern coordinates
  kVAttr = 9
};

HR_HD uint32_t hash3(int32_t x, int32_t y, int32_t z, uint32_t seed) {
  uint32_t h = seed * 0x9E3779B1u ^ static_cast<uint32_t>(x) * 0x85EBCA77u ^
               static_cast<uint32_t>(y) * 0xC2B2AE3Du ^ static_cast<uint32_t>(z) * 0x27D4EB2Fu;
  h ^= h >> 15; h *= 0x2C1B3C6Du; h ^= h >> 12; h *= 0x297A2D39u; h ^= h >> 15;
  return h;
}

// Trilinear value noise in [0, 1] with smoothstep weights.
HR_HD float value_noise(float x, float y, float z, uint32_t seed) {
  float fx = floorf(x), fy = floorf(y), fz = floorf(z);
  int32_t ix = (int32_t)fx, iy = (int32_t)fy, iz = (int32_t)fz;
  float tx = x - fx, ty = y - fy, tz = z - fz;
  tx = tx * tx * (3.f - 2.f * tx); ty = ty * ty * (3.f - 2.f * ty); tz = tz * tz * (3.f - 2.f * tz);
  float c[8];
  for (int k = 0; k < 8; ++k)
    c[k] = (hash3(ix + (k & 1), iy + ((k >> 1) & 1), iz + (k >> 2), seed) >> 8) * (1.f / 16777216.f);
  float x00 = c[0] + (c[1] - c[0]) * tx, x10 = c[2] + (c[3] - c[2]) * tx;
  float x01 = c[4] + (c[5] - c[4]) * tx, x11 = c[6] + (c[7] - c[6]) * tx;
  float y0 = x00 + (x10 - x00) * ty, y1 = x01 + (x11 - x01) * ty;
  return y0 + (y1 - y0) * tz;
}

// Two-octave fractal noise, mean ~0.5.
HR_HD float fbm2(vec3 p, uint32_t seed) {
  return 0.667f * value_noise(p.x, p.y, p.z, seed) +
         0.333f * value_noise(2.03f * p.x, 2.03f * p.y, 2.03f * p.z, seed + 17u);
}

// Irradiance from 9 SH coefficients per channel (order Y00; Y1-1 (y), Y10 (z), Y11 (x);
// Y2-2 (xy), Y2-1 (yz), Y20 (3z^2-1), Y21 (xz), Y22 (x^2-y^2)); sh is [9, 3].
HR_HD vec3 sh9_eval(const float* sh, vec3 n) {
  const float Y[9] = {0.282095f, 0.488603f * n.y, 0.488603f * n.z, 0.488603f * n.x,
                      1.092548f * n.x * n.y, 1.092548f * n.y * n.z,
                      0.315392f * (3.f * n.z * n.z - 1.f), 1.092548f * n.x * n.z,
                      0.546274f * (n.x * n.x - n.y * n.y)};
  vec3 e = {0.f, 0.f, 0.f};
  for (int k = 0; k < 9; ++k) e = e + Y[k] * load3(sh + k * 3);
  return e;
}

// GGX / Trowbridge-Reitz specular with Schlick Fresnel and Smith-Schlick visibility;
// returns the BRDF times n.l, 0 where n.l <= 0 or n.v <= 0. Evaluated everywhere and then
// selected (no early return), so the light loops of shade_pixels.h vectorise.
HR_HD float ggx_specular(vec3 n, vec3 v, vec3 l, float rough, float f0) {
  vec3 h = normalize(v + l);
  float nl = dot(n, l), nv = dot(n, v), nh = dot(n, h), vh = dot(v, h);
  float a = rough * rough, a2 = a * a;
  float d = nh * nh * (a2 - 1.f) + 1.f;
  float D = a2 / (3.14159265f * d * d);
  float k = a * 0.5f;
  float G = (nl / (nl * (1.f - k) + k)) * (nv / (nv * (1.f - k) + k));
  float x = 1.f - clampf(vh, 0.f, 1.f), x2 = x * x;
  float F = f0 + (1.f - f0) * (x2 * x2 * x);
  const float r = D * G * F / (4.f * nv);  // (D G F / (4 nl nv)) * nl
  return nl > 0.f && nv > 0.f ? r : 0.f;
}

// Bit-pattern casts (exp_neg's 2^k and round-to-integer); memcpy works in CUDA device code too
// and compiles to a register move on both sides.
HR_HD float float_from_bits(int32_t i) {
  float f;
  memcpy(&f, &i, sizeof f);
  return f;
}
HR_HD int32_t bits_of_float(float f) {
  int32_t i;
  memcpy(&i, &f, sizeof i);
  return i;
}

// e^-x for x in [0, 80], relative error < 3e-7: e^-x = 2^-k e^t with k = round(x log2 e) and
// t = k ln 2 - x (|t| <= ln2 / 2, ln 2 in two parts, Cody-Waite), e^t by its degree-6 Taylor
// polynomial. k comes from adding 1.5 * 2^23 (the sum's low mantissa bits are round(x log2 e)),
// not from a float -> int conversion: GCC will not speculate a conversion (it may trap) when
// it if-converts a loop, and exp_neg is called under selects in vectorised loops, where expf
// (a libm call) would keep the loop scalar too.
HR_HD float exp_neg(float x) {
  const float r = x * 1.44269504f + 12582912.f;
  const int32_t k = bits_of_float(r) - 0x4B400000;
  const float kf = r - 12582912.f;
  const float t = (kf * 0.693145752f - x) + kf * 1.42860677e-6f;
  const float e = 1.f + t * (1.f + t * (0.5f + t * (0.166666667f + t * (0.0416666667f + t * (0.00833333333f +
                  t * 0.00138888889f)))));
  return e * float_from_bits((127 - k) << 23);
}

// The blend of four RGBA8 texels (row 0: p00, p01; row 1: p10, p11) with 8-bit weights fx, fy
// in [0, 256], two channels per 32-bit multiply.
HR_HD uint32_t blend_rgba8(uint32_t p00, uint32_t p01, uint32_t p10, uint32_t p11, uint32_t fx, uint32_t fy) {
  const uint32_t M = 0x00FF00FFu;
  uint32_t rb0 = (((p00 & M) * (256u - fx) + (p01 & M) * fx) >> 8) & M;
  uint32_t ga0 = ((((p00 >> 8) & M) * (256u - fx) + ((p01 >> 8) & M) * fx) >> 8) & M;
  uint32_t rb1 = (((p10 & M) * (256u - fx) + (p11 & M) * fx) >> 8) & M;
  uint32_t ga1 = ((((p10 >> 8) & M) * (256u - fx) + ((p11 >> 8) & M) * fx) >> 8) & M;
  uint32_t rb = ((rb0 * (256u - fy) + rb1 * fy) >> 8) & M;
  uint32_t ga = ((ga0 * (256u - fy) + ga1 * fy) >> 8) & M;
  return rb | (ga << 8);
}

// Bilinear fetch from an [h, w] image of packed RGBA bytes (uint32, R in the low byte), in
// fixed point: 8-bit weights, two channels per 32-bit multiply (R,B and G,A in 16-bit lanes:
// 255 * 256 fits). x, y in 16.16 fixed point, integer = pixel centre, clamped to the edge.
// Within 2 of the float bilinear per channel (weights and each stage truncate to 8 bits).
HR_HD uint32_t bilinear_rgba8_fixed(const uint32_t* img, int h, int w, int32_t xf, int32_t yf) {
  const int32_t xmax = (w - 1) << 16, ymax = (h - 1) << 16;
  xf = xf < 0 ? 0 : (xf > xmax ? xmax : xf);
  yf = yf < 0 ? 0 : (yf > ymax ? ymax : yf);
  const int x0 = xf >> 16, y0 = yf >> 16;
  const int x1 = x0 + 1 < w ? x0 + 1 : x0, y1 = y0 + 1 < h ? y0 + 1 : y0;
  const uint32_t fx = (uint32_t)(xf >> 8) & 0xFFu, fy = (uint32_t)(yf >> 8) & 0xFFu;
  return blend_rgba8(img[y0 * w + x0], img[y0 * w + x1], img[y1 * w + x0], img[y1 * w + x1], fx, fy);
}

// Bilinear fetch from an [h, w, 3] float image, x wrapping (equirectangular), y clamped.
HR_HD vec3 bilinear_rgbf_wrapx(const float* img, int h, int w, float x, float y) {
  // Every step is arithmetic or a single select and the fetches are indexed loads, the forms
  // GCC if-converts and turns into gathers, so background.h's loops vectorise (a floorf, a
  // nested clamp or pointer-based load3 here each left them scalar, ~10x slower).
  y = y < 0.f ? 0.f : y;
  y = y > float(h - 1) ? float(h - 1) : y;
  int x0 = (int)x;
  x0 -= (int)(x < (float)x0);  // floor: x lies in [-0.5, w - 0.5]
  const float tx = x - (float)x0;
  x0 += w * ((int)(x0 < 0) - (int)(x0 >= w));  // one wrap each way, no modulo
  const int x1 = x0 + 1 - w * (int)(x0 + 1 >= w);
  const int y0 = (int)y, y1 = y0 + (int)(y0 + 1 < h);
  const float ty = y - (float)y0;
  const int i00 = (y0 * w + x0) * 3, i01 = (y0 * w + x1) * 3, i10 = (y1 * w + x0) * 3,
            i11 = (y1 * w + x1) * 3;
  const vec3 a{img[i00], img[i00 + 1], img[i00 + 2]}, b{img[i01], img[i01 + 1], img[i01 + 2]};
  const vec3 c{img[i10], img[i10 + 1], img[i10 + 2]}, d{img[i11], img[i11 + 1], img[i11 + 2]};
  return (a * (1.f - tx) + b * tx) * (1.f - ty) + (c * (1.f - tx) + d * tx) * ty;
}

// Soft shoulder above 0.8 so bright highlights roll off instead of clipping hard.
HR_HD float soft_clip(float c) {
  if (c <= 0.8f) return c > 0.f ? c : 0.f;
  return 0.8f + 0.2f * (1.f - expf(-(c - 0.8f) * 5.f));
}

HR_HD uint8_t encode_srgb(const uint8_t* lut4096, float lin) {
  int k = (int)(soft_clip(lin) * 4095.f + 0.5f);
  return lut4096[k > 4095 ? 4095 : k];
}

// atan2 and acos to ~1e-5 rad with polynomials (libm's are several times slower and the
// environment lookup runs for every background pixel). Abramowitz & Stegun 4.4.49 / 4.4.46.
HR_HD float fast_atan2(float y, float x) {
  float ax = fabsf(x), ay = fabsf(y);
  float mx = ax > ay ? ax : ay, mn = ax > ay ? ay : ax;
  float a = mn / (mx > 0.f ? mx : 1.f), s = a * a;  // branch-free (vectorised loops): 0 at the origin
  float r = ((((((((0.0028662257f * s - 0.0161657367f) * s + 0.0429096138f) * s - 0.0752896400f) * s +
                0.1065626393f) * s - 0.1420889944f) * s + 0.1999355085f) * s - 0.3333314528f) * s) * a + a;
  if (ay > ax) r = 1.57079637f - r;
  if (x < 0.f) r = 3.14159274f - r;
  return y < 0.f ? -r : r;
}

HR_HD float fast_acos(float x) {
  float ax = fabsf(x);
  float r = (((((((-0.0012624911f * ax + 0.0066700901f) * ax - 0.0170881256f) * ax + 0.0308918810f) * ax -
               0.0501743046f) * ax + 0.0889789874f) * ax - 0.2145988016f) * ax + 1.5707963050f) *
            sqrtf(1.f - ax);
  return x < 0.f ? 3.14159265f - r : r;
}

// Equirectangular lookup convention (docs/assets.md): +Y up, u = atan2(x, -z) / (2 pi) + 0.5,
// v = acos(y) / pi, v = 0 the top row. Returns pixel coordinates (integer = centre).
HR_HD void equirect_xy(vec3 d, int h, int w, float* x, float* y) {
  float u = fast_atan2(d.x, -d.z) * (0.5f / 3.14159265f) + 0.5f;
  float v = fast_acos(clampf(d.y, -1.f, 1.f)) * (1.f / 3.14159265f);
  *x = u * w - 0.5f;
  *y = v * h - 0.5f;
}

}  // namespace hr
