// threads.cpp (bind): handraster._C.set_num_threads / get_num_threads - the OpenMP team size
// of this process's CPU kernels. libgomp reads OMP_NUM_THREADS once, when it loads; a worker
// process forked from a parent that already loaded the module (handraster/generate/workers.py)
// sets its single thread here instead. On the CUDA module both are no-ops (1).
#include "bind/arrays.h"
#include "bind/ops.h"
#if !HR_BACKEND_CUDA
#include <omp.h>
#endif

namespace hr {

void bind_threads(py::module_& m) {
  m.def("set_num_threads", [](int n) {
    if (n < 1) fail("set_num_threads", "n must be >= 1, got " + std::to_string(n));
#if !HR_BACKEND_CUDA
    omp_set_num_threads(n);
#endif
  }, "Set the OpenMP team size of this process's CPU kernels.", py::arg("n"));
  m.def("get_num_threads", []() {
#if !HR_BACKEND_CUDA
    return omp_get_max_threads();
#else
    return 1;
#endif
  }, "The OpenMP team size of this process's CPU kernels.");
}

}  // namespace hr
