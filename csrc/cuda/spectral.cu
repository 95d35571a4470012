// spectral.cu: CUDA instantiation of the spectral ops (kernels/spectral.h, kernels/philox.h).
#include "cuda/launch_cuda.cuh"
#include "kernels/spectral.h"

HR_INSTANTIATE_CUDA(hr::SpectralMultiplyOp)
HR_INSTANTIATE_CUDA(hr::PhiloxOp)
