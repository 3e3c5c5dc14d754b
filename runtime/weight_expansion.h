// Compressed weights in a package (sqzc compile --weights-format codebook|codebook-huffman): the
// package stores some weight tensors as layer blobs (weight_codec.h) and the others as their
// packed bytes; at create, expand_weights rebuilds from that stored form the packed image the
// kernels read, bit for bit. sqzc runs the same function at compile time to check every layout.
//
// A blob expands into the weight's values (OIHW order); the gather from values to packed layout is
// described by strides: packed element (i0, i1, ...) (innermost first) is value sum(ik * stride[k]).
#pragma once

#include "prefix.h"
#include "status.h"

#include <cstddef>
#include <cstdint>

namespace SQZ_PACKAGE::runtime {

constexpr int kMaxStoredRank = 6;

// How one packed tensor is stored.
struct StoredTensor {
    uint8_t expand;                  // 1: a layer blob to expand and gather; 0: packed bytes to copy
    int8_t rank;                     // packed dims (expand only)
    int64_t stored_offset;           // bytes, in the stored weights
    int64_t stored_bytes;
    int64_t offset;                  // bytes, in the packed weights
    int64_t numel;                   // values of the packed tensor (and of the blob)
    int32_t extent[kMaxStoredRank];  // packed dims, innermost first (expand only)
    int64_t stride[kMaxStoredRank];  // per packed dim: stride in the blob's values (expand only)
};

// The most values any tensor expands to: the room expand_weights needs at `values`.
size_t largest_expansion(const StoredTensor* tensors, size_t count);

// Writes the packed weights (`packed_bytes` at `packed`, zeroed first: the padding between
// tensors) from the stored weights: each tensor's bytes copied, or its blob expanded into
// `values` (room for largest_expansion values) and gathered. Status::Weights when a blob does not
// decode or a tensor lies outside the stored or packed bytes; Status::OutOfMemory when the
// decoder's tables cannot be allocated.
Status expand_weights(const uint8_t* stored, size_t stored_bytes, const StoredTensor* tensors, size_t count,
                      uint8_t* packed, size_t packed_bytes, float* values, size_t value_count);

}  // namespace SQZ_PACKAGE::runtime
