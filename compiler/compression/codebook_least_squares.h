// One layer's codebook chosen for its outputs rather than its weights (see layer_quadratic.h for
// the error being minimised): with the codes fixed, the layer's output is linear in the centroids,
// y = Σ_k c_k conv(x, M_k) + b (M_k the mask of the weights with code k), so the centroids that best
// match the original model's outputs solve a small least-squares problem; and with the centroids
// fixed, each weight can move to the centroid that least increases the error (coordinate descent).
// Entry 0 stays 0 and a weight with code 0 (pruned) keeps it; every other weight keeps a non-zero
// code, so the sparsity pattern is fixed. Both steps only lower the error.
#pragma once

#include "compiler/compression/layer_quadratic.h"

#include <cstdint>
#include <vector>

namespace sqz::compiler {

// The centroids (entry 0 stays 0) that minimise q.error_with_best_bias for these codes, with a
// ridge pulling each centroid towards `start`: weight ridge * (its own diagonal + 1% of the mean
// diagonal), so a code with few weights, or none, cannot blow up. ridge = 0 is plain least squares
// (a code with no weights keeps its start). The same result for any number of threads.
std::vector<double> solve_centroids(const LayerQuadratic& q, const std::vector<uint8_t>& codes,
                                    const std::vector<double>& start, double ridge, int threads);

// Coordinate descent: moves each non-zero weight, one at a time in weight order, to the non-zero
// centroid that lowers q.error_with_best_bias most; returns how many moved. Channels are independent,
// so they run in parallel with the same result.
size_t reassign_codes(const LayerQuadratic& q, std::vector<uint8_t>& codes, const std::vector<double>& codebook,
                      int threads);

}  // namespace sqz::compiler
