// A small convolution built from known centroids, shared by the codebook refinement tests
// (layer_quadratic_test, codebook_least_squares_test, refine_codebooks_test,
// calibration_stepper_test): the layer, seeded codes over a codebook, their values, and float
// inputs as the float64 tensors the calibration code reads.
#pragma once

#include "ir/builder.h"
#include "ir/host_tensor.h"

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

namespace sqz::test {

// The codebook the layers are built with: entry 0 is the pruned weight.
inline const std::vector<double> kCentroids = {0.0, -0.7, -0.3, -0.1, 0.2, 0.45, 0.8, 1.1};

// One 3x3 conv (pad 1, bias) over a 3x9x9 input, 4 output channels (weights "conv.weight",
// bias "conv.bias").
inline ir::Graph one_conv() {
    ir::GraphBuilder b("one_conv");
    const std::string x = b.input("data", {ir::DType::F32, {3, 9, 9}});
    b.output(b.conv("conv", x, 4, ir::square_window(3, 1, 1)));
    return b.finish();
}

// `count` codes 0..7, about a quarter of them 0 (pruned), seeded.
inline std::vector<uint8_t> random_codes(size_t count, uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::uniform_int_distribution<int> code(0, 9);
    std::vector<uint8_t> out(count);
    for (uint8_t& c : out) c = static_cast<uint8_t>(std::max(0, code(rng) - 2));
    return out;
}

// The weights the codes stand for.
inline std::vector<float> decode(const std::vector<uint8_t>& codes, const std::vector<double>& codebook) {
    std::vector<float> out;
    for (uint8_t c : codes) out.push_back(static_cast<float>(codebook[c]));
    return out;
}

inline ir::TensorF64 as_f64(const ir::Tensor& t) { return {t.dims, std::vector<double>(t.data.begin(), t.data.end())}; }

}  // namespace sqz::test
