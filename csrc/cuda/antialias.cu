// antialias.cu: CUDA instantiation of kernels/antialias.h.
#include "cuda/launch_cuda.cuh"
#include "kernels/antialias.h"

HR_INSTANTIATE_CUDA(hr::AntialiasOp)
