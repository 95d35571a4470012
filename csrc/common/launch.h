// launch.h: how an Op runs over n work items on a backend.
// An Op is a struct with a `Params` POD and `static HR_HD void run(int64_t i, const Params&)`.
// The CPU launcher (cpu/launch_cpu.h) is an OpenMP loop; the CUDA launcher
// (cuda/launch_cuda.cuh) a grid-stride kernel on the caller's stream. Binding code calls
// hr::launch<Op>(params, n, stream) and is compiled once per backend (HR_BACKEND_CUDA);
// each op's cpu/*.cpp and cuda/*.cu file instantiates the launcher for that op in one line.
#pragma once
#include <cstddef>
#include <cstdint>

namespace hr {

// Opaque stream handle (cudaStream_t on CUDA, ignored on CPU) so that binding code never
// includes CUDA headers.
using StreamHandle = std::uintptr_t;

template <class Op>
void launch(const typename Op::Params& p, int64_t n, StreamHandle stream);

#define HR_DECLARE_LAUNCH(Op) \
  extern template void ::hr::launch<Op>(const typename Op::Params&, int64_t, ::hr::StreamHandle);

// CPU module only (cpu/launch_cpu.h): like launch, with at most `threads` threads (0 = the
// default policy; 1 = on the calling thread).
template <class Op>
void launch_cpu(const typename Op::Params& p, int64_t n, int threads);
#define HR_DECLARE_LAUNCH_CPU(Op) \
  extern template void ::hr::launch_cpu<Op>(const typename Op::Params&, int64_t, int);

// Backend services implemented in cpu/runtime.cpp or cuda/runtime.cu.
int device_count();              // 0 on the CPU module
void synchronize(StreamHandle);  // no-op on CPU; cudaStreamSynchronize + error check on CUDA
void check_last_error(const char* op);  // raises std::runtime_error after a failed launch
void copy_to_host(void* dst, const void* src, std::size_t bytes);  // memcpy / cudaMemcpy D2H

}  // namespace hr
