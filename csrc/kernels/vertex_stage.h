// vertex_stage.h: world -> camera -> clip space for the scene renderer, and vertex normals.
//
// VertexStageOp, one item per (b, v):
//   p_cam  = R_b p_world + t_b                      (extrinsics [R | t], OpenCV camera)
//   clip   = ( (2 fx / W) x + ((2 cx + 1) / W - 1) z,      pixel centres at integer (u, v),
//              -(2 fy / H) y + (1 - (2 cy + 1) / H) z,     u = fx x / z + cx, row 0 at the top
//              (f + n) / (f - n) z - 2 f n / (f - n),      maps to nvdiffrast's clip space
//              z )                                          (NDC y up, row 0 at the bottom)
// VertexNormalOp, one item per (b, v): the area-weighted sum of the normals of the faces
// around v (CSR adjacency), normalised, times sign_b (-1 for mirrored hands whose faces keep
// the right hand's winding); and, when asked, the skin blotch factor of shade.h per vertex,
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
  };
  static constexpr int64_t kCost = 120;

  static HR_HD void run(int64_t i, const Params& p) {
    const int64_t b = i / p.V;
    const int64_t v = i - b * p.V;
    const float* P = p.pos + b * p.V * 3;
    vec3 acc = {0.f, 0.f, 0.f};
    for (int32_t k = p.adj_ptr[v]; k < p.adj_ptr[v + 1]; ++k) {
      const int32_t* f = p.faces + p.adj_face[k] * 3;
      vec3 a = load3(P + f[0] * 3), bb = load3(P + f[1] * 3), c = load3(P + f[2] * 3);
      acc = acc + cross(bb - a, c - a);  // |cross| = 2 * area: area weighting
    }
    vec3 n = normalize(acc);
    if (p.sign) n = n * p.sign[b];
    store3(p.normals + i * 3, n);
    if (p.blotch) {
      const float* m = p.mat + b * kMatParams;
      const float* a = p.vattr + v * kVAttr;
      const float fr = m[kBlotchFreq];
      const uint32_t seed = static_cast<uint32_t>(static_cast<int32_t>(m[kNoiseSeed]));
      p.blotch[i] = 1.f + m[kBlotchAmp] * (2.f * fbm2({a[kVRest] * fr, a[kVRest + 1] * fr, a[kVRest + 2] * fr}, seed) - 1.f);
    }
  }
};

}  // namespace hr
