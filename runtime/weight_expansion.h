// Compressed weights in a package (sqzc compile --weights-format codebook|codebook-huffman|
// codebook-range): the package stores some weight tensors as layer blobs (weight_codec.h) and the
// others as their packed bytes; at create, expand_weights rebuilds from that stored form the
// packed image the kernels read, bit for bit. sqzc runs the same function at compile time to check
// every layout.
//
// A blob expands into the weight's values (OIHW order); the gather from values to packed layout is
// described by strides: packed element (i0, i1, ...) (innermost first) is value sum(ik * stride[k]).
// The weights of a Winograd conv are not a gather of the values but their transform (winograd.h),
// which the package computes from them at create as sqzc does at compile time.
//
// The decoders and the transform are reached through the tables a package's NAME.cpp fills in
// with what its weights use, so that its linker can leave out the rest (--gc-sections).
#pragma once

#include "prefix.h"
#include "status.h"
#include "weight_codec.h"

#include <cstddef>
#include <cstdint>

namespace SQZ_PACKAGE::runtime {

constexpr int kMaxStoredRank = 6;

// How a packed tensor is rebuilt from what the package stores.
enum ExpandKind : uint8_t {
    kCopy = 0,      // its packed bytes, copied
    kGather = 1,    // a layer blob, expanded and gathered
    kWinograd = 2,  // a layer blob of 3x3 weights (O x I x 3 x 3), expanded and transformed for
                    // F(m x m, 3 x 3): numel = O x I x (m + 2)^2 packed values
};

// One packed dimension of an expanded tensor: gather: its extent and its stride in the blob's
// values; Winograd: O, I and m in turn as extents (strides 0).
struct StoredDim {
    int32_t extent;
    int32_t stride;
};

// How one packed tensor is stored (compressed weights stay under 4 GiB: sqzc checks it).
struct StoredTensor {
    uint32_t stored_offset;  // bytes, in the stored weights
    uint32_t stored_bytes;
    uint32_t offset;         // bytes, in the packed weights
    int32_t numel;          // expanded tensors: values of the packed tensor (and of the blob)
    uint8_t expand;         // an ExpandKind
    uint8_t rank;           // expanded tensors: dims used, at most kMaxStoredRank
    uint16_t first_dim;     // expanded tensors: its dims are StoredWeights::dims[first_dim, first_dim + rank)
};

// Transforms 3x3 weights for Winograd F(m x m, 3 x 3): winograd_transform_weights.
using WinogradTransform = void (*)(const float* w, int64_t out_channels, int64_t in_channels, int m, float* u);

// Everything expand_weights needs besides the bytes.
struct StoredWeights {
    const StoredTensor* tensors = nullptr;
    size_t count = 0;
    const StoredDim* dims = nullptr;
    size_t dim_count = 0;
    const LayerDecoder* decoders = nullptr;  // indexed by BlobKind; null entries: kinds never stored
    size_t decoder_count = 0;
    WinogradTransform winograd = nullptr;    // null when no tensor is a kWinograd one
};

// The most values any tensor expands to (at most its packed values): the room expand_weights
// needs at `values`.
size_t largest_expansion(const StoredWeights& weights);

// Writes the packed weights (`packed_bytes` at `packed`, zeroed first: the padding between
// tensors) from the stored weights: each tensor's bytes copied, or its blob expanded into
// `values` (room for largest_expansion values) and gathered or transformed. Status::Weights when a
// blob does not decode, its kind or transform is not in the tables, or a tensor lies outside the
// stored or packed bytes.
Status expand_weights(const uint8_t* stored, size_t stored_bytes, const StoredWeights& weights, uint8_t* packed,
                      size_t packed_bytes, float* values, size_t value_count);

}  // namespace SQZ_PACKAGE::runtime
