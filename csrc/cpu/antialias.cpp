// antialias.cpp: CPU instantiation of kernels/antialias.h.
#include "cpu/launch_cpu.h"
#include "kernels/antialias.h"

HR_INSTANTIATE_CPU(hr::AntialiasOp)
