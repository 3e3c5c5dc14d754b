// Data-aware codebook refinement: after clustering (kmeans.h), each convolution's codebook is
// re-chosen so that the layer's outputs match the original model's on calibration images, without
// retraining. Must run after compress_weights (the graph's convolution weights in codebook form).
//
//   original model   x'_L ──► conv_L (w, b)      ──► y_L          target
//                     ▲                                │ match on sampled positions
//   compressed model x_L  ──► conv_L (codebook) ──► ŷ_L ◄─┘
//                     (layers before L already refined)
//
// The convolutions are taken in graph order. For layer L both models run on every image up to L
// (calibration_stepper.h, the reference interpreter's values), L's input patches and the original's
// outputs are sampled (layer_samples.h) into the layer's error quadratic (layer_quadratic.h),
// whose input moments are shrunk towards their diagonal (the original weights as a prior, against
// fitting what a few images happen to show), and then: the centroids are solved for by least
// squares with the codes fixed (codebook_least_squares.h); the codes are re-assigned, per channel
// the better of coordinate descent and error-feedback assignment (error_feedback_assignment.h), and
// the centroids solved again, while that lowers the error; each output channel's bias is corrected
// for the mean shift. Entry 0 stays 0.0 and the sparsity pattern is kept, so the stored sizes stay
// comparable. A layer whose error would not fall keeps its k-means codebook.
#pragma once

#include "ir/graph.h"
#include "ir/host_tensor.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace sqz::compiler {

// What refinement did to one layer.
struct LayerRefinement {
    std::string layer;          // the convolution
    size_t index = 0, count = 0;  // its number among the refined layers (1-based), and how many there are
    int64_t positions = 0;      // output positions sampled, over all images
    double kmeans_error = 0;    // relative output error with the k-means codebook: sqrt(E / spread)
    double refined_error = 0;   // the same after refinement (E, not the shrunk objective the fit lowers)
    size_t moved = 0;           // weights that changed code
    bool kept_kmeans = false;   // refinement would not have lowered the error
    double seconds = 0;
};

struct RefineOptions {
    int64_t max_positions = 4096;  // output positions sampled per layer, over all images
    double ridge = 1e-4;           // see solve_centroids
    int rounds = 3;                // re-assignment rounds after the first solve
    double shrinkage = 0.3;        // of the fit's input moments (LayerQuadratic::shrunk_towards)
    bool error_feedback = true;    // also assign codes with error feedback (error_feedback_assignment.h)
    double damping = 0.01;         // its λ, relative to the mean diagonal
    int threads = 0;               // 0: the machine's hardware threads
    std::function<void(const LayerRefinement&)> on_layer;  // called after each layer
};

// Refines the codebooks of `compressed` (the clustered form of `original`: same graph, weights
// bound, convolution weights in codebook form) on `inputs` (batch 1 each, as calibration_inputs
// reads them) and returns it with the refined codebooks, codes and biases bound.
ir::Graph refine_codebooks(const ir::Graph& original, ir::Graph compressed, const std::vector<ir::Tensor>& inputs,
                           const RefineOptions& options = {});

// "refine-codebooks 3/26 fire2/expand3x3: output error 0.0620 -> 0.0210, 4,096 positions, ..."
std::string format_layer_refinement(const LayerRefinement& r);

}  // namespace sqz::compiler
