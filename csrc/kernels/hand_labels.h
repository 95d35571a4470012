// hand_labels.h: the per-vertex labels of rendered samples (scene/labels.py), one item per
// sample b, so that the renderer's only whole-batch vertex pass runs on every core instead of
// as a dozen serial numpy passes.
//
// For each hand vertex v (the first n_hand vertices of p_cam), in float32 and op by op exactly
// as the numpy twin (handraster/_reference/hand_labels.py) computes it:
//   iz = 1 / max(z, 1e-6),  u = (x iz) fx + cx [+ skew (y iz) when the batch has skew],
//   v = (y iz) fy + cy
//   box     = (min u, min v, max u, max v) over the vertices with vpart <= 6 (unclipped)
//   pixel   = (rint(u), rint(v)); inside = the pixel lies in the image; clamped to it
//   hidden  = inside and 0 < depth[pixel] < z - eps     (the rendered surface is nearer)
//   object  = hidden and mask[pixel] == 8 and (no normals, or n . (-p) > 0: facing the camera)
//   counts[b, 0|1|2, vpart[v]] += inside | hidden | object   for vpart in 0..5
// and for each joint j (camera frame, same projection): j2d = (u, v) and
//   visible = its pixel lies in the image and, at that pixel or one of the 8 around it (each
//             inside the image), the mask shows the hand (1..7) at |depth - z| < radius_j
// The CPU file compiles it without floating-point contraction (cpu/hand_labels.cpp), so the
// bits match numpy's; CUDA may contract (labels can then differ at exact half-pixel ties).
#pragma once
#include "common/hr.h"
#include "common/math.h"

namespace hr {

struct HandLabelOp {
  static constexpr int kParts = 6;  // thumb, index, middle, ring, pinky, palm (labels.PART_ORDER)
  struct Params {
    const float* p_cam;    // [B, V, 3] camera frame (m); the hand's n_hand vertices first
    const float* nrm;      // [B, V, 3] camera-frame normals, or nullptr (no facing test)
    const float* K;        // [B, 3, 3] intrinsics (pixels)
    const float* depth;    // [B, H, W] rendered depth (m, 0 = nothing)
    const uint8_t* mask;   // [B, H, W] rendered part labels (8 = object)
    const uint8_t* vpart;  // [n_hand] 0..5 counted part (in the box), 6 in the box only, 7+ neither
    float* box;            // [B, 4] out: min u, min v, max u, max v (px, not clipped)
    int32_t* counts;       // [B, 3, kParts] out: vertices inside / hidden / hidden by an object
    const float* joints;   // [B, J, 3] camera frame (m)
    const float* jradius;  // [J] visibility depth tolerance (m)
    float* j2d;            // [B, J, 2] out: projected joints (px)
    uint8_t* jvis;         // [B, J] out: 1 visible, 0 not
    int J;
    int B, V, n_hand, H, W;
    int skew;              // 1: add K[0,1] * (y iz) to u (numpy adds it when any sample has skew)
    float eps;             // surface tolerance (m), labels.SURFACE_EPS
  };
  static constexpr int64_t kCost = 40000;  // per sample (~1,800 vertices)
  static constexpr int kChunk = 1;         // items are whole samples: share them one by one

  // (u, v) of a camera-frame point, op by op as numpy's labels._project.
  static HR_HD void project(const float* K, int skew, float x, float y, float z, float* u_out, float* v_out) {
    const float zc = z > 1e-6f ? z : 1e-6f;
    const float iz = 1.f / zc;
    float u = x * iz;
    float w = y * iz;
    u = u * K[0];
    u = u + K[2];
    if (skew) u = u + K[1] * w;
    w = w * K[4];
    w = w + K[5];
    *u_out = u;
    *v_out = w;
  }

