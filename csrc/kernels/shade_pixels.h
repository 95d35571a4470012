// shade_pixels.h: the CPU's path for one row's covered pixels (ShadeOp, shade.h). Same terms
// as the scalar per-pixel path (shade_terms.h), restructured for the vector units, as
// background.h does for the background:
//
//   1. collect and interpolate (scalar): the row's covered, kept pixels (forearm cut applied
//      here) into a chunk of kShadeChunk: column, corner vertex ids, barycentrics, label, and
//      the interpolated position, normal, blotch, palm / crease / nail, each vertex's data
//      read with a few 4-wide loads (a vectorised loop's gathers cost ~4 instructions per
//      float, 30 floats per pixel); SoA stack arrays.
//   2. normalise the normals (vectorised).
//   3. albedo (vectorised): skin base for every pixel; the rare paths are scalar fix-ups over
//      the pixels that need them: the skin texture (between base and crease terms) and the
//      sleeve / object pattern coordinates for non-skin pixels; the pattern itself (stripes,
//      checks, fbm noise) is a vectorised loop over the chunk (chunk_pattern).
//   4. lights: lights outside, pixels inside (vectorised, one loop per light type, so the type
//      branch is uniform); the key light's shadow-map visibility is a scalar pre-pass when a
//      shadow map is bound (vis == 1 leaves E untouched, as in the scalar path).
//   5. SH ambient, exposure, sRGB LUT index (vectorised); a scalar loop stores the bytes, with
//      encode_srgb's exp for the few channels above soft_clip's knee.
//
// The loops carry `#pragma GCC ivdep`, not `omp simd`: OpenMP lowering runs before inlining
// and turns every named vec3 local of an omp simd body that is passed to a helper into a
// per-lane stack array, which the vectoriser then rejects (-fopt-info-vec: "no vectype").
//
// Why: ~70 % of a solid-background sample's shading time was this loop run one pixel at a
// time (label and light-type branches, libm calls). The per-pixel arithmetic is the scalar
// path's, in the same order, so results agree with it to float rounding (FMA contraction
// may differ between the vector and scalar forms). CPU only: CUDA runs the scalar path.
#pragma once
#include "common/hr.h"
#include "common/math.h"
#include "kernels/background.h"
#include "kernels/shade_common.h"
#include "kernels/shade_terms.h"
#include "kernels/shadow.h"

