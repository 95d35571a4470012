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
// In place on interleaved uint8 images rgb [B, H, W, C] (p.C = C), only the n images listed in
// which [n] (indices into B; p.ids, when given, has all B ids): byte / 255 in, clip and
// (uint8)(v * 255 + 0.5) out.
void pasta_fused_u8_cpu(uint8_t* rgb, const int64_t* which, int64_t n, const SpectralMultiplyOp::Params& p);
}  // namespace hr
