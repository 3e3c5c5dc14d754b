// FNV-1a, 64 bits (Fowler, Noll, Vo): the checksum of a package's weights file, which sqzc
// writes and the package checks at create, and the hash sqzc seeds random weights with. Not a
// cryptographic hash: it catches damaged files, not forged ones.
#pragma once

#include "prefix.h"

#include <cstddef>
#include <cstdint>

namespace SQZ_PACKAGE::runtime {

constexpr uint64_t kFnv1aOffsetBasis = 0xcbf29ce484222325ULL;
constexpr uint64_t kFnv1aPrime = 0x100000001b3ULL;

// The hash of `bytes` bytes at `data`; pass a previous result as `hash` to continue it.
inline uint64_t fnv1a(const void* data, size_t bytes, uint64_t hash = kFnv1aOffsetBasis) {
    const auto* p = static_cast<const unsigned char*>(data);
    for (size_t i = 0; i < bytes; ++i) hash = (hash ^ p[i]) * kFnv1aPrime;
    return hash;
}

}  // namespace SQZ_PACKAGE::runtime
