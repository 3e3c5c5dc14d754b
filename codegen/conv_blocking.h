// Register blocking of a convolution for the target: how many output channels (a multiple of the
// vector width) and output pixels one inner tile computes, so that its accumulators fill but do
// not overflow the vector register file; and where those tiles run.
#pragma once

#include <Halide.h>

#include <cstdint>
#include <optional>

namespace sqz::codegen {

struct ConvBlocking {
    int channels;      // output channels per tile (vectorised, unrolled)
    int pixels;        // output pixels along x per tile (unrolled)
    bool vectorize;    // false when the layer has fewer channels than one vector
};

ConvBlocking choose_conv_blocking(const Halide::Target& target, int out_channels, int out_width);

// The output tile loops of a conv schedule, for the float and int8 convs to schedule inside.
struct ConvTileVars {
    Halide::Var co{"co"}, ci{"ci"}, xo{"xo"}, xi{"xi"};
};

// Whether a conv's tiles run per block of output channels, outermost and in parallel, each block
// over all rows: where the weights outweigh the input (the deep 13x13 layers) and there are at
// least four blocks, so each block's weights stay in one core's cache.
bool channel_blocks_outermost(const ConvBlocking& blk, int64_t weight_elements, int64_t input_elements, int out_c);

// Splits out(c, x, y, n) into tiles of `blk` (pixels unrolled) and places them: inside `level`
// when the conv is fused into a consumer; else, where the weights outweigh the input (the deep
// 13x13 layers), parallel over output-channel blocks outermost, so each block's weights stay in
// one core's cache for all rows; elsewhere parallel over rows, which keeps each core on its own
// slice of the input. Call inside LoweringContext::schedule.
ConvTileVars place_conv_tiles(Halide::Func out, const ConvBlocking& blk, int64_t weight_elements,
                              int64_t input_elements, int out_c, const std::optional<Halide::LoopLevel>& level,
                              Halide::Var c, Halide::Var x, Halide::Var y, Halide::Var n);

}  // namespace sqz::codegen
