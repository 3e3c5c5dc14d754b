// The model-size table of `sqzc info --size`, in the spirit of the Deep Compression paper's:
// parameters, the dense 32-bit size, and the bytes a package stores for the weights in each
// available compressed form. Every byte of every layer blob counts: headers, codebooks, code-length
// tables, codes, gaps and the dense float32 biases.
#pragma once

#include <cstddef>

#include "compiler/compression/weight_coding.h"
#include "ir/graph.h"

#include <cstdint>
#include <string>
#include <vector>

namespace sqz::compiler {

struct SizeRow {
    std::string form;                 // e.g. "codebook + Huffman", "6-bit codebook + Huffman"
    WeightsFormat format = WeightsFormat::Dense;
    CompressionOptions compression;   // applied to the model before storing it in `format`
    bool lossless = true;             // the package computes with the model's own weights, bit for bit
    int64_t weight_bytes = 0;         // blobs of the convolution weights
    int64_t other_bytes = 0;          // blobs of every other constant (biases), dense float32
    int64_t nonzero_weights = 0;      // convolution weights that are not zero in this form

    int64_t total_bytes() const { return weight_bytes + other_bytes; }
};

struct SizeReport {
    int64_t parameters = 0;           // every constant element
    int64_t weight_parameters = 0;    // convolution weights
    int64_t nonzero_weights = 0;      // of the model as loaded
    int64_t dense_bytes = 0;          // 4 bytes per parameter
    std::vector<SizeRow> rows;
};

// The rows: dense float32; for a model whose weights are all in codebook form (Deep Compression)
// the codebook as stored, with Huffman coding and with range coding, and re-clustered to 6-bit
// codebooks (all three storages); and, when `options` asks for pruning or clustering, that
// variant in each storage it allows (clustered: the three codebook storages; pruned only: dense).
SizeReport size_report(const ir::Graph& graph, const CompressionOptions& options = {});

// The report as a text table (bytes with thousands separators, MB = 10^6 bytes, ratio to dense).
std::string format_size_report(const SizeReport& report);

}  // namespace sqz::compiler