#if !HR_DEVICE_CODE
namespace hr {

constexpr int kShadeChunk = 64;  // covered pixels per chunk (~10 KB of stack arrays)
constexpr int kShadePrefetchRows = 2;  // how far ahead the rast rows are prefetched
constexpr int kShadeLanes = 16;  // chunks are padded to a multiple of this (AVX-512 floats)
constexpr int kShadeSkip = 16;  // uncovered pixels are skipped in aligned blocks of this many

struct ShadeChunk {  // structure of arrays, one entry per covered pixel
  static constexpr int K = kShadeChunk;
  int n, nv, n_other;  // pixels; n rounded up to kShadeLanes; how many are not skin (sleeve, object)
  int col[K], tri[K], f0[K], f1[K], f2[K], label[K], kr[K], kg[K], kb[K];
  float w0[K], w1[K], w2[K], fore[K], skin[K];
  float px[K], py[K], pz[K], nx[K], ny[K], nz[K], vx[K], vy[K], vz[K];
  float blotch[K], palm[K], crease[K], nail[K], pw[K], ps[K], pt[K], qr[K], qg[K], qb[K];
  float ar[K], ag[K], ab[K], rough[K], specw[K], f0s[K], vis[K];
  float dr[K], dg[K], db[K], sr[K], sg[K], sb[K];
};

// Four floats in one SSE register (GCC / Clang vector extension; this file is CPU-only).
typedef float f4 __attribute__((vector_size(16)));
HR_HD f4 load_f4(const float* p) {  // p[0..3]
  f4 v;
  memcpy(&v, p, sizeof v);
  return v;
}
HR_HD f4 load_f3(const float* p) {  // p[0..2], lane 3 = 0: never reads past a [.., 3] array
  return f4{p[0], p[1], p[2], 0.f};  // two loads and a shuffle (a 12-byte memcpy goes through the stack)
}

// Stage 2 (the interpolation itself is in stage 1): the normals' normalisation, vectorised.
HR_HD void chunk_normalize(ShadeChunk& c) {
  const int n = c.nv;
#pragma GCC ivdep
  for (int j = 0; j < n; ++j) {
    const vec3 nn = normalize(vec3{c.nx[j], c.ny[j], c.nz[j]});
    c.nx[j] = nn.x; c.ny[j] = nn.y; c.nz[j] = nn.z;
  }
}

// Stage 3b: sleeve / object albedo (pattern_albedo's terms, vectorised over all lanes), merged
// into the lanes that are not skin. kNoise: whether pattern 3 (fbm noise) is evaluated at all.
// Two loops: with the merge in the first, GCC 12 does not vectorise it ("no vectype").
template <bool kNoise>
HR_HD void chunk_pattern(const float* m, ShadeChunk& c) {
  const uint32_t seed = static_cast<uint32_t>(static_cast<int32_t>(m[kNoiseSeed]));
  const int pobj = (int)m[kObjPattern], psl = (int)m[kSleevePattern];
  const vec3 objA = load3(m + kObjA), objB = load3(m + kObjB), slA = load3(m + kSleeveA), slB = load3(m + kSleeveB);
  const float objRough = m[kObjRough];
  const int n = c.nv;
#pragma GCC ivdep
  for (int j = 0; j < n; ++j) {
    const bool obj = c.label[j] == 8;
    const int pattern = obj ? pobj : psl;
    const float mixw = pattern_mix_select<kNoise>(pattern, c.ps[j], c.pt[j], seed);
    const vec3 A{obj ? objA.x : slA.x, obj ? objA.y : slA.y, obj ? objA.z : slA.z};
    const vec3 B{obj ? objB.x : slB.x, obj ? objB.y : slB.y, obj ? objB.z : slB.z};
    const vec3 a = A * (1.f - mixw) + B * mixw;
    c.qr[j] = a.x; c.qg[j] = a.y; c.qb[j] = a.z;
  }
#pragma GCC ivdep
  for (int j = 0; j < n; ++j) {
    const bool other = c.skin[j] == 0.f, obj = c.label[j] == 8;
    c.ar[j] = other ? c.qr[j] : c.ar[j]; c.ag[j] = other ? c.qg[j] : c.ag[j]; c.ab[j] = other ? c.qb[j] : c.ab[j];
    c.rough[j] = other ? (obj ? objRough : 0.85f) : c.rough[j];
    c.specw[j] = other ? (obj ? 1.f : 0.3f) : c.specw[j];
    c.f0s[j] = other ? 0.04f : c.f0s[j];
  }
}

// Stage 3: albedo, roughness, specular weight, F0; view vector and two-sided normal.
template <class Op>
HR_HD void chunk_albedo(const typename Op::Params& p, int64_t b, const float* m, ShadeChunk& c) {
  const int n = c.nv;
  const float fmode = m[kForearmMode];
#pragma GCC ivdep
  for (int j = 0; j < n; ++j) {
    const int lab = c.label[j];
    c.skin[j] = lab <= 6 || (lab == 7 && fmode < 0.5f) ? 1.f : 0.f;
    float pw;
    const vec3 a = skin_base(m, c.palm[j], c.blotch[j], &pw);
    c.ar[j] = a.x; c.ag[j] = a.y; c.ab[j] = a.z; c.pw[j] = pw;
  }
  const int tid = p.n_tex > 0 ? p.tex_id[b] : -1;
  if (tid >= 0) {  // textured skin: mixed in between the base and the crease / nail terms
    const float mix = m[kTexMix];
    for (int j = 0; j < c.n; ++j) {
      if (c.skin[j] == 0.f) continue;
      const float w[3] = {c.w0[j], c.w1[j], c.w2[j]};
      const vec3 t = Op::texture_albedo(p, tid, c.tri[j], w);
      const vec3 a = vec3{c.ar[j], c.ag[j], c.ab[j]} * (1.f - mix) + t * mix;
      c.ar[j] = a.x; c.ag[j] = a.y; c.ab[j] = a.z;
    }
  }
#pragma GCC ivdep
  for (int j = 0; j < n; ++j) {
    float rough, spec;
    const vec3 a = skin_detail(m, vec3{c.ar[j], c.ag[j], c.ab[j]}, c.pw[j], c.crease[j], c.nail[j],
                               c.label[j] <= 6, &rough, &spec);
    c.ar[j] = a.x; c.ag[j] = a.y; c.ab[j] = a.z;
    c.rough[j] = rough; c.specw[j] = spec; c.f0s[j] = 0.028f;
    const vec3 v = normalize(vec3{-c.px[j], -c.py[j], -c.pz[j]});
    vec3 nn{c.nx[j], c.ny[j], c.nz[j]};
    const float s = dot(nn, v) < 0.f ? -1.f : 1.f;  // two-sided: cut forearm ends, thin objects
    c.nx[j] = nn.x * s; c.ny[j] = nn.y * s; c.nz[j] = nn.z * s;
    c.vx[j] = v.x; c.vy[j] = v.y; c.vz[j] = v.z;
  }
  if (c.n_other == 0) return;
  const float* A = p.vattr;
  const float fobj = m[kObjFreq], fsl = m[kSleeveFreq];
  for (int j = 0; j < c.n; ++j) {  // sleeve / object pixels: pattern coordinates (scalar loads)
    c.ps[j] = c.pt[j] = 0.f;
    if (c.skin[j] != 0.f) continue;
    const float* a0 = A + c.f0[j] * kVAttr;
    const float* a1 = A + c.f1[j] * kVAttr;
    const float* a2 = A + c.f2[j] * kVAttr;
    const float w0 = c.w0[j], w1 = c.w1[j], w2 = c.w2[j];
    auto at = [&](int q) { return w0 * a0[q] + w1 * a1[q] + w2 * a2[q]; };
    const bool obj = c.label[j] == 8;  // as pattern_albedo
    c.ps[j] = (obj ? at(kVUvU) : c.fore[j]) * (obj ? fobj : fsl);
    c.pt[j] = (obj ? at(kVUvU + 1) : at(kVRest) + at(kVRest + 2)) * (obj ? fobj : fsl);
  }
  for (int j = c.n; j < n; ++j) c.ps[j] = c.pt[j] = 0.f;  // padding lanes
  // the noise pattern (two octaves of 8 hashes) only when this sample's objects use it
  if ((int)m[kObjPattern] == 3 || (int)m[kSleevePattern] == 3) chunk_pattern<true>(m, c);
  else chunk_pattern<false>(m, c);
}

// Stage 4, one light of type kType over the chunk; kVis: multiply E by c.vis (key light).
template <int kType, bool kVis>
HR_HD void chunk_light(const float* L, const float* m, ShadeChunk& c) {
  const float mwrap = m[kSkinWrap];
  const vec3 mtint = load3(m + kSssTint), color = load3(L + kLColor);
  const int n = c.nv;
#pragma GCC ivdep
  for (int j = 0; j < n; ++j) {
    float s;
    const vec3 l = light_at(L, kType, vec3{c.px[j], c.py[j], c.pz[j]}, &s);
    const vec3 E = color * (kVis ? s * c.vis[j] : s);
    const bool skin = c.skin[j] != 0.f;
    const vec3 d = light_diffuse(vec3{c.nx[j], c.ny[j], c.nz[j]}, l, E, skin ? mwrap : 0.f,
                                 vec3{skin ? mtint.x : 0.f, skin ? mtint.y : 0.f, skin ? mtint.z : 0.f});
    const vec3 sp = light_specular(vec3{c.nx[j], c.ny[j], c.nz[j]}, vec3{c.vx[j], c.vy[j], c.vz[j]}, l, E,
                                   c.specw[j], c.rough[j], c.f0s[j]);
    c.dr[j] += d.x; c.dg[j] += d.y; c.db[j] += d.z;
    c.sr[j] += sp.x; c.sg[j] += sp.y; c.sb[j] += sp.z;
  }
}

template <bool kVis>
HR_HD void chunk_light_typed(const float* L, const float* m, ShadeChunk& c) {
  const int type = (int)L[kLType];
  if (type == 0) chunk_light<0, kVis>(L, m, c);
  else if (type == 1) chunk_light<1, kVis>(L, m, c);
  else chunk_light<2, kVis>(L, m, c);
}

template <class P>
HR_HD void chunk_lights(const P& p, int64_t b, const float* m, ShadeChunk& c) {
  const int n = c.nv;
#pragma GCC ivdep
  for (int j = 0; j < n; ++j) { c.dr[j] = c.dg[j] = c.db[j] = c.sr[j] = c.sg[j] = c.sb[j] = 0.f; }
  const float* sp = p.shadow_map ? p.shadow + b * kShadowParams : nullptr;
  const int key = sp ? (int)sp[kSKey] : -1;
  const int nl = p.nlights[b];
  for (int k = 0; k < nl && k < kMaxLights; ++k) {
    const float* L = p.lights + (b * kMaxLights + k) * kLightParams;
    if (k != key) { chunk_light_typed<false>(L, m, c); continue; }
    const float* smap = shadow_map_of(p.shadow_map, b, p.S);
    const int type = (int)L[kLType];
    for (int j = c.n; j < n; ++j) c.vis[j] = 1.f;  // padding lanes
    for (int j = 0; j < c.n; ++j) {  // shadow-map visibility where the key light reaches
      const vec3 pos{c.px[j], c.py[j], c.pz[j]}, nn{c.nx[j], c.ny[j], c.nz[j]};
      float s;
      const vec3 l = light_at(L, type, pos, &s);
      c.vis[j] = dot(nn, l) > 0.f ? shadow_visibility(smap, p.S, sp, pos, nn, l) : 1.f;
    }
    chunk_light_typed<true>(L, m, c);
  }
}

// Stage 5: radiance and sRGB bytes; depth and label.
template <class P>
HR_HD void chunk_store(const P& p, int64_t b, const float* m, ShadeChunk& c, uint8_t* rgb, float* depth,
                       uint8_t* mask) {
  const float* sh = p.sh + b * 27;
  const float* R = p.sh_rot + b * 9;
  const int n = c.nv;
#pragma GCC ivdep
  for (int j = 0; j < n; ++j) {
    const vec3 L = shade_radiance(m, sh, R, vec3{c.nx[j], c.ny[j], c.nz[j]}, vec3{c.ar[j], c.ag[j], c.ab[j]},
                                  vec3{c.dr[j], c.dg[j], c.db[j]}, vec3{c.sr[j], c.sg[j], c.sb[j]});
    c.dr[j] = L.x; c.dg[j] = L.y; c.db[j] = L.z;
    c.kr[j] = srgb_index_or_knee(L.x);
    c.kg[j] = srgb_index_or_knee(L.y);
    c.kb[j] = srgb_index_or_knee(L.z);
  }
  const uint8_t* lut = p.lin2srgb;
  for (int j = 0; j < c.n; ++j) {
    const int col = c.col[j];
    uint8_t* o = rgb + 3 * col;
    o[0] = c.kr[j] >= 0 ? lut[c.kr[j]] : encode_srgb(lut, c.dr[j]);
    o[1] = c.kg[j] >= 0 ? lut[c.kg[j]] : encode_srgb(lut, c.dg[j]);
    o[2] = c.kb[j] >= 0 ? lut[c.kb[j]] : encode_srgb(lut, c.db[j]);
    depth[col] = c.pz[j];
    mask[col] = (uint8_t)c.label[j];
  }
}

// The row's covered pixels, in chunks (stage 1 here).
template <class Op>
HR_HD void shade_row_chunked(const typename Op::Params& p, int64_t b, const float* Rrow, uint8_t* rgb,
                             float* depth, uint8_t* mask, int x0, int x1) {
  const float* m = p.mat + b * kMatParams;
  const float cut = m[kForearmCut];
  const bool sleeve = m[kForearmMode] >= 0.5f;
#if defined(__GNUC__)
  // rast rows are 4 KB apart at 256 wide, going down memory (row H-1-row): every row starts a
  // page the hardware prefetcher has not seen; fetch the row kShadePrefetchRows ahead
  const int64_t row = (Rrow - p.rast) / (4 * (int64_t)p.W) - b * p.H;  // rast row (bottom-up)
  if (row >= kShadePrefetchRows) {  // that row's span only, when the rasterizer gave spans
    int a0 = 0, a1 = p.W - 1;
    if (p.spans) {
      const int32_t* sp = p.spans + (b * p.H + row - kShadePrefetchRows) * 2;
      a0 = sp[0];
      a1 = sp[1];
    }
    const char* ahead = (const char*)(Rrow - (int64_t)kShadePrefetchRows * p.W * 4);
    for (int64_t o = (int64_t)a0 * 16; o <= (int64_t)a1 * 16; o += 64) __builtin_prefetch(ahead + o);
  }
#endif
  const float* Pc = p.p_cam + b * p.V * 3;
  const float* Nc = p.nrm + b * p.V * 3;
  const float* Bl = p.vblotch + b * p.V;
  const float* VA = p.vattr + kVPalm;  // palm, crease, nail, forearm: 4 consecutive attributes
  static_assert(kVCrease == kVPalm + 1 && kVNail == kVPalm + 2 && kVForearm == kVPalm + 3, "vattr layout");
  ShadeChunk c;
  // pixel 0's interpolated values, for the padding lanes: copied from these locals, not from
  // c.px[0] etc. (loads of lane 0 there let GCC's PRE put control flow into chunk_albedo's
  // loops, which then no longer vectorise)
  struct { float px, py, pz, nx, ny, nz, blotch, palm, crease, nail; } first{};
  int col = x0;
  const int end = x1 + 1;
  while (col < end) {
    int n = 0, other = 0;
    for (; col < end && n < kShadeChunk; ++col) {
      if ((col & (kShadeSkip - 1)) == 0 && col + kShadeSkip <= end) {
        // most of a row is uncovered: test kShadeSkip pixels at once (a vectorised OR of
        // compares) instead of one data-dependent branch per pixel
        int any = 0;
        for (int j = 0; j < kShadeSkip; ++j) any |= Rrow[(col + j) * 4 + 3] > 0.f;
        if (!any) { col += kShadeSkip - 1; continue; }
      }
      const float* R = Rrow + col * 4;
      const int t = (int)R[3] - 1;
      if (t < 0) continue;
      const int32_t* f = p.tri + t * 3;
      const int i0 = f[0], i1 = f[1], i2 = f[2];
      const float w0 = R[0], w1 = R[1], w2 = 1.f - R[0] - R[1];
      // barycentric interpolation, a vertex's data a few 4-wide loads (AoS): the per-element
      // gathers of a vectorised loop cost ~4 instructions per float (30 floats per pixel)
      const f4 A = load_f4(VA + i0 * kVAttr) * w0 + load_f4(VA + i1 * kVAttr) * w1 +
                   load_f4(VA + i2 * kVAttr) * w2;  // palm, crease, nail, forearm
      const float fore = A[3];
      if (fore > cut) continue;  // beyond this sample's forearm length: background stays
      const int k = w0 >= w1 ? (w0 >= w2 ? 0 : 2) : (w1 >= w2 ? 1 : 2);
      const int label = p.vlabel[f[k]];
      other += label == 8 || (label == 7 && sleeve);
      const f4 P = load_f3(Pc + i0 * 3) * w0 + load_f3(Pc + i1 * 3) * w1 + load_f3(Pc + i2 * 3) * w2;
      const f4 N = load_f3(Nc + i0 * 3) * w0 + load_f3(Nc + i1 * 3) * w1 + load_f3(Nc + i2 * 3) * w2;
      c.col[n] = col; c.tri[n] = t; c.f0[n] = i0; c.f1[n] = i1; c.f2[n] = i2; c.label[n] = label;
      c.w0[n] = w0; c.w1[n] = w1; c.w2[n] = w2; c.fore[n] = fore;
      c.px[n] = P[0]; c.py[n] = P[1]; c.pz[n] = P[2];
      c.nx[n] = N[0]; c.ny[n] = N[1]; c.nz[n] = N[2];
      const float blotch = w0 * Bl[i0] + w1 * Bl[i1] + w2 * Bl[i2];
      c.blotch[n] = blotch;
      c.palm[n] = A[0]; c.crease[n] = A[1]; c.nail[n] = A[2];
      if (n == 0) first = {P[0], P[1], P[2], N[0], N[1], N[2], blotch, A[0], A[1], A[2]};
      ++n;
    }
    if (n == 0) break;  // only when col reached the end of the span
    c.n = n;
    c.n_other = other;
    // padding lanes (copies of pixel 0, never stored): the vectorised loops then run whole
    // vectors only; a row's last few pixels otherwise took the scalar remainder loops
    c.nv = (n + kShadeLanes - 1) / kShadeLanes * kShadeLanes;
    for (int j = n; j < c.nv; ++j) {
      c.col[j] = c.col[0]; c.tri[j] = c.tri[0]; c.f0[j] = c.f0[0]; c.f1[j] = c.f1[0]; c.f2[j] = c.f2[0];
      c.label[j] = c.label[0]; c.w0[j] = c.w0[0]; c.w1[j] = c.w1[0]; c.w2[j] = c.w2[0]; c.fore[j] = c.fore[0];
      c.px[j] = first.px; c.py[j] = first.py; c.pz[j] = first.pz; c.nx[j] = first.nx; c.ny[j] = first.ny;
      c.nz[j] = first.nz; c.blotch[j] = first.blotch; c.palm[j] = first.palm; c.crease[j] = first.crease;
      c.nail[j] = first.nail;
    }
    chunk_normalize(c);
    chunk_albedo<Op>(p, b, m, c);
    chunk_lights(p, b, m, c);
    chunk_store(p, b, m, c, rgb, depth, mask);
  }
}

}  // namespace hr
#endif  // !HR_DEVICE_CODE
