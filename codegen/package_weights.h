// The weights of a package: every packed weight tensor of every kernel, laid end to end (each
// 64-byte aligned) in one blob, stored bit-exactly either as constant data in a source file (it
// stays in read-only memory) or as a binary file with a header and checksum, read at set-up.
//
// Compressed storage (sqzc compile --weights-format codebook|codebook-huffman): the package stores
// a layer blob (runtime/weight_codec.h) for each compressed constant instead of its packed values,
// and the other tensors' packed bytes; at create it expands every blob into the constant's values
// (OIHW order) and gathers them into the packed layout, giving the same packed image bit for bit.
// The gather is described by strides: packed element (i0, i1, ...) (innermost first) is value
// sum(ik * stride[k]) of the constant. It is the one lowering packed the constant with
// (PackedWeight::gather); tensors lowering did not pack by a pure gather (int8 weights, derived
// tensors) are stored packed, except the weights of Winograd convs, whose transform of the values
// the package computes at create (runtime/winograd.h). Each gather and transform is checked at
// compile time against the packed tensor.
#pragma once

#include "codegen/lowering.h"
#include "ir/graph.h"
#include "runtime/weight_expansion.h"
#include "runtime/weights_file.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace sqz::codegen {

// How one packed tensor is stored when the weights are compressed.
struct StoredTensor {
    std::string constant;            // the IR constant it packs (or the Halide parameter's name)
    bool expand = false;             // a layer blob to expand and gather (or transform); else packed bytes to copy
    int winograd_tile = 0;           // expand: > 0 transforms the values for Winograd F(m x m, 3 x 3)
    int64_t stored_offset = 0;       // bytes, in WeightBlob::stored
    int64_t stored_bytes = 0;
    int64_t offset = 0;              // bytes, in the packed image (WeightBlob::bytes)
    int64_t numel = 0;               // values of the packed tensor (and of the blob)
    std::vector<int32_t> extents;    // packed dims, innermost first (expand only)
    std::vector<int64_t> strides;    // per packed dim: stride in the constant's values (expand only)
};

struct WeightBlob {
    std::vector<uint8_t> bytes;                       // the packed tensors, little-endian, a multiple of 64 bytes
    std::vector<std::vector<int64_t>> offsets;        // per kernel, per weight: byte offset
    // Compressed storage (empty `layout`: the package stores `bytes` as they are).
    std::vector<uint8_t> stored;                      // packed bytes of the tensors copied, then the blobs
    std::vector<StoredTensor> layout;                 // one per packed tensor, in kernel order
    int compressed_tensors = 0;

    bool compressed() const { return !layout.empty(); }
    // What the package holds: the stored form, or the packed image itself.
    const std::vector<uint8_t>& stored_bytes() const { return compressed() ? stored : bytes; }
};

WeightBlob pack_weight_blob(const LoweredModel& model);

// Adds the compressed storage to a packed blob: `blobs` maps constant names of `graph` to their
// layer blobs; every packed tensor of such a constant is stored as its blob. Throws sqz::Error if
// a blob does not expand to the constant's values or the packed layout is not a gather of them.
void compress_weight_blob(WeightBlob& blob, const LoweredModel& model, const ir::Graph& graph,
                          const std::map<std::string, std::vector<uint8_t>>& blobs);

// Expands stored weights into the packed image with the package's own code (runtime/
// weight_expansion.h), as a package does at create (for tests and checks).
std::vector<uint8_t> expand_stored_weights(const WeightBlob& blob);

// For a compressed blob: its stored tensors as the package's tables hold them (runtime/
// weight_expansion.h), in WeightBlob::layout's order (no tensors when the blob is not compressed),
// with the dims they share, and what their expansion runs: the blob kinds used and whether any
// tensor is transformed for Winograd.
struct RuntimeStoredWeights {
    std::vector<runtime::StoredTensor> tensors;
    std::vector<runtime::StoredDim> dims;
    std::vector<runtime::BlobKind> kinds;  // ascending
    bool winograd = false;
};
RuntimeStoredWeights runtime_stored_weights(const WeightBlob& blob);

// <prefix>_weights.cpp defining `alignas(64) extern const unsigned char <prefix>_weight_data[]` (the
// stored bytes as one string literal, a terminating zero after them).
std::string embedded_weights_source(const std::string& prefix, const WeightBlob& blob);

// The weights file (runtime/weights_file.h): a header with the byte count and the FNV-1a 64
// checksum, then the stored bytes.
std::string weights_file(const WeightBlob& blob);
constexpr size_t kWeightsFileHeaderBytes = runtime::kWeightsFileHeaderBytes;

}  // namespace sqz::codegen
