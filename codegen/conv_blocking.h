// Register blocking of a convolution for the target: how many output channels (a multiple of the
// vector width) and output pixels one inner tile computes, so that its accumulators fill but do
// not overflow the vector register file.
#pragma once

#include <Halide.h>

namespace sqz::codegen {

struct ConvBlocking {
    int channels;      // output channels per tile (vectorised, unrolled)
    int pixels;        // output pixels along x per tile (unrolled)
    bool vectorize;    // false when the layer has fewer channels than one vector
};

// `c_source`: for Halide's C++ backend (packages), which leaves register allocation to g++.
ConvBlocking choose_conv_blocking(const Halide::Target& target, int out_channels, int out_width, bool c_source = false);

}  // namespace sqz::codegen
