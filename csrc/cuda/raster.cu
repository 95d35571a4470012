// raster.cu: the CUDA rasterizer - the HR_HD pieces of kernels/raster.h composed as four
// flat kernels on the caller's stream: per-(image, triangle) setup, depth-key clear,
// per-(image, triangle) fragment loop with a 64-bit atomicMin (ordered depth bits, id), and a
// per-pixel resolve (in depth-only mode: the nearest depth). Scratch (ranges, setups, keys)
// is allocated by the caller.
#include <cuda_runtime.h>

#include <stdexcept>
#include <string>

#include "cuda/launch_cuda.cuh"
#include "kernels/raster.h"

namespace hr {

namespace {
constexpr int64_t kAlign = 256;
int64_t align_up(int64_t n) { return (n + kAlign - 1) / kAlign * kAlign; }
}  // namespace

int64_t raster_scratch_bytes(int B, int tcap, int H, int W) {
  return align_up((int64_t)B * 2 * sizeof(int32_t)) +
         align_up((int64_t)B * (tcap > 0 ? tcap : 1) * sizeof(TriSetup)) +
         (int64_t)B * H * W * sizeof(unsigned long long);
}

struct RasterCudaParams {
  RasterParams p;
  const int32_t* ranges;     // [B, 2] device copy, or nullptr (instanced)
  TriSetup* tris;            // [B, tcap]
  unsigned long long* keys;  // [B, H, W]
};

HR_HD void cuda_image_range(const RasterCudaParams& c, int b, int* first, int* count) {
  *first = c.ranges ? c.ranges[2 * b] : 0;
  *count = c.ranges ? c.ranges[2 * b + 1] : c.p.T;
}

struct RasterSetupOp {
  using Params = RasterCudaParams;
  static HR_HD void run(int64_t i, const Params& c) {  // i = b * tcap + t
    const RasterParams& p = c.p;
    const int b = (int)(i / p.tcap), t = (int)(i % p.tcap);
    int first, count;
    cuda_image_range(c, b, &first, &count);
    TriSetup& s = c.tris[i];
    s.n = 0;
    if (t >= count) return;
    const uint32_t mode = p.mask ? p.mask[(int64_t)b * p.T + first + t] : (uint32_t)kDrawBoth;
    if (mode == kDrawNone) return;
    const int32_t* f = p.tri + (int64_t)(first + t) * 3;
    const float* pos = p.pos + (p.pos_batched ? (int64_t)b * p.V * 4 : 0);
    const float* v[3] = {pos + (int64_t)f[0] * 4, pos + (int64_t)f[1] * 4, pos + (int64_t)f[2] * 4};
    const VertexSnap vs[3] = {snap_vertex(v[0], p.W, p.H), snap_vertex(v[1], p.W, p.H),
                              snap_vertex(v[2], p.W, p.H)};
    setup_triangle(v[0], v[1], v[2], vs, p.W, p.H, &s, mode);
  }
};

struct RasterClearOp {
  using Params = RasterCudaParams;
  static HR_HD void run(int64_t i, const Params& c) { c.keys[i] = ~0ull; }
};

struct RasterFragmentOp {
  using Params = RasterCudaParams;
  static __device__ void run(int64_t i, const Params& c) {
    const RasterParams& p = c.p;
    const TriSetup& s = c.tris[i];
    if (s.n == 0) return;
    const int b = (int)(i / p.tcap), t = (int)(i % p.tcap);
    int first, count;
    cuda_image_range(c, b, &first, &count);
    const uint32_t id = (uint32_t)(first + t);
    unsigned long long* keys = c.keys + (int64_t)b * p.H * p.W;
    for (int k = 1; k + 1 < s.n; ++k) {
      EdgeFns e;
      if (!edge_setup(s, k, p.W, p.H, &e)) continue;
      for (int py = e.by0; py <= e.by1; ++py) {
        int xl, xr;
        row_span(e, py, &xl, &xr);
        for (int px = xl; px <= xr; ++px)
          atomicMin(keys + (int64_t)py * p.W + px,
                    (unsigned long long)depth_key(pixel_depth(s, px, py), id));
      }
    }
  }
};

struct RasterResolveOp {
  using Params = RasterCudaParams;
  static HR_HD void run(int64_t i, const Params& c) {  // i = (b * H + y) * W + x
    const RasterParams& p = c.p;
    const int64_t HW = (int64_t)p.H * p.W;
    const int b = (int)(i / HW);
    const int py = (int)((i - b * HW) / p.W), px = (int)(i - b * HW - (int64_t)py * p.W);
    if (p.depth) {  // depth-only mode
      p.depth[i] = c.keys[i] == ~0ull ? INFINITY : depth_of_key(c.keys[i]);
      return;
    }
    float* out = p.rast + i * 4;
    float* db = p.rast_db ? p.rast_db + i * 4 : nullptr;
    const unsigned long long k = c.keys[i];
    if (k == ~0ull) {
      out[0] = out[1] = out[2] = out[3] = 0.f;
      if (db) db[0] = db[1] = db[2] = db[3] = 0.f;
      return;
    }
    int first, count;
    cuda_image_range(c, b, &first, &count);
    const uint32_t id = (uint32_t)(k & 0xffffffffu);
    resolve_pixel(c.tris[(int64_t)b * p.tcap + (id - first)], px, py, depth_of_key(k),
                  (float)(id + 1), out, db);
  }
};

template <class Op>
__global__ void raster_kernel(RasterCudaParams c, int64_t n) {
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n;
       i += (int64_t)blockDim.x * gridDim.x)
    Op::run(i, c);
}

template <class Op>
void run_op(const RasterCudaParams& c, int64_t n, cudaStream_t s, int threads = 256) {
  if (n <= 0) return;
  int64_t blocks = (n + threads - 1) / threads;
  if (blocks > 65535 * 8) blocks = 65535 * 8;
  raster_kernel<Op><<<(unsigned)blocks, threads, 0, s>>>(c, n);
  check_last_error(typeid(Op).name());
}

void raster_run(const RasterParams& p, StreamHandle stream) {
  cudaStream_t s = reinterpret_cast<cudaStream_t>(stream);
  const int tcap = p.tcap > 0 ? p.tcap : 1;
  char* base = static_cast<char*>(p.scratch);
  RasterCudaParams c{p, nullptr, nullptr, nullptr};
  c.p.tcap = tcap;
  int32_t* ranges = reinterpret_cast<int32_t*>(base);
  base += align_up((int64_t)p.B * 2 * sizeof(int32_t));
  c.tris = reinterpret_cast<TriSetup*>(base);
  base += align_up((int64_t)p.B * tcap * sizeof(TriSetup));
  c.keys = reinterpret_cast<unsigned long long*>(base);
  if (p.ranges) {
    // Pageable source: the call returns once the data is staged, so the host vector may go.
    cudaError_t e = cudaMemcpyAsync(ranges, p.ranges, (size_t)p.B * 2 * sizeof(int32_t),
                                    cudaMemcpyHostToDevice, s);
    if (e != cudaSuccess)
      throw std::runtime_error(std::string("handraster.rasterize: ranges copy failed: ") +
                               cudaGetErrorString(e));
    c.ranges = ranges;
  }
  const int64_t ntri = (int64_t)p.B * tcap, npix = (int64_t)p.B * p.H * p.W;
  run_op<RasterSetupOp>(c, ntri, s);
  run_op<RasterClearOp>(c, npix, s);
  run_op<RasterFragmentOp>(c, ntri, s, 64);
  run_op<RasterResolveOp>(c, npix, s);
}

}  // namespace hr
