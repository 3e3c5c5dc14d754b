// The weights file (see weights_file.h).
#include "weights_file.h"

#include "fnv1a.h"

#include <cstdio>
#include <cstring>

namespace SQZ_PACKAGE::runtime {
namespace {

constexpr unsigned char kMagic[4] = {'S', 'Q', 'Z', 'W'};

void store(unsigned char* out, uint64_t value, int bytes) {
    for (int b = 0; b < bytes; ++b) out[b] = static_cast<unsigned char>(value >> (8 * b));
}

uint64_t load(const unsigned char* in, int bytes) {
    uint64_t value = 0;
    for (int b = 0; b < bytes; ++b) value |= static_cast<uint64_t>(in[b]) << (8 * b);
    return value;
}

// Reads exactly `bytes` bytes and then the end of the file.
bool read_exactly(std::FILE* f, void* out, size_t bytes) {
    return std::fread(out, 1, bytes, f) == bytes && std::fgetc(f) == EOF;
}

}  // namespace

void weights_file_header(const void* data, uint64_t bytes, unsigned char header[kWeightsFileHeaderBytes]) {
    std::memcpy(header, kMagic, sizeof kMagic);
    store(header + 4, kWeightsFileVersion, 4);
    store(header + 8, bytes, 8);
    store(header + 16, fnv1a(data, static_cast<size_t>(bytes)), 8);
}

Status read_weights_file(const char* path, void* out, size_t bytes) {
    if (!path || !out) return Status::Argument;
    std::FILE* f = std::fopen(path, "rb");
    if (!f) return Status::Weights;
    unsigned char header[kWeightsFileHeaderBytes];
    const bool ok = std::fread(header, 1, sizeof header, f) == sizeof header &&
                    std::memcmp(header, kMagic, sizeof kMagic) == 0 && load(header + 4, 4) == kWeightsFileVersion &&
                    load(header + 8, 8) == bytes && read_exactly(f, out, bytes);
    std::fclose(f);
    if (!ok || fnv1a(out, bytes) != load(header + 16, 8)) return Status::Weights;
    return Status::Ok;
}

}  // namespace SQZ_PACKAGE::runtime
