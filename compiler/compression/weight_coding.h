// Weight compression for packages: pruning and weight sharing applied to a graph's convolution
// weights, and each constant turned into the serialized layer blob a package stores
// (runtime/weight_codec.h documents the format and expands it at set-up).
//
//   dense            every constant as float32
//   codebook         weights with a codebook form as codebook + fixed-width codes + gaps, as in
//                    the .net file (or one code per weight where that is smaller: nearly dense layers)
//   codebook-huffman codes and gaps Huffman-coded per layer (the third stage of Deep Compression),
//                    or as in `codebook` for a layer where that is smaller (small, nearly dense
//                    layers, whose code tables cost more than Huffman coding saves)
//   codebook-range   codebook and codes range-coded with adaptive context models (range_blob.h),
//                    or as in `codebook-huffman` for a layer where that is smaller; the biases'
//                    float32 values range-coded too
//
// Biases and any constant without a codebook form are stored dense float32 (codebook-range:
// range-coded float32, losslessly). The codebook
// formats are lossless: the runtime expands each blob to the constant's values bit for bit.
#pragma once

#include <cstddef>

#include "compiler/compression/kmeans.h"
#include "ir/graph.h"
#include "runtime/weight_codec.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sqz::compiler {

enum class WeightsFormat : uint8_t { Dense, Codebook, CodebookHuffman, CodebookRange };

// "dense", "codebook", "codebook-huffman", "codebook-range".
std::string_view to_string(WeightsFormat format);
// Throws sqz::Error naming the accepted values for anything else.
WeightsFormat parse_weights_format(std::string_view text);

// --prune, --codebook-bits and --refine-codebooks.
struct CompressionOptions {
    double prune = 0.0;                // fraction of each layer's weights to prune, [0, 1)
    std::optional<int> codebook_bits;  // re-cluster (or cluster dense weights) to 2^B entries, 2..8
    int gap_bits = 4;                  // gap width of newly clustered layers
    ClusterInit cluster_init = ClusterInit::Linear;  // how k-means starts (kmeans.h)
    // Refine the clustered codebooks on calibration images (refine_codebooks.h): image files or
    // folders, read as calibration_inputs does, each used also as its four image_variants (mirror,
    // crops). Needs codebook_bits.
    bool refine_codebooks = false;
    std::vector<std::string> calibration;
    std::function<void(const std::string& line)> progress;  // one line per refined layer, if set

    bool any() const { return prune > 0.0 || codebook_bits.has_value(); }
};
// Throws sqz::Error for a fraction outside [0, 1), bits outside 2..8, or refinement without
// codebook bits or calibration images.
void check_compression_options(const CompressionOptions& options);

// Names of the constants compression applies to: the weight input of each convolution, in order.
std::vector<std::string> compressible_weights(const ir::Graph& graph);
// True if every compressible weight carries a codebook form (e.g. a Deep Compression model).
bool has_codebook_weights(const ir::Graph& graph);

// Prunes (per layer, by magnitude) and then clusters (per layer, k-means, see kmeans.h) the
// compressible weights. A weight in codebook form that is only pruned keeps its codebook (pruned
// entries get code 0); with codebook_bits every weight is (re-)clustered from its values, keeping
// its sparsity pattern. Each changed constant is rebound to the decoding of its new form, so the
// returned graph means what a package built from it computes. With refine_codebooks, the
// codebooks (and biases) are then refined against the graph as given. The weights must be bound.
ir::Graph compress_weights(ir::Graph graph, const CompressionOptions& options);

// Layer blobs (format in runtime/weight_codec.h).
std::vector<uint8_t> encode_dense_blob(const std::vector<float>& values);
// Fixed-width codes: the entries as stored (codes of weights.bits, gaps of weights.gap_bits), or
// one code per weight if that takes fewer bytes. Throws sqz::Error if the entries are malformed.
std::vector<uint8_t> encode_codebook_blob(const ir::CodebookWeights& weights, int64_t numel);
// Huffman-coded: the smallest of one code per weight and stored entries re-gapped with gap widths
// 1..8 (fillers only where a run exceeds the width), each with per-layer length-limited codes.
std::vector<uint8_t> encode_huffman_blob(const ir::CodebookWeights& weights, int64_t numel);

struct LayerBlob {
    std::string constant;             // the constant's name
    int64_t numel = 0;
    runtime::BlobKind kind = runtime::BlobKind::Dense;
    bool compressible = false;        // a convolution weight (else a bias or other constant)
    // Whether a package stores this blob rather than the constant's packed values: any blob but a
    // dense one.
    bool stored_as_blob() const { return kind != runtime::BlobKind::Dense; }
    std::vector<uint8_t> bytes;
};

// One blob per constant, in graph order: compressible weights in `format` (for codebook-huffman,
// the smaller of the Huffman and the fixed-width blob; for codebook-range, the smallest of those
// and the range-coded blob), all others dense (codebook-range: range-coded floats if smaller).
// For the codebook formats every compressible weight needs a codebook form (load a .net file or
// use codebook_bits); throws sqz::Error naming the first that has none.
std::vector<LayerBlob> encode_constants(const ir::Graph& graph, WeightsFormat format);

}  // namespace sqz::compiler
