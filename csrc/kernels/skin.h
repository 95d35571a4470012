// skin.h: MANO-format forward skinning (shape blend, joint regression, Rodrigues, kinematic
// chain, pose blend, linear blend skinning) as two ops.
//
//   J        = J_template + J_shapedirs . beta                (J_regressor folded in at load:
//                                                              J_reg @ (T + S.beta) is linear)
//   R_j      = rodrigues(theta_j)                              j = 0..J-1, theta [J, 3]
//   A_j      = A_parent(j) * [R_j | J_j - J_parent(j)]         A_0 = [R_0 | J_0]
//   G_j      = [A_j.R | A_j.t - A_j.R J_j]                      rest joint removed
//   joint_j  = A_j.t + transl                                   posed joints
//   f        = [beta ; vec(R_j - I) for j = 1..J-1]             blend feature, Q = S + (J-1)*9
//   v_posed  = T_v + D_v . f                                    D_v = [S_v | P_v], [3, Q]
//   v_out    = (sum_j w_vj G_j) * v_posed + transl              (over the vertex's K influences)
//
// Shape and pose blend are one matrix product (D_v concatenates shapedirs and posedirs per
// vertex). SkinChainOp runs once per batch element (the chain is sequential) and writes f
// and G in a layout blocked by BB batch elements ([ceil(B/BB), Q, BB], [ceil(B/BB), J, 12,
// BB]); SkinLbsOp runs once per (block, vertex). With BB = 8 every inner loop runs over the 8
// contiguous lanes of a block, so it vectorises, each D_v row is read once per 8 hands, and
// the accumulators form independent chains. BB = 1 (small batches) vectorises over Q instead.
// (The CUDA module's skin_forward uses SkinLbsOp.)
// SkinLbsTileOp, the CPU path at every batch size (after SkinChainOp with BB = 1, through
// SkinModel in bind/skin_model.cpp), vectorises over vertices instead: one item is a tile of
// kSkinTile = 16 consecutive vertices of one batch element, with the blend directions, rest
// vertices and weights stored tile-major ([T, 3, Q, 16] ...) so every inner loop runs over
// the 16 lanes of a tile; items run a block of batch elements over one tile at a time, so a
// tile's directions come from L1 for all but the first. Its LBS blends the transforms first,
// T_v = sum_k w_vk G_jk over the joints any vertex of the tile uses (all 16 for dense
// weights: a [16 x KT] x [KT x 12] product per tile), then applies T_v once; at batch 1 this
// is ~2 us of the ~15 us, the rest is streaming the 1.35 MB of directions.
// The numpy twin is handraster/_reference/skin.py.
#pragma once
#include "common/hr.h"
#include "common/math.h"

namespace hr {

constexpr int kMaxJoints = 32;
constexpr int kSkinBlock = 8;  // batch elements per SkinLbsOp item when B >= kSkinBlock
constexpr int kSkinTile = 16;  // vertices per SkinLbsTileOp item (one AVX-512 vector)

struct SkinChainOp {
  struct Params {
    const float* betas;        // [B, S]
    const float* pose;         // [B, J, 3] axis-angle, root first, hand mean already added
    const float* j_template;   // [J, 3]    J_regressor @ v_template
    const float* j_shapedirs;  // [J, 3, S] J_regressor @ shapedirs
    const int32_t* parents;    // [J]       parents[0] = -1, parents[j] < j
    const float* transl;       // [B, 3] or nullptr
    float* joints;             // [B, JR, 3] out: rows 0..J-1 per batch element = posed joints,
                               //            transl added (rows J..JR-1 are not written)
    float* feature;            // [ceil(B/BB), Q, BB] out: blend feature f (pad lanes zero)
    float* G;                  // [ceil(B/BB), J, 12, BB] out: G_j row-major 3x4, blocked
    int B, J, S, Q;            // Q = S + (J-1)*9 when the model has pose blend shapes, else S
    int BB;                    // 1 or kSkinBlock
    int JR;                    // rows per batch element in joints (>= J)
  };
  static constexpr int64_t kCost = 2000;

