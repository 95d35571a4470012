// spectral.cpp: CPU instantiation of the spectral ops (kernels/spectral.h, kernels/philox.h).
#include "cpu/launch_cpu.h"
#include "kernels/spectral.h"

HR_INSTANTIATE_CPU(hr::SpectralMultiplyOp)
HR_INSTANTIATE_CPU(hr::PhiloxOp)
