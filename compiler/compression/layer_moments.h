// The statistics that make one convolution's output error a quadratic function of its weights,
// gathered from calibration images for codebook refinement (refine_codebooks.h).
//
// At a sampled output position p, x_p is the input patch of the model being compressed (its earlier
// layers already compressed) and x'_p the same patch in the original model; a patch has the
// weight layout's order, index (c * kernel_h + ky) * kernel_w + kx, zeros in the padding. For
// output channel o with weights w_o and bias b_o in the original and ŵ_o, b̂_o in the compressed
// model, the error summed over the positions is
//   E_o = Σ_p (ŵ_o·x_p + b̂_o - w_o·x'_p - b_o)²
//       = ŵ_oᵀ A ŵ_o - 2 ŵ_oᵀ C w_o + T_o + 2 (b̂_o - b_o)(ŵ_o·m - w_o·m') + P (b̂_o - b_o)²
// with A = Σ x xᵀ, C = Σ x x'ᵀ, m = Σ x, m' = Σ x', T_o = Σ (w_o·x'_p)² and P positions.
#pragma once

#include "ir/host_tensor.h"
#include "ir/node.h"

#include <cstdint>
#include <vector>

namespace sqz::compiler {

struct LayerMoments {
    int64_t fan_in = 0;             // F: input channels * kernel_h * kernel_w
    int64_t out_channels = 0;       // O
    int64_t positions = 0;          // P, over all images
    std::vector<double> xx;         // A, F x F, row-major and symmetric
    std::vector<double> xt;         // C, F x F: xt[i * F + j] = Σ x_i x'_j
    std::vector<double> sum;        // m, F
    std::vector<double> sum_target; // m', F
    std::vector<double> target_square;  // T, O: Σ (w_o·x'_p)², the original's output without bias

    LayerMoments(int64_t fan_in, int64_t out_channels);
    // Adds another image's statistics (same layer).
    void merge(const LayerMoments& other);
};

// The moments of convolution `node` over one image: `input` is its input in the model being
// compressed, `target_input` in the original model (both batch 1), `target_weights` the original
// weights [O, F]. Samples at most `max_positions` output positions, evenly spread over the map
// (all of them if there are fewer), always the same ones for the same shapes.
LayerMoments layer_moments(const ir::Node& node, const ir::TensorF64& input, const ir::TensorF64& target_input,
                           const std::vector<float>& target_weights, int64_t max_positions);

}  // namespace sqz::compiler
