// skin.h: MANO-format forward skinning (shape blend, joint regression, Rodrigues, kinematic
// chain, pose blend, linear blend skinning) as two ops sharing nothing but their Params.
//
//   J        = J_template + J_shapedirs . beta                (J_regressor folded in at load:
//                                                              J_reg @ (T + S.beta) is linear)
//   R_j      = rodrigues(theta_j)                              j = 0..J-1, theta [J, 3]
//   A_j      = A_parent(j) * [R_j | J_j - J_parent(j)]         A_0 = [R_0 | J_0]
//   G_j      = [A_j.R | A_j.t - A_j.R J_j]                      rest joint removed
//   joint_j  = A_j.t + transl                                   posed joints
//   f        = vec(R_j - I) for j = 1..J-1                      pose feature, [(J-1) * 9]
//   v_shaped = T_v + S_v . beta                                 S_v [3, S]
//   v_posed  = v_shaped + P_v . f                               P_v [3, P], P = (J-1) * 9
//   v_out    = (sum_j w_vj G_j) * v_posed + transl
//
// SkinChainOp runs once per batch element (the chain is sequential); SkinLbsOp once per
// (batch element, vertex). The numpy twin is handraster/_reference/skin.py.
#pragma once
#include "common/hr.h"
#include "common/math.h"

namespace hr {

constexpr int kMaxJoints = 32;

struct SkinChainOp {
  struct Params {
    const float* betas;        // [B, S]
    const float* pose;         // [B, J, 3] axis-angle, root first, hand mean already added
    const float* j_template;   // [J, 3]    J_regressor @ v_template
    const float* j_shapedirs;  // [J, 3, S] J_regressor @ shapedirs
    const int32_t* parents;    // [J]       parents[0] = -1, parents[j] < j
    float* G;                  // [B, J, 3, 4] out: world transforms, rest joint removed
    float* joints;             // [B, J, 3]    out: posed joints, transl added
    float* pose_feature;       // [B, (J-1) * 9] out: R_j - I for j >= 1, row-major
    const float* transl;       // [B, 3] or nullptr
    int B, J, S;
  };

  static HR_HD void run(int64_t b, const Params& p) {
    float A[kMaxJoints][12];
    float Jrest[kMaxJoints][3];
    const float* beta = p.betas + b * p.S;
    const float* theta = p.pose + b * p.J * 3;
    float* G = p.G + b * p.J * 12;
    float* feat = p.pose_feature + b * (p.J - 1) * 9;
    float tx = 0.f, ty = 0.f, tz = 0.f;
    if (p.transl) { tx = p.transl[b * 3]; ty = p.transl[b * 3 + 1]; tz = p.transl[b * 3 + 2]; }
    for (int j = 0; j < p.J; ++j) {
      for (int k = 0; k < 3; ++k) {
        float acc = p.j_template[j * 3 + k];
        const float* sd = p.j_shapedirs + (j * 3 + k) * p.S;
        for (int s = 0; s < p.S; ++s) acc += sd[s] * beta[s];
        Jrest[j][k] = acc;
      }
      float R[9];
      rodrigues(theta + j * 3, R);
      if (j > 0) {
        for (int e = 0; e < 9; ++e) feat[(j - 1) * 9 + e] = R[e] - ((e % 4 == 0) ? 1.f : 0.f);
      }
      int par = p.parents[j];
      if (par < 0) {
        for (int r = 0; r < 3; ++r) {
          for (int c = 0; c < 3; ++c) A[j][r * 4 + c] = R[r * 3 + c];
          A[j][r * 4 + 3] = Jrest[j][r];
        }
      } else {
        // A_j = A_par * [R | J_j - J_par]
        const float* P = A[par];
        float d[3] = {Jrest[j][0] - Jrest[par][0], Jrest[j][1] - Jrest[par][1],
                      Jrest[j][2] - Jrest[par][2]};
        for (int r = 0; r < 3; ++r) {
          for (int c = 0; c < 3; ++c)
            A[j][r * 4 + c] = P[r * 4] * R[c] + P[r * 4 + 1] * R[3 + c] + P[r * 4 + 2] * R[6 + c];
          A[j][r * 4 + 3] = P[r * 4] * d[0] + P[r * 4 + 1] * d[1] + P[r * 4 + 2] * d[2] + P[r * 4 + 3];
        }
      }
      float* Gj = G + j * 12;
      for (int r = 0; r < 3; ++r) {
        for (int c = 0; c < 3; ++c) Gj[r * 4 + c] = A[j][r * 4 + c];
        Gj[r * 4 + 3] = A[j][r * 4 + 3] - (A[j][r * 4] * Jrest[j][0] + A[j][r * 4 + 1] * Jrest[j][1] +
                                           A[j][r * 4 + 2] * Jrest[j][2]);
      }
      float* jo = p.joints + (b * p.J + j) * 3;
      jo[0] = A[j][3] + tx; jo[1] = A[j][7] + ty; jo[2] = A[j][11] + tz;
    }
  }
};

struct SkinLbsOp {
  struct Params {
    const float* v_template;    // [V, 3]
    const float* shapedirs;     // [V, 3, S]
    const float* posedirs;      // [V, 3, P] (per-vertex layout), nullptr when P == 0
    const float* weights;       // [V, J]
    const float* betas;         // [B, S]
    const float* pose_feature;  // [B, P]
    const float* G;             // [B, J, 3, 4]
    const float* transl;        // [B, 3] or nullptr
    float* vertices;            // [B, V, 3] out
    int B, V, J, S, P;
  };

  static HR_HD void run(int64_t i, const Params& p) {
    const int64_t b = i / p.V;
    const int64_t v = i - b * p.V;
    const float* beta = p.betas + b * p.S;
    float x[3];
    for (int k = 0; k < 3; ++k) {
      float acc = p.v_template[v * 3 + k];
      const float* sd = p.shapedirs + (v * 3 + k) * p.S;
      for (int s = 0; s < p.S; ++s) acc += sd[s] * beta[s];
      if (p.P > 0) {
        const float* pd = p.posedirs + (v * 3 + k) * p.P;
        const float* f = p.pose_feature + b * p.P;
        float pacc = 0.f;
#if !HR_DEVICE_CODE
#pragma omp simd reduction(+ : pacc)
#endif
        for (int q = 0; q < p.P; ++q) pacc += pd[q] * f[q];
        acc += pacc;
      }
      x[k] = acc;
    }
    float T[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    const float* w = p.weights + v * p.J;
    const float* G = p.G + b * p.J * 12;
    for (int j = 0; j < p.J; ++j) {
      float wj = w[j];
      if (wj == 0.f) continue;  // most vertices have 1-4 influences
      for (int e = 0; e < 12; ++e) T[e] += wj * G[j * 12 + e];
    }
    float tx = 0.f, ty = 0.f, tz = 0.f;
    if (p.transl) { tx = p.transl[b * 3]; ty = p.transl[b * 3 + 1]; tz = p.transl[b * 3 + 2]; }
    float* out = p.vertices + (b * p.V + v) * 3;
    out[0] = T[0] * x[0] + T[1] * x[1] + T[2] * x[2] + T[3] + tx;
    out[1] = T[4] * x[0] + T[5] * x[1] + T[6] * x[2] + T[7] + ty;
    out[2] = T[8] * x[0] + T[9] * x[1] + T[10] * x[2] + T[11] + tz;
  }
};

}  // namespace hr