  static HR_HD void joints(int64_t b, const Params& p) {
    const float* K = p.K + b * 9;
    const float* dimg = p.depth + b * (int64_t)p.H * p.W;
    const uint8_t* mimg = p.mask + b * (int64_t)p.H * p.W;
    const float Wm = (float)(p.W - 1), Hm = (float)(p.H - 1);
    for (int j = 0; j < p.J; ++j) {
      const float* q = p.joints + (b * p.J + j) * 3;
      float u, w;
      project(K, p.skew, q[0], q[1], q[2], &u, &w);
      p.j2d[(b * p.J + j) * 2] = u;
      p.j2d[(b * p.J + j) * 2 + 1] = w;
      const float px = rintf(u), py = rintf(w);
      bool any = false;
      for (int dy = -1; dy <= 1; ++dy)
        for (int dx = -1; dx <= 1; ++dx) {
          const float x = px + (float)dx, y = py + (float)dy;
          if (!(x >= 0.f && x <= Wm && y >= 0.f && y <= Hm)) continue;
          const int64_t at = (int64_t)y * p.W + (int64_t)x;
          const uint8_t m = mimg[at];
          const float dd = dimg[at] - q[2];
          any = any || (m >= 1 && m <= 7 && (dd < 0.f ? -dd : dd) < p.jradius[j]);
        }
      p.jvis[b * p.J + j] = any && px >= 0.f && px <= Wm && py >= 0.f && py <= Hm;
    }
  }

  static HR_HD void run(int64_t b, const Params& p) {
    joints(b, p);
    const float* P = p.p_cam + b * p.V * 3;
    const float* N = p.nrm ? p.nrm + b * p.V * 3 : nullptr;
    const float* K = p.K + b * 9;
    const int64_t img = b * (int64_t)p.H * p.W;
    const float Wm = (float)(p.W - 1), Hm = (float)(p.H - 1);
    // branch-free: inside / hidden / facing are data-dependent coin flips at silhouettes and
    // occluders, so the pixel is clamped and read for every vertex (as numpy does) and the
    // flags are summed; parts 6 and 7 (box only, forearm) count into slots nobody reads.
    int32_t c[3][kParts + 2] = {};
    float lo_u = INFINITY, lo_v = INFINITY, hi_u = -INFINITY, hi_v = -INFINITY;
    for (int v = 0; v < p.n_hand; ++v) {
      const int part = p.vpart[v] < kParts + 1 ? p.vpart[v] : kParts + 1;
      const float x = P[v * 3], y = P[v * 3 + 1], z = P[v * 3 + 2];
      float u, w;
      project(K, p.skew, x, y, z, &u, &w);
      const bool boxed = part <= kParts;
      lo_u = boxed && u < lo_u ? u : lo_u;
      hi_u = boxed && u > hi_u ? u : hi_u;
      lo_v = boxed && w < lo_v ? w : lo_v;
      hi_v = boxed && w > hi_v ? w : hi_v;
      const float px = rintf(u), py = rintf(w);
      const bool inside = (px >= 0.f) & (px <= Wm) & (py >= 0.f) & (py <= Hm);
      const int64_t at = img + (int64_t)clampf(py, 0.f, Hm) * p.W + (int64_t)clampf(px, 0.f, Wm);
      const float d = p.depth[at];
      const bool hidden = inside & (d > 0.f) & (d < z - p.eps);
      bool obj = hidden & (p.mask[at] == 8);
      if (N) {  // einsum's order: ((n0 (-x) + n1 (-y)) + n2 (-z)), float32
        float f = N[v * 3] * -x;
        f = f + N[v * 3 + 1] * -y;
        f = f + N[v * 3 + 2] * -z;
        obj = obj & (f > 0.f);
      }
      c[0][part] += inside;
      c[1][part] += hidden;
      c[2][part] += obj;
    }
    float* bx = p.box + b * 4;
    bx[0] = lo_u; bx[1] = lo_v; bx[2] = hi_u; bx[3] = hi_v;
    int32_t* out = p.counts + b * 3 * kParts;
    for (int k = 0; k < 3 * kParts; ++k) out[k] = c[k / kParts][k % kParts];  // slots 0..5 only
  }
};

}  // namespace hr
