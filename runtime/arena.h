// A memory arena behind halide_malloc / halide_free: one fixed region, handed out first-fit in
// 64-byte aligned blocks and coalesced on free. Halide may read a few bytes past a block, so give
// the region kSlack bytes more than the blocks need. A network allocates the same sizes in the same
// order on every run, so after set-up inference needs no heap allocation and no system call.
// Thread-safe (Halide may allocate inside parallel loops). Depends on the C++ standard library only.
#pragma once

#include "prefix.h"

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

namespace SQZ_PACKAGE::runtime {

class Arena {
public:
    static constexpr size_t kAlignment = 64;
    static constexpr size_t kSlack = 64;

    Arena() = default;
    // Serves blocks from [memory, memory + bytes); the caller keeps the memory alive.
    Arena(void* memory, size_t bytes);
    Arena(const Arena&) = delete;
    Arena& operator=(const Arena&) = delete;

    // Uses a new region; only while nothing is allocated.
    void reset(void* memory, size_t bytes);

    // nullptr when no free block is large enough.
    void* allocate(size_t bytes);
    // Returns true if `p` belongs to this arena (and frees it), false otherwise.
    bool free(void* p);

    size_t capacity() const { return capacity_; }
    size_t peak_bytes() const { return peak_; }     // most bytes in use at once
    size_t high_water() const { return high_water_; }  // largest end offset ever handed out
    size_t in_use_bytes() const { return in_use_; }

private:
    struct Block {
        size_t offset;
        size_t size;
        bool used;
    };

    unsigned char* base_ = nullptr;
    size_t capacity_ = 0;
    size_t in_use_ = 0;
    size_t peak_ = 0;
    size_t high_water_ = 0;
    std::vector<Block> blocks_;  // sorted by offset, covering [0, capacity_)
    std::mutex mutex_;
};

// Rounds up to the arena's alignment.
inline size_t arena_round_up(size_t bytes) { return (bytes + Arena::kAlignment - 1) / Arena::kAlignment * Arena::kAlignment; }

}  // namespace SQZ_PACKAGE::runtime
