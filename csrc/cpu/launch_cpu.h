// launch_cpu.h: the OpenMP launcher, with run-time dispatch on the CPU's vector ISA.
//
// Each op's csrc/cpu/<op>.cpp is compiled three times by CMake: baseline x86-64 (SSE2),
// AVX2+FMA and AVX-512 (HR_CPU_ISA = 0, 2, 3), each instantiating launch_isa<Op> in its own
// namespace; the baseline build also instantiates hr::launch<Op>, which picks the widest
// variant the running CPU supports. HR_HD functions are always_inline on the host so each
// variant's loop body is compiled entirely with that variant's instructions.
//
// Small problems run on the calling thread: waking the thread team costs more than the work.
// Op::kCost (optional) is the approximate cost of one item in multiply-adds. launch_cpu<Op>
// (CPU-only callers) can also cap the thread count: threads = 1 runs on the calling thread.
#pragma once
#include <omp.h>
#include <algorithm>
#include "common/launch.h"

#ifndef HR_CPU_ISA
#define HR_CPU_ISA 0
#endif
#if HR_CPU_ISA == 3
#define HR_ISA_NS isa_avx512
#elif HR_CPU_ISA == 2
#define HR_ISA_NS isa_avx2
#else
#define HR_ISA_NS isa_base
#endif

namespace hr {

template <class Op, class = void>
struct op_cost { static constexpr int64_t value = 16; };
template <class Op>
struct op_cost<Op, decltype(void(Op::kCost))> { static constexpr int64_t value = Op::kCost; };

// Op::kChunk (optional): the smallest share of items a thread takes (default 1024); ops whose
// items are whole images set 1, or one thread would take a whole batch of 64.
template <class Op, class = void>
struct op_chunk { static constexpr int value = 1024; };
template <class Op>
struct op_chunk<Op, decltype(void(Op::kChunk))> { static constexpr int value = Op::kChunk; };

constexpr int64_t kSerialBelowCost = 1 << 16;  // multiply-adds

namespace isa_base { template <class Op> void launch_isa(const typename Op::Params&, int64_t, int); }
namespace isa_avx2 { template <class Op> void launch_isa(const typename Op::Params&, int64_t, int); }
namespace isa_avx512 { template <class Op> void launch_isa(const typename Op::Params&, int64_t, int); }

namespace HR_ISA_NS {
// threads: 0 = OpenMP's default team (serial below kSerialBelowCost), else at most that many.
template <class Op>
void launch_isa(const typename Op::Params& p, int64_t n, int threads) {
  const int team = threads > 0 ? std::min(threads, omp_get_max_threads()) : omp_get_max_threads();
  if ((threads == 0 && n * op_cost<Op>::value < kSerialBelowCost) || team == 1 || n == 1) {
    for (int64_t i = 0; i < n; ++i) Op::run(i, p);
    return;
  }
  // guided: big chunks first, small ones last, so a thread the OS preempts (a shared 2-core
  // machine) does not hold up the others at the end of the loop.
#pragma omp parallel for schedule(guided, op_chunk<Op>::value) num_threads(team)
  for (int64_t i = 0; i < n; ++i) Op::run(i, p);
}
}  // namespace HR_ISA_NS

int cpu_isa_level();  // 0 baseline, 2 AVX2+FMA, 3 AVX-512 (cpu/runtime.cpp; HANDRASTER_CPU_ISA caps it)

#if HR_CPU_ISA == 0
template <class Op>
void launch_cpu(const typename Op::Params& p, int64_t n, int threads) {
  static const int level = cpu_isa_level();
  if (level >= 3) isa_avx512::launch_isa<Op>(p, n, threads);
  else if (level >= 2) isa_avx2::launch_isa<Op>(p, n, threads);
  else isa_base::launch_isa<Op>(p, n, threads);
}
template <class Op>
void launch(const typename Op::Params& p, int64_t n, StreamHandle) { launch_cpu<Op>(p, n, 0); }
#endif

}  // namespace hr

#if HR_CPU_ISA == 0
#define HR_INSTANTIATE_CPU(Op)                                                            \
  template void ::hr::isa_base::launch_isa<Op>(const typename Op::Params&, int64_t, int); \
  template void ::hr::launch_cpu<Op>(const typename Op::Params&, int64_t, int);           \
  template void ::hr::launch<Op>(const typename Op::Params&, int64_t, ::hr::StreamHandle);
#else
#define HR_INSTANTIATE_CPU(Op) \
  template void ::hr::HR_ISA_NS::launch_isa<Op>(const typename Op::Params&, int64_t, int);
#endif
