// hand_labels.cpp: CPU instantiation of HandLabelOp (kernels/hand_labels.h). No floating-point
// contraction here: the projection must round exactly as the numpy twin's separate multiplies
// and adds, or a vertex at a half-pixel tie could land on the neighbouring pixel.
#pragma GCC optimize("fp-contract=off")
#include "cpu/launch_cpu.h"
#include "kernels/hand_labels.h"

HR_INSTANTIATE_CPU(hr::HandLabelOp)
