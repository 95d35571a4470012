// module.cpp: the pybind11 module, compiled once as handraster._C (CPU) and once as
// handraster._C_cuda (CUDA) from the same binding sources.
#include <pybind11/pybind11.h>
#include "bind/ops.h"
#include "common/launch.h"
#if !HR_BACKEND_CUDA
#include <omp.h>
#endif

PYBIND11_MODULE(HR_MODULE_NAME, m) {
  m.doc() = "handraster native kernels (" HR_BACKEND_NAME ")";
  m.attr("backend") = HR_BACKEND_NAME;
  m.def("device_count", &hr::device_count, "Number of CUDA devices visible (0 on the CPU module).");
  m.def("synchronize", [](std::uintptr_t stream) { hr::synchronize(stream); }, pybind11::arg("stream") = 0);
#if !HR_BACKEND_CUDA
  // OpenMP's thread count is a per-thread setting: Renderer gives each of its worker threads
  // its share of the cores this way (scene/renderer.py, batches rendered in parts).
  m.def("set_num_threads", [](int n) { omp_set_num_threads(n < 1 ? 1 : n); },
        "OpenMP threads of the native ops called from the calling thread.", pybind11::arg("n"));
  m.def("get_max_threads", []() { return omp_get_max_threads(); },
        "OpenMP threads a native op called from this thread uses.");
#endif
  hr::bind_skin(m);
  hr::bind_skin_model(m);
  hr::bind_scene(m);
  hr::bind_raster(m);
  hr::bind_interpolate(m);
  hr::bind_texture(m);
  hr::bind_antialias(m);
  hr::bind_spectral(m);
}
