// vertex_stage.h: world -> camera -> clip space for the scene renderer, and vertex normals.
//
// VertexStageOp, one item per (b, v):
//   p_cam  = R_b p_world + t_b                      (extrinsics [R | t], OpenCV camera)
//   clip   = ( (2 fx / W) x + ((2 cx + 1) / W - 1) z,      pixel centres at integer (u, v),
//              -(2 fy / H) y + (1 - (2 cy + 1) / H) z,     u = fx x / z + cx, row 0 at the top
//              (f + n) / (f - n) z - 2 f n / (f - n),      maps to nvdiffrast's clip space
//              z )                                          (NDC y up, row 0 at the bottom)
// VertexNormalOp, one item per (b, v): the area-weighted sum of the normals of the faces
// around v (CSR adjacency; FaceNormalOp's when given), normalised, times sign_b (-1 for
// mirrored hands whose faces keep the right hand's winding) except for v in [keep_v0,
// keep_v1) (the random occluders: placed in the world, never mirrored); and, when asked, the skin blotch
// factor of shade.h per vertex (the bind computes it with VertexBlotchOp),
//   blotch = 1 + amp_b (2 fbm(rest_v * freq_b, seed_b) - 1)
// (blotches span centimetres, so vertices sample them finely enough and the shader only
// interpolates).
#pragma once
#include "common/hr.h"
#include "common/math.h"
#include "kernels/shade_common.h"

namespace hr {

struct VertexStageOp {
  struct Params {
    const float* p_world;  // [B, V, 3] metres
    const float* extr;     // [B, 3, 4] world -> camera [R | t]
    const float* K;        // [B, 3, 3] intrinsics (pixels)
    const float* clip_nf;  // [B, 2] near, far planes (metres, > 0)
    float* p_cam;          // [B, V, 3] out: camera frame, metres
    float* clip;           // [B, V, 4] out: clip space for rasterize
    int B, V, H, W;
  };
  static constexpr int64_t kCost = 30;

  static HR_HD void run(int64_t i, const Params& p) {
    const int64_t b = i / p.V;
    const float* E = p.extr + b * 12;
    const float* K = p.K + b * 9;
    vec3 pw = load3(p.p_world + i * 3);
    vec3 pc = affine34(E, pw);
    store3(p.p_cam + i * 3, pc);
    const float n = p.clip_nf[b * 2], f = p.clip_nf[b * 2 + 1];
    const float fx = K[0], cx = K[2], fy = K[4], cy = K[5];
    float* c = p.clip + i * 4;
    c[0] = (2.f * fx / p.W) * pc.x + (K[1] * 2.f / p.W) * pc.y + ((2.f * cx + 1.f) / p.W - 1.f) * pc.z;
    c[1] = -(2.f * fy / p.H) * pc.y + (1.f - (2.f * cy + 1.f) / p.H) * pc.z;
    c[2] = (f + n) / (f - n) * pc.z - 2.f * f * n / (f - n);
    c[3] = pc.z;
  }
};

// FaceNormalOp, one item per (b, f): fn = cross(p1 - p0, p2 - p0) (|fn| = 2 area), so that
// VertexNormalOp sums each face's normal instead of recomputing it for each of its 3 corners.
struct FaceNormalOp {
  struct Params {
    const float* pos;          // [B, V, 3]
    const int32_t* faces;      // [F, 3]
    float* fnrm;               // [B, F, 3] out
    int B, V, F;
  };
  static constexpr int64_t kCost = 12;

  static HR_HD void run(int64_t i, const Params& p) {
    const int64_t b = i / p.F;
    const float* P = p.pos + b * p.V * 3;
    const int32_t* f = p.faces + (i - b * p.F) * 3;
    store3(p.fnrm + i * 3, face_cross(P, f));
  }
  // Shared with VertexNormalOp's inline path: the same expression, the same bits.
  static HR_HD vec3 face_cross(const float* P, const int32_t* f) {
    const vec3 a = load3(P + f[0] * 3), bb = load3(P + f[1] * 3), c = load3(P + f[2] * 3);
    return cross(bb - a, c - a);
  }
};

// VertexBlotchOp, one item per (b, block of kBlock vertices): VertexNormalOp's blotch factor
// for vertices [0, n_blotch) (the skin: hand and forearm come first in the scene mesh), 1 for
// the rest (objects, whose albedo never reads it). A block is a short loop over consecutive
// vertices, which the CPU compiler vectorises (the hash and trilinear noise are ~90 % of the
// per-vertex work); each vertex's value is the same expression as the per-vertex path's.
struct VertexBlotchOp {
  static constexpr int kBlock = 16;
  struct Params {
    const float* vattr;        // [V, kVAttr]
    const float* mat;          // [B, kMatParams]
    float* blotch;             // [B, V] out
    int B, V, n_blotch;        // n_blotch <= V
  };
  static constexpr int64_t kCost = kBlock * 80;

