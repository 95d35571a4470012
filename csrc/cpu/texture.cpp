// texture.cpp: CPU instantiation of kernels/texture.h.
#include "cpu/launch_cpu.h"
#include "kernels/texture.h"

HR_INSTANTIATE_CPU(hr::TextureOp)
HR_INSTANTIATE_CPU(hr::MipDownOp)
