// scene.cu: CUDA instantiation of the scene renderer's ops (vertex stage, normals, shade, shadow factor).
#include "cuda/launch_cuda.cuh"
#include "kernels/shade.h"
#include "kernels/shadow.h"
#include "kernels/vertex_stage.h"

HR_INSTANTIATE_CUDA(hr::VertexStageOp)
HR_INSTANTIATE_CUDA(hr::VertexNormalOp)
HR_INSTANTIATE_CUDA(hr::FaceNormalOp)
HR_INSTANTIATE_CUDA(hr::VertexBlotchOp)
HR_INSTANTIATE_CUDA(hr::ShadeOp)
HR_INSTANTIATE_CUDA(hr::ShadowFactorOp)
