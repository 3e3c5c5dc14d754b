// Code assignment with error feedback (the idea of GPTQ and Optimal Brain Quantization): each
// channel's weights are given their codes one at a time, and the weights not yet assigned move to
// compensate, through the channel's error quadratic (layer_quadratic.h), for the rounding of those
// already assigned. Plain nearest-centroid rounding ignores how the errors of a channel's weights
// add up in its output; this makes them cancel where the input's second moments allow.
#pragma once

#include "compiler/compression/layer_quadratic.h"

#include <cstdint>
#include <vector>

namespace sqz::compiler {

// New codes for every weight on the supports of `q` (others stay 0), with `codebook` fixed:
//   1. channel o's continuous optimum u = (Q_SS + λI)⁻¹ (r_o + λ ŵ_o) on its support S, ŵ_o the
//      weights `codes` give (λ = damping * the mean of Q_SS's diagonal keeps u near them where the
//      calibration data says little);
//   2. in decreasing order of Q_SS's diagonal, each weight takes the non-zero centroid nearest to
//      u corrected for the rounding errors of the weights assigned before it (Babai's nearest plane
//      on the Cholesky factor of Q_SS + λI, which is GPTQ's sequential update).
// Channels are independent and run in parallel, with the same result for any thread count.
std::vector<uint8_t> assign_with_error_feedback(const LayerQuadratic& q, const std::vector<uint8_t>& codes,
                                                const std::vector<double>& codebook, double damping, int threads);

// The non-zero entry of `codebook` nearest to v (the lowest index on a tie).
uint8_t nearest_code(const std::vector<double>& codebook, double v);

}  // namespace sqz::compiler
