// Weight sharing (the second stage of Deep Compression): per layer, k-means over the non-zero
// weights with 2^bits - 1 centroids, plus codebook entry 0 fixed at 0.0 for pruned weights.
#pragma once

#include "ir/constant.h"

#include <cstdint>
#include <vector>

namespace sqz::compiler {

// Where the centroids start before Lloyd's iterations.
enum class ClusterInit : uint8_t {
    // Evenly spaced between the smallest and largest non-zero weight, as the Deep Compression
    // paper recommends (it keeps centroids for the rare large weights; the paper fine-tunes the
    // centroids afterwards). Centroids that capture no weight are dropped.
    Linear,
    // The least-squares optimum, by dynamic programming over the sorted weights (exact when a
    // layer has at most kOptimalRuns distinct non-zero values, as re-clustering a Deep Compression
    // layer does; otherwise over that many runs of equal count). Better without fine-tuning.
    Optimal,
};
constexpr size_t kOptimalRuns = 16384;

struct ClusterOptions {
    int bits = 8;              // code width 1..8: at most 2^bits codebook entries, entry 0 is 0.0
    int gap_bits = 4;          // gap width of the stored entries (1..8)
    int max_iterations = 100;  // Lloyd iterations; clustering stops earlier once no weight moves
    ClusterInit init = ClusterInit::Linear;
};

// Clusters one layer's weights. Zeros (pruned weights) keep code 0; every non-zero weight gets a
// non-zero code, so the sparsity pattern is kept. From the initial centroids, Lloyd's algorithm
// alternates assignment and mean; in one dimension each cluster is a run of the sorted weights, so
// an iteration costs O(k log n) after one sort. A weight exactly at the midpoint of two centroids
// joins the upper one. The non-zero entries are sorted ascending. If the layer has at most
// 2^bits - 1 distinct non-zero values, the codebook holds them exactly (clustering is then
// lossless). Deterministic.
ir::CodebookWeights cluster_weights(const std::vector<float>& values, const ClusterOptions& options);

}  // namespace sqz::compiler
