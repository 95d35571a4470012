// spectral_fused.h: the CPU-only fused PASTA augmentation (cpu/spectral_fused.cpp), for
// power-of-two image sizes. The binding calls it from the CPU module only.
#pragma once
#include <cstdint>
#include "kernels/spectral.h"

namespace hr {
// True when pasta_fused_cpu handles [.., H, W] (both powers of two, >= 2).
bool pasta_fused_supported(int H, int W);
// x, out: [B, C, H, W] float32; bad: [B] out, per image the count of inputs outside [0, 1]
// (NaN included). p as for SpectralMultiplyOp with p.spec unused.
void pasta_fused_cpu(const float* x, float* out, int64_t* bad, const SpectralMultiplyOp::Params& p);
}  // namespace hr