  static HR_HD int blocks(int V) { return (V + kBlock - 1) / kBlock; }
  static HR_HD uint32_t seed_of(const float* m) {
    return static_cast<uint32_t>(static_cast<int32_t>(m[kNoiseSeed]));
  }
  static HR_HD float value(float amp, float fr, uint32_t seed, float x, float y, float z) {
    return 1.f + amp * (2.f * fbm2({x * fr, y * fr, z * fr}, seed) - 1.f);
  }

  static HR_HD void run(int64_t i, const Params& p) {
    const int nb = blocks(p.V);
    const int64_t b = i / nb;
    const int v0 = (int)(i - b * nb) * kBlock;
    const int v1 = v0 + kBlock < p.V ? v0 + kBlock : p.V;
    const int vs = v1 < p.n_blotch ? v1 : p.n_blotch;
    const float* m = p.mat + b * kMatParams;
    // the sample's parameters in locals: loads through m inside the loop (which may alias
    // out for the compiler) keep it from vectorising
    const float amp = m[kBlotchAmp], fr = m[kBlotchFreq];
    const uint32_t seed = seed_of(m);
    float* out = p.blotch + b * p.V;
    // the rest positions as three small arrays first: the vectoriser gives up on the
    // stride-9 loads of vattr inside the noise loop
    float rx[kBlock], ry[kBlock], rz[kBlock];
    const int n = vs - v0;
    for (int k = 0; k < n; ++k) {
      const float* a = p.vattr + (v0 + k) * kVAttr + kVRest;
      rx[k] = a[0]; ry[k] = a[1]; rz[k] = a[2];
    }
#pragma GCC ivdep
    for (int k = 0; k < n; ++k) out[v0 + k] = value(amp, fr, seed, rx[k], ry[k], rz[k]);
    for (int v = vs > v0 ? vs : v0; v < v1; ++v) out[v] = 1.f;
  }
};

struct VertexNormalOp {
  struct Params {
    const float* pos;          // [B, V, 3]
    const int32_t* faces;      // [F, 3]
    const int32_t* adj_ptr;    // [V + 1] CSR row pointers into adj_face
    const int32_t* adj_face;   // [nnz] faces around each vertex
    const float* sign;         // [B] +1 or -1 (mirrored hands), or nullptr
    float* normals;            // [B, V, 3] out, unit length (0 for isolated vertices)
    const float* vattr;        // [V, kVAttr] or nullptr (then no blotch output)
    const float* mat;          // [B, kMatParams] or nullptr
    float* blotch;             // [B, V] out or nullptr
    int B, V;
    const float* fnrm = nullptr;  // [B, F, 3] FaceNormalOp's output, or nullptr (computed here)
    int F = 0;
    int keep_v0 = 0, keep_v1 = 0;  // vertices [keep_v0, keep_v1) ignore sign (never mirrored)
  };
  static constexpr int64_t kCost = 120;

  static HR_HD void run(int64_t i, const Params& p) {
    const int64_t b = i / p.V;
    const int64_t v = i - b * p.V;
    const float* P = p.pos + b * p.V * 3;
    vec3 acc = {0.f, 0.f, 0.f};
    if (p.fnrm) {
      const float* FN = p.fnrm + b * p.F * 3;
      for (int32_t k = p.adj_ptr[v]; k < p.adj_ptr[v + 1]; ++k) acc = acc + load3(FN + p.adj_face[k] * 3);
    } else {
      for (int32_t k = p.adj_ptr[v]; k < p.adj_ptr[v + 1]; ++k)  // |cross| = 2 * area: area weighting
        acc = acc + FaceNormalOp::face_cross(P, p.faces + p.adj_face[k] * 3);
    }
    vec3 n = normalize(acc);
    if (p.sign && (v < p.keep_v0 || v >= p.keep_v1)) n = n * p.sign[b];
    store3(p.normals + i * 3, n);
    if (p.blotch) {
      const float* m = p.mat + b * kMatParams;
      const float* a = p.vattr + v * kVAttr + kVRest;
      p.blotch[i] = VertexBlotchOp::value(m[kBlotchAmp], m[kBlotchFreq], VertexBlotchOp::seed_of(m), a[0], a[1], a[2]);
    }
  }
};

}  // namespace hr
