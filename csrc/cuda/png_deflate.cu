// png_deflate.cu: CUDA instantiation of the PNG image-data encoder (kernels/png_deflate.h);
// one thread per image, so it only pays off for many images (the writers use the CPU module).
#include "cuda/launch_cuda.cuh"
#include "kernels/png_deflate.h"

HR_INSTANTIATE_CUDA(hr::PngDeflateOp)
