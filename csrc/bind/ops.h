// ops.h: one bind_<op>(module) per op file in csrc/bind/; module.cpp calls each.
#pragma once
#include <pybind11/pybind11.h>

namespace hr {
void bind_skin(pybind11::module_& m);
void bind_skin_model(pybind11::module_& m);
void bind_scene(pybind11::module_& m);
void bind_raster(pybind11::module_& m);
void bind_interpolate(pybind11::module_& m);
void bind_texture(pybind11::module_& m);
void bind_antialias(pybind11::module_& m);
void bind_spectral(pybind11::module_& m);
void bind_png_deflate(pybind11::module_& m);
void bind_threads(pybind11::module_& m);
void bind_labels(pybind11::module_& m);
}  // namespace hr
