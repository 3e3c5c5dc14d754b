// Register blocking choices (see conv_blocking.h). A tile of `channels` x `pixels` outputs keeps
// channels/vector_width x pixels accumulators live, plus a few registers for weights and the
// broadcast input: at most 24 of AVX-512's 32 vector registers, 12 of AVX2's 16.
#include "codegen/conv_blocking.h"

#include <algorithm>

namespace sqz::codegen {

namespace {

// Tiles along x shift inwards at the row's end, so a row of `width` costs ceil(width / p) tiles of
// p pixels, each also loading the weights once: cost ~ tiles * p * (1 + 1/p). The largest block
// is not always best: a 13-wide row takes 14 pixels in blocks of 7 but 16 in blocks of 8.
int best_pixel_block(int width, int largest) {
    if (width <= largest) return width;
    int best = largest;
    double best_cost = 1e30;
    for (int p = largest; p >= std::max(1, largest / 2); --p) {
        const double cost = static_cast<double>((width + p - 1) / p * p) * (1.0 + 1.0 / p);
        if (cost < best_cost - 1e-9) best = p, best_cost = cost;
    }
    return best;
}

}  // namespace

ConvBlocking choose_conv_blocking(const Halide::Target& target, int out_channels, int out_width) {
    const int vw = target.natural_vector_size<float>();
    const bool wide_register_file = target.has_feature(Halide::Target::AVX512) || target.arch == Halide::Target::ARM;
    // The same for packages: once their accumulators are vector variables (package_register_arrays.h),
    // g++ keeps 24 in registers without copies or spills, and v1.1's package ran 10% faster with
    // 24 than with 12 (alternating runs in one process).
    const int budget = wide_register_file ? 24 : 12;

    ConvBlocking b{};
    if (out_channels < vw) {
        b.vectorize = false;
        b.channels = out_channels;
        b.pixels = std::min(out_width, 4);
        return b;
    }
    b.vectorize = true;
    const int vectors = out_channels >= 2 * vw ? 2 : 1;
    b.channels = vectors * vw;
    b.pixels = best_pixel_block(out_width, std::max(1, std::min(budget / vectors, 8)));
    return b;
}

bool channel_blocks_outermost(const ConvBlocking& blk, int64_t weight_elements, int64_t input_elements, int out_c) {
    return weight_elements > input_elements && out_c >= 4 * blk.channels;
}

ConvTileVars place_conv_tiles(Halide::Func out, const ConvBlocking& blk, int64_t weight_elements,
                              int64_t input_elements, int out_c, const std::optional<Halide::LoopLevel>& level,
                              Halide::Var c, Halide::Var x, Halide::Var y, Halide::Var n) {
    using Halide::TailStrategy;
    ConvTileVars t;
    out.split(c, t.co, t.ci, blk.channels, TailStrategy::ShiftInwards)
        .split(x, t.xo, t.xi, blk.pixels, TailStrategy::ShiftInwards)
        .unroll(t.xi);
    if (level) {
        out.compute_at(*level).store_in(Halide::MemoryType::Stack).reorder(t.ci, t.xi, t.xo, t.co, y, n);
    } else if (channel_blocks_outermost(blk, weight_elements, input_elements, out_c)) {
        Halide::Var con("con");
        out.reorder(t.ci, t.xi, t.xo, y, t.co, n).fuse(t.co, n, con).parallel(con);
    } else {
        Halide::Var yn("yn");
        out.reorder(t.ci, t.xi, t.xo, t.co, y, n).fuse(y, n, yn).parallel(yn);
    }
    return t;
}

}  // namespace sqz::codegen
