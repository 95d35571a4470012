// png_deflate.cpp: CPU instantiation of the PNG image-data encoder (kernels/png_deflate.h).
#include "cpu/launch_cpu.h"
#include "kernels/png_deflate.h"

HR_INSTANTIATE_CPU(hr::PngDeflateOp)