  static HR_HD void run(int64_t b, const Params& p) {
    float A[kMaxJoints][12];
    float Jrest[kMaxJoints][3];
    const float* beta = p.betas + b * p.S;
    const float* theta = p.pose + b * p.J * 3;
    const int64_t lane = b % p.BB, blk = b / p.BB;
    float* feat = p.feature + blk * p.Q * p.BB + lane;        // element q at feat[q * BB]
    float* G = p.G + blk * p.J * 12 * p.BB + lane;            // element (j, e) at G[(j*12+e)*BB]
    const bool pose_blend = p.Q > p.S;
    for (int s = 0; s < p.S; ++s) feat[s * p.BB] = beta[s];
    float tx = 0.f, ty = 0.f, tz = 0.f;
    if (p.transl) { tx = p.transl[b * 3]; ty = p.transl[b * 3 + 1]; tz = p.transl[b * 3 + 2]; }
    // Rest joints and rotations first: independent per joint, so their latencies overlap
    // (inside the sequential chain below they did not; ~0.2 us of a batch-1 call).
    float Rs[kMaxJoints][9];
    for (int j = 0; j < p.J; ++j) {
      for (int k = 0; k < 3; ++k) {
        float acc = p.j_template[j * 3 + k];
        const float* sd = p.j_shapedirs + (j * 3 + k) * p.S;
        for (int s = 0; s < p.S; ++s) acc += sd[s] * beta[s];
        Jrest[j][k] = acc;
      }
      rodrigues(theta + j * 3, Rs[j]);
      if (j > 0 && pose_blend) {
        for (int e = 0; e < 9; ++e)
          feat[(p.S + (j - 1) * 9 + e) * p.BB] = Rs[j][e] - ((e % 4 == 0) ? 1.f : 0.f);
      }
    }
    for (int j = 0; j < p.J; ++j) {
      const float* R = Rs[j];
      const int par = p.parents[j];
      if (par < 0) {
        for (int r = 0; r < 3; ++r) {
          for (int c = 0; c < 3; ++c) A[j][r * 4 + c] = R[r * 3 + c];
          A[j][r * 4 + 3] = Jrest[j][r];
        }
      } else {  // A_j = A_par * [R | J_j - J_par]
        const float* P = A[par];
        const float d[3] = {Jrest[j][0] - Jrest[par][0], Jrest[j][1] - Jrest[par][1],
                            Jrest[j][2] - Jrest[par][2]};
        for (int r = 0; r < 3; ++r) {
          for (int c = 0; c < 3; ++c)
            A[j][r * 4 + c] = P[r * 4] * R[c] + P[r * 4 + 1] * R[3 + c] + P[r * 4 + 2] * R[6 + c];
          A[j][r * 4 + 3] = P[r * 4] * d[0] + P[r * 4 + 1] * d[1] + P[r * 4 + 2] * d[2] + P[r * 4 + 3];
        }
      }
      for (int r = 0; r < 3; ++r) {
        for (int c = 0; c < 3; ++c) G[(j * 12 + r * 4 + c) * p.BB] = A[j][r * 4 + c];
        G[(j * 12 + r * 4 + 3) * p.BB] =
            A[j][r * 4 + 3] - (A[j][r * 4] * Jrest[j][0] + A[j][r * 4 + 1] * Jrest[j][1] +
                               A[j][r * 4 + 2] * Jrest[j][2]);
      }
      float* jo = p.joints + (b * p.JR + j) * 3;
      jo[0] = A[j][3] + tx; jo[1] = A[j][7] + ty; jo[2] = A[j][11] + tz;
    }
  }
};

struct SkinLbsOp {
  struct Params {
    const float* v_template;  // [V, 3]
    const float* dirs;        // [V, 3, Q] shapedirs then posedirs per vertex row
    const int32_t* w_idx;     // [V, K] joint of each of the vertex's K influences
    const float* w_val;       // [V, K] their weights (zero-padded; sum to 1 per vertex)
    const float* feature;     // [ceil(B/BB), Q, BB] SkinChainOp's output
    const float* G;           // [ceil(B/BB), J, 12, BB] SkinChainOp's output
    const float* transl;      // [B, 3] or nullptr
    float* vertices;          // [B, V, 3] out
    int B, V, J, Q, K;
    int BB;                   // 1 or kSkinBlock; items = ceil(B/BB) * V
  };
  static constexpr int64_t kCost = 600;  // multiply-adds per item (launcher threshold)

