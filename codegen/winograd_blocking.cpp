// Winograd blocking choices (see winograd_blocking.h). The accumulators of a block, channels /
// vector x tiles vectors, take at most 24 of AVX-512's 32 registers (12 of AVX2's 16), as in the
// direct conv (conv_blocking.cpp); each step of the reduction also loads channels / vector weight
// vectors and broadcasts `tiles` transformed inputs.
#include "codegen/winograd_blocking.h"

#include <algorithm>

namespace sqz::codegen {
namespace {

// The widest power of two of at most `largest` lanes that `extent` fills, or 1 below 4 lanes.
int vector_for(int extent, int largest) {
    int v = largest;
    while (v > extent) v /= 2;
    return v >= 4 ? v : 1;
}

// Runs of `largest` tiles or fewer along a row of `count` tiles: the last run shifts inwards and
// recomputes tiles, so take the run length that computes the fewest tiles (ties: the longest).
int best_run(int count, int largest) {
    if (count <= largest) return count;
    int best = largest, best_cost = 1 << 30;
    for (int r = largest; r >= std::max(1, largest / 2); --r) {
        const int cost = (count + r - 1) / r * r;
        if (cost < best_cost) best = r, best_cost = cost;
    }
    return best;
}

}  // namespace

WinogradBlocking choose_winograd_blocking(const Halide::Target& target, int m, int in_channels, int out_channels,
                                          int out_width) {
    const int vw = target.natural_vector_size<float>();
    const bool wide_register_file = target.has_feature(Halide::Target::AVX512) || target.arch == Halide::Target::ARM;
    const int budget = wide_register_file ? 24 : 12;
    WinogradBlocking b{};
    b.vector = vector_for(out_channels, vw);
    b.channels = out_channels >= 2 * b.vector && b.vector > 1 ? 2 * b.vector : b.vector;
    const int accumulators_per_tile = b.vector > 1 ? b.channels / b.vector : b.channels;
    const int tiles_x = (out_width + m - 1) / m;
    b.tiles = best_run(tiles_x, std::max(1, std::min(budget / accumulators_per_tile, 8)));
    b.input_vector = vector_for(in_channels, vw);
    return b;
}

}  // namespace sqz::codegen
