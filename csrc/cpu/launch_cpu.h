// launch_cpu.h: the OpenMP launcher. Small problems run on the calling thread, because
// waking the thread team costs more than the work (batch-1 skinning is ~800 items).
#pragma once
#include <omp.h>
#include "common/launch.h"

namespace hr {

constexpr int64_t kSerialBelow = 4096;

template <class Op>
void launch(const typename Op::Params& p, int64_t n, StreamHandle) {
  if (n < kSerialBelow || omp_get_max_threads() == 1) {
    for (int64_t i = 0; i < n; ++i) Op::run(i, p);
    return;
  }
  // guided: big chunks first, small ones last, so a thread the OS preempts (a shared 2-core
  // machine) does not hold up the others at the end of the loop.
#pragma omp parallel for schedule(guided, 1024)
  for (int64_t i = 0; i < n; ++i) Op::run(i, p);
}

}  // namespace hr

#define HR_INSTANTIATE_CPU(Op) \
  template void ::hr::launch<Op>(const typename Op::Params&, int64_t, ::hr::StreamHandle);
