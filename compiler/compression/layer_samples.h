// The calibration data of one convolution for codebook refinement (refine_codebooks.h): at sampled
// output positions, the layer's input patch in the model being compressed (its earlier layers
// already compressed) and the original layer's output there, the value the compressed layer should
// reproduce. Everything the fit needs (layer_quadratic.h) is computed from these.
//
// A patch has the weight layout's order, index (c * kernel_h + ky) * kernel_w + kx, with zeros in
// the padding. Patches are stored feature-major, [F][P]: one row of P values per patch element,
// so the Gram matrices the fit needs are dot products of rows.
#pragma once

#include "ir/host_tensor.h"
#include "ir/node.h"

#include <cstdint>
#include <vector>

namespace sqz::compiler {

struct LayerSamples {
    int64_t fan_in = 0;        // F: input channels * kernel_h * kernel_w
    int64_t out_channels = 0;  // O
    int64_t positions = 0;     // P, over all inputs
    std::vector<double> patches;  // [F][P]: the compressed model's input patch at each position
    std::vector<double> targets;  // [O][P]: the original layer's output there (bias added, before any ReLU)
    std::vector<uint32_t> input;  // [P]: the calibration input each position comes from

    LayerSamples(int64_t fan_in, int64_t out_channels) : fan_in(fan_in), out_channels(out_channels) {}
    // Concatenates samples of the same layer, in order.
    static LayerSamples concatenate(const std::vector<LayerSamples>& parts);
};

// The samples of convolution `node` on one calibration input: `input` is the layer's input in the
// model being compressed, `target_input` in the original model (both batch 1), `target_weights`
// [O, F] and `target_bias` [O] (or empty) the original layer's. Samples at most `max_positions`
// output positions, evenly spread over the map (all of them if there are fewer), always the same
// ones for the same shapes; `index` is recorded as the positions' input.
LayerSamples sample_layer(const ir::Node& node, const ir::TensorF64& input, const ir::TensorF64& target_input,
                          const std::vector<float>& target_weights, const std::vector<float>& target_bias,
                          int64_t max_positions, uint32_t index);

}  // namespace sqz::compiler
