// math.h: small fixed-size vector / matrix / rotation helpers, all HR_HD.
// Row-major 3x3 matrices (m[r*3+c]) and 3x4 affine transforms [R | t] (m[r*4+c]) to match
// the array layouts at the Python boundary (..., 3, 3) and (..., 3, 4).
#pragma once
#include <cmath>
#include "common/hr.h"

namespace hr {

struct vec3 { float x, y, z; };

HR_HD vec3 make_vec3(float x, float y, float z) { return vec3{x, y, z}; }
HR_HD vec3 operator+(vec3 a, vec3 b) { return {a.x + b.x, a.y + b.y, a.z + b.z}; }
HR_HD vec3 operator-(vec3 a, vec3 b) { return {a.x - b.x, a.y - b.y, a.z - b.z}; }
HR_HD vec3 operator*(vec3 a, float s) { return {a.x * s, a.y * s, a.z * s}; }
HR_HD vec3 operator*(float s, vec3 a) { return {a.x * s, a.y * s, a.z * s}; }
HR_HD vec3 mul(vec3 a, vec3 b) { return {a.x * b.x, a.y * b.y, a.z * b.z}; }
HR_HD float dot(vec3 a, vec3 b) { return a.x * b.x + a.y * b.y + a.z * b.z; }
HR_HD vec3 cross(vec3 a, vec3 b) {
  return {a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x};
}
HR_HD float length(vec3 a) { return sqrtf(dot(a, a)); }
HR_HD vec3 normalize(vec3 a) {
  float n = length(a);
  return n > 0.f ? a * (1.f / n) : a;
}
HR_HD vec3 load3(const float* p) { return {p[0], p[1], p[2]}; }
HR_HD void store3(float* p, vec3 a) { p[0] = a.x; p[1] = a.y; p[2] = a.z; }
// Two sequential selects, not nested ones: the same value (NaN included), and the form GCC
// if-converts inside vectorised loops (kernels/shade_pixels.h).
HR_HD float clampf(float x, float lo, float hi) {
  x = x < lo ? lo : x;
  return x > hi ? hi : x;
}

// Rodrigues: axis-angle r (angle = |r|) -> row-major rotation R.
// R = I + sin(t) K + (1 - cos(t)) K^2 with K the cross-product matrix of r/|r|.
// smplx adds 1e-8 to the norm before dividing; near zero we use the Taylor series instead,
// which agrees with it to float precision and stays exact at r = 0.
HR_HD void rodrigues(const float* r, float* R) {
  float x = r[0], y = r[1], z = r[2];
  float t2 = x * x + y * y + z * z;
  float s, c1;  // s = sin(t)/t, c1 = (1-cos(t))/t^2
  if (t2 < 1e-8f) {
    s = 1.f - t2 / 6.f;
    c1 = 0.5f - t2 / 24.f;
  } else {
    float t = sqrtf(t2);
    s = sinf(t) / t;
    c1 = (1.f - cosf(t)) / t2;
  }
  R[0] = 1.f - c1 * (y * y + z * z); R[1] = -s * z + c1 * x * y;        R[2] = s * y + c1 * x * z;
  R[3] = s * z + c1 * x * y;        R[4] = 1.f - c1 * (x * x + z * z); R[5] = -s * x + c1 * y * z;
  R[6] = -s * y + c1 * x * z;       R[7] = s * x + c1 * y * z;        R[8] = 1.f - c1 * (x * x + y * y);
}

// C = A * B for 3x3 row-major.
HR_HD void matmul3(const float* A, const float* B, float* C) {
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c)
      C[r * 3 + c] = A[r * 3] * B[c] + A[r * 3 + 1] * B[3 + c] + A[r * 3 + 2] * B[6 + c];
}
HR_HD vec3 matvec3(const float* A, vec3 v) {
  return {A[0] * v.x + A[1] * v.y + A[2] * v.z, A[3] * v.x + A[4] * v.y + A[5] * v.z,
          A[6] * v.x + A[7] * v.y + A[8] * v.z};
}
// Apply a 3x4 affine [R | t] to a point.
HR_HD vec3 affine34(const float* M, vec3 v) {
  return {M[0] * v.x + M[1] * v.y + M[2] * v.z + M[3], M[4] * v.x + M[5] * v.y + M[6] * v.z + M[7],
          M[8] * v.x + M[9] * v.y + M[10] * v.z + M[11]};
}

}  // namespace hr
