// Compressed weights in a package (sqzc compile --weights-format codebook|codebook-huffman): the
// package stores some weight tensors as layer blobs (weight_codec.h) and the others as their
// packed bytes; at create, expand_weights rebuilds from that stored form the packed image the
// kernels read, bit for bit. sqzc runs the same function at compile time to check every layout.
//
// A blob expands into the weight's values (OIHW order); the gather from values to packed layout is
// described by strides: packed element (i0, i1, ...) (innermost first) is value sum(ik * stride[k]).
// The weights of a Winograd conv are not a gather of the values but their transform (winograd.h),
// which the package computes from them at create as sqzc does at compile time.
#pragma once

#include "prefix.h"
#include "status.h"

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

// How one packed tensor is stored.
struct StoredTensor {
    uint8_t expand;                  // an ExpandKind
    int8_t rank;                     // entries of extent and stride used
    int64_t stored_offset;           // bytes, in the stored weights
    int64_t stored_bytes;
    int64_t offset;                  // bytes, in the packed weights
    int64_t numel;                   // values of the packed tensor (and of the blob)
    int32_t extent[kMaxStoredRank];  // gather: packed dims, innermost first; Winograd: O, I, m
    int64_t stride[kMaxStoredRank];  // gather: per packed dim, its stride in the blob's values
};

// The most values any tensor expands to (at most its packed values): the room expand_weights
// needs at `values`.
size_t largest_expansion(const StoredTensor* tensors, size_t count);

// Writes the packed weights (`packed_bytes` at `packed`, zeroed first: the padding between
// tensors) from the stored weights: each tensor's bytes copied, or its blob expanded into
// `values` (room for largest_expansion values) and gathered. Status::Weights when a blob does not
// decode or a tensor lies outside the stored or packed bytes; Status::OutOfMemory when the
// decoder's tables cannot be allocated.
Status expand_weights(const uint8_t* stored, size_t stored_bytes, const StoredTensor* tensors, size_t count,
                      uint8_t* packed, size_t packed_bytes, float* values, size_t value_count);

}  // namespace SQZ_PACKAGE::runtime
