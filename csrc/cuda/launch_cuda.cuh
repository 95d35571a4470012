// launch_cuda.cuh: the CUDA launcher - a grid-stride loop over Op::run on the caller's stream.
#pragma once
#include <cuda_runtime.h>
#include <typeinfo>
#include "common/launch.h"

namespace hr {

template <class Op>
__global__ void k1d(typename Op::Params p, int64_t n) {
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n;
       i += (int64_t)blockDim.x * gridDim.x)
    Op::run(i, p);
}

template <class Op>
void launch(const typename Op::Params& p, int64_t n, StreamHandle stream) {
  if (n <= 0) return;
  const int threads = 256;
  int64_t blocks = (n + threads - 1) / threads;
  if (blocks > 65535 * 8) blocks = 65535 * 8;  // grid-stride covers the rest
  k1d<Op><<<static_cast<unsigned>(blocks), threads, 0, reinterpret_cast<cudaStream_t>(stream)>>>(p, n);
  check_last_error(typeid(Op).name());
}

}  // namespace hr

#define HR_INSTANTIATE_CUDA(Op) \
  template void ::hr::launch<Op>(const typename Op::Params&, int64_t, ::hr::StreamHandle);
