// module.cpp: the pybind11 module, compiled once as handraster._C (CPU) and once as
// handraster._C_cuda (CUDA) from the same binding sources.
#include <pybind11/pybind11.h>
#include "bind/ops.h"
#include "common/launch.h"

PYBIND11_MODULE(HR_MODULE_NAME, m) {
  m.doc() = "handraster native kernels (" HR_BACKEND_NAME ")";
  m.attr("backend") = HR_BACKEND_NAME;
  m.def("device_count", &hr::device_count, "Number of CUDA devices visible (0 on the CPU module).");
  m.def("synchronize", [](std::uintptr_t stream) { hr::synchronize(stream); }, pybind11::arg("stream") = 0);
  hr::bind_skin(m);
  hr::bind_skin_model(m);
  hr::bind_scene(m);
  hr::bind_raster(m);
  hr::bind_interpolate(m);
  hr::bind_texture(m);
  hr::bind_antialias(m);
  hr::bind_spectral(m);
  hr::bind_png_deflate(m);
  hr::bind_threads(m);
  hr::bind_labels(m);
}
