// A package's weights file (sqzc compile --weights-storage file): the stored weights with a
// header that names them and a checksum, so that a missing, damaged or foreign file is refused
// at create instead of producing wrong results. sqzc writes the file with weights_file_header,
// the package reads it with read_weights_file. All numbers little-endian:
//
//   offset  size  field
//   0       4     "SQZW"
//   4       4     format version: 1
//   8       8     byte count n of the data
//   16      8     FNV-1a 64 (fnv1a.h) of the data
//   24      n     the data: the stored weights, exactly as the package holds them embedded
#pragma once

#include "prefix.h"
#include "status.h"

#include <cstddef>
#include <cstdint>

namespace SQZ_PACKAGE::runtime {

constexpr size_t kWeightsFileHeaderBytes = 24;
constexpr uint32_t kWeightsFileVersion = 1;

// The header of a weights file holding the `bytes` bytes at `data`.
void weights_file_header(const void* data, uint64_t bytes, unsigned char header[kWeightsFileHeaderBytes]);

// Reads the weights file at `path`, which must hold exactly `bytes` bytes of data, into `out`
// (room for `bytes`). Status::Weights when the file cannot be opened, its header is not a
// version-1 header for `bytes` bytes, it ends early or goes on, or the checksum differs; `out`
// then holds no meaningful data.
Status read_weights_file(const char* path, void* out, size_t bytes);

}  // namespace SQZ_PACKAGE::runtime
