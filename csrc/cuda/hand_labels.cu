// hand_labels.cu: CUDA instantiation of HandLabelOp (kernels/hand_labels.h), one thread per sample.
#include "cuda/launch_cuda.cuh"
#include "kernels/hand_labels.h"

HR_INSTANTIATE_CUDA(hr::HandLabelOp)
