// spectral.cu: CUDA launchers of the spectral ops (kernels/spectral.h, kernels/philox.h): the
// flat grid-stride loop over SpectralMultiplyOp's 4-bin work items.
#include "cuda/launch_cuda.cuh"
#include "kernels/spectral.h"

HR_INSTANTIATE_CUDA(hr::SpectralMultiplyOp)
HR_INSTANTIATE_CUDA(hr::PhiloxOp)

namespace hr {
void spectral_multiply_launch(const SpectralMultiplyOp::Params& p, StreamHandle stream) {
  launch<SpectralMultiplyOp>(p, static_cast<int64_t>(p.B) * p.Cz * p.H * p.nq, stream);
}
}  // namespace hr
