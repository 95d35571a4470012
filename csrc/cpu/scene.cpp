// scene.cpp: CPU instantiation of the scene renderer's ops (vertex stage, normals, shade, shadow factor).
#include "cpu/launch_cpu.h"
#include "kernels/shade.h"
#include "kernels/shadow.h"
#include "kernels/vertex_stage.h"

HR_INSTANTIATE_CPU(hr::VertexStageOp)
HR_INSTANTIATE_CPU(hr::VertexNormalOp)
HR_INSTANTIATE_CPU(hr::FaceNormalOp)
HR_INSTANTIATE_CPU(hr::VertexBlotchOp)
HR_INSTANTIATE_CPU(hr::ShadeOp)
HR_INSTANTIATE_CPU(hr::ShadowFactorOp)
