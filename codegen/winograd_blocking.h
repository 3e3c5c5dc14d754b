// Register blocking of a Winograd convolution (lower_conv_winograd.cpp) for the target: how many
// output channels and tiles one block of the n^2 matrix products keeps in accumulators, and the
// vector widths of the products and of the input transform.
#pragma once

#include <Halide.h>

namespace sqz::codegen {

struct WinogradBlocking {
    int vector;        // output channels per vector (1: scalar, for layers narrower than 4)
    int channels;      // output channels per block: one or two vectors
    int tiles;         // tiles per run: channels / vector x tiles accumulators
    int input_vector;  // input channels per vector of the input transform
};

WinogradBlocking choose_winograd_blocking(const Halide::Target& target, int m, int in_channels, int out_channels,
                                          int out_width);

}  // namespace sqz::codegen
