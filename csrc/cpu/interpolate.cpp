// interpolate.cpp: CPU instantiation of kernels/interpolate.h.
#include "cpu/launch_cpu.h"
#include "kernels/interpolate.h"

HR_INSTANTIATE_CPU(hr::InterpolateOp)
