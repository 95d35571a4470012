// skin.cpp: CPU instantiation of the skinning ops (kernels/skin.h).
#include "cpu/launch_cpu.h"
#include "kernels/skin.h"

HR_INSTANTIATE_CPU(hr::SkinChainOp)
HR_INSTANTIATE_CPU(hr::SkinLbsOp)
HR_INSTANTIATE_CPU(hr::SkinLbsTileOp)
