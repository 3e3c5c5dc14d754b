// One convolution's output error as a quadratic in its weights, built from calibration samples
// (layer_samples.h) for codebook refinement (refine_codebooks.h).
//
// For output channel o with compressed weights ŵ_o (free only on its support S_o, the weights with
// a non-zero code; the rest are pruned) and bias b̂_o, the error over the sampled positions is
//   E_o = Σ_p (ŵ_o·x_p + b̂_o - y_op)²
// with x_p the compressed model's input patch and y_op the original layer's output. With a bias,
// b̂_o takes its best value for ŵ_o, which leaves
//   E_o(ŵ) = ŵ_Sᵀ Q ŵ_S - 2 ŵ_Sᵀ r_o + k_o,
// Q = Σ_p (x_p - m)(x_p - m)ᵀ (m the mean patch; Σ_p x_p x_pᵀ without a bias), one F x F matrix
// for all channels restricted to each support, and r_o, k_o per channel.
#pragma once

#include "compiler/compression/layer_samples.h"

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

class LayerQuadratic {
public:
    // `codes` [O, F] give each channel's support; `has_bias` whether the layer has a bias to fit.
    LayerQuadratic(const LayerSamples& samples, const std::vector<uint8_t>& codes, bool has_bias, int threads);

    // The same quadratic with Q shrunk towards its diagonal D by `amount` in [0, 1], the weights
    // pulled towards `weights` [O, F] (the original layer's):
    //   E'_o(ŵ) = (1 - amount) E_o(ŵ) + amount Σ_{i∈S_o} D_ii (ŵ_i - w_i)².
    // Q is estimated from a few calibration images; where they say little (small or noisy
    // directions of Q), this keeps each weight near its original value, as plain k-means does,
    // instead of letting the fit move it freely (ledoit-wolf style shrinkage of the moments).
    LayerQuadratic shrunk_towards(const std::vector<float>& weights, double amount) const;

    int64_t out_channels() const { return out_channels_; }
    int64_t fan_in() const { return fan_in_; }
    // Channel o's support (weight positions within the channel's row, ascending), r_o and k_o.
    size_t support_size(size_t o) const { return support_start_[o + 1] - support_start_[o]; }
    const uint32_t* support(size_t o) const { return &support_[support_start_[o]]; }
    const double* linear(size_t o) const { return &linear_[support_start_[o]]; }
    double constant(size_t o) const { return constant_[o]; }
    // Q, F x F row-major.
    const double* moments() const { return q_.data(); }
    double moment(uint32_t i, uint32_t j) const { return q_[static_cast<size_t>(i) * static_cast<size_t>(fan_in_) + j]; }

    // Σ_o E_o with the layer as it is (codes, codebook and bias).
    double error(const CodebookLayer& layer) const;
    // The same with each channel's best bias.
    double error_with_best_bias(const std::vector<uint8_t>& codes, const std::vector<double>& codebook) const;
    // Channel o's part of it.
    double channel_error(size_t o, const std::vector<uint8_t>& codes, const std::vector<double>& codebook) const;
    // Each channel's best bias. Empty without a bias.
    std::vector<double> best_bias(const std::vector<uint8_t>& codes, const std::vector<double>& codebook) const;
    // Σ_o k_o, the error of ŵ = 0: the spread of the original's outputs that errors are measured
    // against.
    double spread() const { return spread_; }

private:
    int64_t out_channels_ = 0, fan_in_ = 0, positions_ = 0;
    bool has_bias_ = false;
    std::vector<double> q_;              // Q
    std::vector<double> sum_;            // Σ_p x_p (for the best bias)
    std::vector<uint32_t> support_;
    std::vector<size_t> support_start_;  // [O + 1]
    std::vector<double> linear_;         // r_o, per support entry
    std::vector<double> constant_;       // k_o
    std::vector<double> target_sum_;     // per channel: Σ_p y_op
    double spread_ = 0;

    LayerQuadratic() = default;
};

}  // namespace sqz::compiler
