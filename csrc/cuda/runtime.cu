// runtime.cu: backend services for the CUDA module (see common/launch.h).
#include <cuda_runtime.h>
#include <stdexcept>
#include <string>
#include "common/launch.h"

namespace hr {

int device_count() {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    cudaGetLastError();  // clear the sticky "no driver" error; no device is not a failure here
    return 0;
  }
  return n;
}

void check_last_error(const char* op) {
  cudaError_t e = cudaGetLastError();
  if (e != cudaSuccess)
    throw std::runtime_error(std::string("handraster CUDA launch of ") + op +
                             " failed: " + cudaGetErrorString(e));
}

void copy_to_host(void* dst, const void* src, std::size_t bytes) {
  cudaError_t e = cudaMemcpy(dst, src, bytes, cudaMemcpyDeviceToHost);
  if (e != cudaSuccess)
    throw std::runtime_error(std::string("handraster: device-to-host copy failed: ") +
                             cudaGetErrorString(e));
}

void synchronize(StreamHandle s) {
  cudaError_t e = cudaStreamSynchronize(reinterpret_cast<cudaStream_t>(s));
  if (e != cudaSuccess)
    throw std::runtime_error(std::string("handraster CUDA kernel failed: ") + cudaGetErrorString(e));
}

}  // namespace hr
