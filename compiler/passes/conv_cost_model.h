// The cost model behind choose-conv-algorithm's `auto` and `winograd` modes: the time one core
// takes for a 3x3 stride-1 float convolution of a given shape with each algorithm, inside a model,
// from a rate per algorithm and a weight bandwidth measured on this project's machine (AVX-512;
// bench/algorithm-times, conv_cost_model.cpp). Only the ratios between algorithms matter: they
// choose the algorithm, per layer.
#pragma once

#include "ir/conv_algorithm.h"

#include <cstdint>

namespace sqz::compiler {

struct ConvShape {
    int64_t batch = 1, in_channels = 0, out_channels = 0;
    int64_t out_height = 0, out_width = 0;
};

// Estimated microseconds on one core (for comparisons between algorithms).
double estimated_conv_us(const ConvShape& shape, ir::ConvAlgorithm algorithm);

}  // namespace sqz::compiler
