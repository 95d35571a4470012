// interpolate.cu: CUDA instantiation of kernels/interpolate.h.
#include "cuda/launch_cuda.cuh"
#include "kernels/interpolate.h"

HR_INSTANTIATE_CUDA(hr::InterpolateOp)
