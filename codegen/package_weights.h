// The weights of a package: every packed weight tensor of every kernel, laid end to end (each
// 64-byte aligned) in one blob, stored bit-exactly either as constant data in a source file (it
// stays in read-only memory) or as a binary file with a header and checksum, read at set-up.
#pragma once

#include "codegen/lowering.h"

#include <cstdint>
#include <string>
#include <vector>

namespace sqz::codegen {

struct WeightBlob {
    std::vector<uint8_t> bytes;                       // the packed tensors, little-endian, a multiple of 64 bytes
    std::vector<std::vector<int64_t>> offsets;        // per kernel, per weight: byte offset
};

WeightBlob pack_weight_blob(const LoweredModel& model);

// <prefix>_weights.cpp defining `alignas(64) extern const uint32_t <prefix>_weight_data[]` (the
// bytes as little-endian 32-bit words).
std::string embedded_weights_source(const std::string& prefix, const WeightBlob& blob);

// The weights file: "SQZW", format version, byte count, FNV-1a 64 checksum, then the bytes (all
// little-endian).
std::string weights_file(const WeightBlob& blob);
constexpr size_t kWeightsFileHeaderBytes = 24;

}  // namespace sqz::codegen
