// hr.h: the one macro that lets a kernel body compile for CPU and CUDA.
// HR_HD marks every math function and Op::run body; under nvcc it is __host__ __device__,
// under a host compiler a plain inline function. Nothing else in csrc/kernels may depend on
// which compiler is reading it.
#pragma once
#include <cstdint>

#if defined(__CUDACC__)
#define HR_HD __host__ __device__ __forceinline__
#define HR_DEVICE_CODE 1
#else
// always_inline: the CPU launcher is compiled once per vector ISA (cpu/launch_cpu.h); forcing
// every body inline keeps each variant's code inside its own launch function.
#define HR_HD inline __attribute__((always_inline))
#define HR_DEVICE_CODE 0
#endif

#if defined(__CUDACC__)
#define HR_RESTRICT __restrict__
#else
#define HR_RESTRICT __restrict
#endif
