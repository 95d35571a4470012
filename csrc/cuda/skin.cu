// skin.cu: CUDA instantiation of the skinning ops (kernels/skin.h).
#include "cuda/launch_cuda.cuh"
#include "kernels/skin.h"

HR_INSTANTIATE_CUDA(hr::SkinChainOp)
HR_INSTANTIATE_CUDA(hr::SkinLbsOp)
HR_INSTANTIATE_CUDA(hr::SkinLbsTileOp)