  static HR_HD void run(int64_t i, const Params& p) {
    const int64_t blk = i / p.V;
    const int64_t v = i - blk * p.V;
    const float* d0 = p.dirs + v * 3 * p.Q;
    const float* d1 = d0 + p.Q;
    const float* d2 = d1 + p.Q;
    const float* f = p.feature + blk * p.Q * p.BB;
    const int32_t* wi = p.w_idx + v * p.K;
    const float* wv = p.w_val + v * p.K;
    const float* Gb = p.G + blk * p.J * 12 * p.BB;
    if (p.BB == 1) {
      const int64_t b = blk;
      float a0 = 0.f, a1 = 0.f, a2 = 0.f;
#if !HR_DEVICE_CODE
#pragma omp simd reduction(+ : a0, a1, a2)
#endif
      for (int q = 0; q < p.Q; ++q) {
        a0 += d0[q] * f[q];
        a1 += d1[q] * f[q];
        a2 += d2[q] * f[q];
      }
      const float x[3] = {p.v_template[v * 3] + a0, p.v_template[v * 3 + 1] + a1,
                          p.v_template[v * 3 + 2] + a2};
      // out = sum_t w_t (G_t x): three scalar accumulators stay in registers (a 12-float T
      // array is vectorised 8 + 4 wide and stalls on store forwarding).
      float o0 = 0.f, o1 = 0.f, o2 = 0.f;
      for (int t = 0; t < p.K; ++t) {
        const float* Gj = Gb + wi[t] * 12;
        const float w = wv[t];
        o0 += w * (Gj[0] * x[0] + Gj[1] * x[1] + Gj[2] * x[2] + Gj[3]);
        o1 += w * (Gj[4] * x[0] + Gj[5] * x[1] + Gj[6] * x[2] + Gj[7]);
        o2 += w * (Gj[8] * x[0] + Gj[9] * x[1] + Gj[10] * x[2] + Gj[11]);
      }
      float* out = p.vertices + (b * p.V + v) * 3;
      const float* tb = p.transl ? p.transl + b * 3 : nullptr;
      out[0] = o0 + (tb ? tb[0] : 0.f);
      out[1] = o1 + (tb ? tb[1] : 0.f);
      out[2] = o2 + (tb ? tb[2] : 0.f);
      return;
    }
    constexpr int L = kSkinBlock;
    float x0[L], x1[L], x2[L];
    for (int l = 0; l < L; ++l) x0[l] = x1[l] = x2[l] = 0.f;
    for (int q = 0; q < p.Q; ++q) {
      const float w0 = d0[q], w1 = d1[q], w2 = d2[q];
      const float* fq = f + q * L;
#if !HR_DEVICE_CODE
#pragma omp simd
#endif
      for (int l = 0; l < L; ++l) {
        x0[l] += w0 * fq[l];
        x1[l] += w1 * fq[l];
        x2[l] += w2 * fq[l];
      }
    }
    float T[12][L];
    for (int e = 0; e < 12; ++e)
      for (int l = 0; l < L; ++l) T[e][l] = 0.f;
    for (int t = 0; t < p.K; ++t) {
      const float w = wv[t];
      const float* Gj = Gb + wi[t] * 12 * L;
      for (int e = 0; e < 12; ++e) {
#if !HR_DEVICE_CODE
#pragma omp simd
#endif
        for (int l = 0; l < L; ++l) T[e][l] += w * Gj[e * L + l];
      }
    }
    const float tv0 = p.v_template[v * 3], tv1 = p.v_template[v * 3 + 1], tv2 = p.v_template[v * 3 + 2];
    const int64_t b0 = blk * L;
    const int nb = (p.B - b0) < L ? static_cast<int>(p.B - b0) : L;
    for (int l = 0; l < nb; ++l) {
      const int64_t b = b0 + l;
      const float X = tv0 + x0[l], Y = tv1 + x1[l], Z = tv2 + x2[l];
      float* out = p.vertices + (b * p.V + v) * 3;
      for (int r = 0; r < 3; ++r)
        out[r] = T[r * 4][l] * X + T[r * 4 + 1][l] * Y + T[r * 4 + 2][l] * Z + T[r * 4 + 3][l] +
                 (p.transl ? p.transl[b * 3 + r] : 0.f);
    }
  }
};

struct SkinLbsTileOp {
  struct Params {
    const float* v_template;  // [T, 3, L]    rest vertices by tile, L = kSkinTile (pad zero)
    const float* dirs;        // [T, 3, Q, L] shapedirs then posedirs by tile (pad zero)
    const int32_t* t_idx;     // [T, KT]      joints used by any vertex of the tile (pad 0)
    const float* t_val;       // [T, KT, L]   each lane's weight for them (zero where unused)
    const float* feature;     // [B, Q]       SkinChainOp's output with BB = 1
    const float* G;           // [B, J, 12]   SkinChainOp's output with BB = 1
    const float* transl;      // [B, 3] or nullptr
    float* vertices;          // [B, V, 3] out
    int B, V, J, Q, KT, T;    // T = end of the tile range (ceil(V / L) for the whole mesh)
    int HB;                   // batch elements per block (item order: block, tile, element)
    int reverse;              // 1: tiles in reverse order (callers that alternate the order
                              // reread the end of the last pass from cache)
    int t0;                   // tiles t0..T-1 only (items = B * (T - t0)): 0 for the whole mesh;
                              // skin_pair.cpp splits a batch of 1 between two threads by range
  };
  static constexpr int64_t kCost = 16 * 600;  // multiply-adds per item (launcher threshold)

