// One layer's codebook chosen for its outputs rather than its weights: with the codes fixed, the
// layer's output is linear in the centroids, y = Σ_k c_k conv(x, M_k) + b (M_k the mask of the
// weights with code k), so the centroids that best match the original model's outputs on the
// calibration patches solve a small least-squares problem; and with the centroids fixed, each weight
// can move to the centroid that least increases the output error. Both steps only lower the error
// (layer_moments.h gives it as a quadratic in the weights). Entry 0 stays 0 and a weight with code
// 0 (pruned) keeps it; every other weight keeps a non-zero code, so the sparsity pattern is fixed.
#pragma once

#include "compiler/compression/layer_moments.h"

#include <cstdint>
#include <vector>

namespace sqz::compiler {

// A convolution's compressed weights: one code per weight into a codebook, and its bias.
struct CodebookLayer {
    int64_t out_channels = 0, fan_in = 0;
    std::vector<uint8_t> codes;    // [O, F], 0 for a pruned weight
    std::vector<double> codebook;  // entry 0 is 0.0
    std::vector<double> bias;      // [O]; empty for a convolution without bias
};

// The output error of a layer with the codes' sparsity pattern, against the original layer
// (`target_weights` [O, F], `target_bias` [O] or empty), on the patches `moments` summarises.
// With a bias, the bias is taken to absorb the mean shift (best_bias) wherever the bias is free.
class LayerQuadratic {
public:
    LayerQuadratic(const LayerMoments& moments, const std::vector<float>& target_weights,
                   const std::vector<float>& target_bias, const std::vector<uint8_t>& codes);

    // Σ_o Σ_p (ŷ_o(p) - y_o(p))² with the layer as it is (codes, codebook and bias).
    double error(const CodebookLayer& layer) const;
    // The same with each channel's best bias (the target's, corrected for the mean shift).
    double error_with_best_bias(const std::vector<uint8_t>& codes, const std::vector<double>& codebook) const;
    // Each channel's best bias: b_o + (w_o·m' - ŵ_o·m) / P. Empty without a bias.
    std::vector<double> best_bias(const std::vector<uint8_t>& codes, const std::vector<double>& codebook) const;
    // Σ_o Σ_p (y_o(p) - mean)² (or Σ y² without a bias): the scale errors are measured against.
    double spread() const { return spread_; }

    // The centroids (entry 0 stays 0) that minimise error_with_best_bias for these codes, with a
    // ridge pulling each centroid towards `start`: weight ridge * (its own diagonal + 1% of the mean
    // diagonal), so a code with few weights, or none, cannot blow up. ridge = 0 is plain least squares
    // (a code with no weights keeps its start).
    std::vector<double> solve_centroids(const std::vector<uint8_t>& codes, const std::vector<double>& start,
                                        double ridge) const;
    // Moves each non-zero weight, one at a time, to the non-zero centroid that lowers
    // error_with_best_bias most (coordinate descent, in weight order); returns how many moved.
    size_t reassign(std::vector<uint8_t>& codes, const std::vector<double>& codebook) const;

private:
    // Weight positions of channel o with a non-zero code: support_[support_start_[o] .. [o + 1]).
    std::vector<uint32_t> support_;
    std::vector<size_t> support_start_;
    std::vector<double> linear_;   // per support entry: (R w_o)_i
    std::vector<double> constant_; // per channel: the error of ŵ_o = 0
    std::vector<double> q_;        // Q, F x F (A, centred if there is a bias)
    std::vector<double> shift_;    // per channel: w_o·m' (for the mean shift)
    std::vector<double> sum_;      // m
    std::vector<float> bias_;
    int64_t out_channels_, fan_in_, positions_;
    double spread_ = 0;

    // Per channel: ŵ_Sᵀ Q ŵ_S - 2 ŵ_S·linear + constant, and ŵ·m.
    void channel_terms(size_t o, const std::vector<uint8_t>& codes, const std::vector<double>& codebook,
                       double& centred, double& mean_term) const;
};

}  // namespace sqz::compiler
