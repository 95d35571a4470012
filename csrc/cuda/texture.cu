// texture.cu: CUDA instantiation of kernels/texture.h.
#include "cuda/launch_cuda.cuh"
#include "kernels/texture.h"

HR_INSTANTIATE_CUDA(hr::TextureOp)
HR_INSTANTIATE_CUDA(hr::MipDownOp)