  static HR_HD void run(int64_t i, const Params& p) {
    constexpr int L = kSkinTile;
    constexpr int NA = 4;  // partial sums per coordinate (q mod 4): 12 independent FMA chains
    // Items run block by block of HB batch elements, all elements of a block over one tile
    // before the next tile, so a tile's directions (3 * Q * L floats) are read from memory
    // once per block and from L1 for its other elements.
    const int64_t per_block = static_cast<int64_t>(p.T - p.t0) * p.HB;
    const int64_t blk = i / per_block;
    const int64_t base = blk * p.HB;
    const int64_t nb = (p.B - base) < p.HB ? (p.B - base) : p.HB;
    const int64_t rem = i - blk * per_block;
    const int64_t tt = rem / nb;
    const int64_t b = base + (rem - tt * nb);
    const int64_t t = p.reverse ? p.T - 1 - tt : p.t0 + tt;
    const float* f = p.feature + b * p.Q;
    const float* D = p.dirs + t * 3 * p.Q * L;
    const float* vt = p.v_template + t * 3 * L;
    // v_posed = T_v + D_v . f
    float x[NA][3][L];
    for (int a = 0; a < NA; ++a)
      for (int c = 0; c < 3; ++c)
        for (int l = 0; l < L; ++l) x[a][c][l] = a == 0 ? vt[c * L + l] : 0.f;
    const float* D0 = D;
    const float* D1 = D + p.Q * L;
    const float* D2 = D + 2 * p.Q * L;
    int q = 0;
    for (; q + NA <= p.Q; q += NA) {
      for (int a = 0; a < NA; ++a) {
        const float fq = f[q + a];
        const float* a0 = D0 + (q + a) * L; const float* a1 = D1 + (q + a) * L;
        const float* a2 = D2 + (q + a) * L;
#if !HR_DEVICE_CODE
#pragma omp simd
#endif
        for (int l = 0; l < L; ++l) {
          x[a][0][l] += a0[l] * fq; x[a][1][l] += a1[l] * fq; x[a][2][l] += a2[l] * fq;
        }
      }
    }
    for (; q < p.Q; ++q) {
      const float fq = f[q];
      for (int l = 0; l < L; ++l) {
        x[0][0][l] += D0[q * L + l] * fq; x[0][1][l] += D1[q * L + l] * fq;
        x[0][2][l] += D2[q * L + l] * fq;
      }
    }
    // T_v = sum_k w_vk G_jk: 12 accumulators of L lanes, G entries broadcast.
    float T[12][L];
    for (int e = 0; e < 12; ++e)
      for (int l = 0; l < L; ++l) T[e][l] = 0.f;
    const int32_t* ti = p.t_idx + t * p.KT;
    const float* tw = p.t_val + t * p.KT * L;
    const float* Gb = p.G + b * p.J * 12;
    for (int k = 0; k < p.KT; ++k) {
      const float* Gj = Gb + ti[k] * 12;
      const float* w = tw + k * L;
      for (int e = 0; e < 12; ++e) {
        const float g = Gj[e];
#if !HR_DEVICE_CODE
#pragma omp simd
#endif
        for (int l = 0; l < L; ++l) T[e][l] += w[l] * g;
      }
    }
    const float tx = p.transl ? p.transl[b * 3] : 0.f;
    const float ty = p.transl ? p.transl[b * 3 + 1] : 0.f;
    const float tz = p.transl ? p.transl[b * 3 + 2] : 0.f;
    float o0[L], o1[L], o2[L];
#if !HR_DEVICE_CODE
#pragma omp simd
#endif
    for (int l = 0; l < L; ++l) {
      const float X = (x[0][0][l] + x[1][0][l]) + (x[2][0][l] + x[3][0][l]);
      const float Y = (x[0][1][l] + x[1][1][l]) + (x[2][1][l] + x[3][1][l]);
      const float Z = (x[0][2][l] + x[1][2][l]) + (x[2][2][l] + x[3][2][l]);
      o0[l] = T[0][l] * X + T[1][l] * Y + T[2][l] * Z + T[3][l] + tx;
      o1[l] = T[4][l] * X + T[5][l] * Y + T[6][l] * Z + T[7][l] + ty;
      o2[l] = T[8][l] * X + T[9][l] * Y + T[10][l] * Z + T[11][l] + tz;
    }
    const int64_t v0 = t * L;
    const int n = (p.V - v0) < L ? static_cast<int>(p.V - v0) : L;
    float* out = p.vertices + (b * p.V + v0) * 3;
    for (int l = 0; l < n; ++l) {
      out[l * 3] = o0[l]; out[l * 3 + 1] = o1[l]; out[l * 3 + 2] = o2[l];
    }
  }
};

}  // namespace hr
