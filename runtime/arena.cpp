// The first-fit arena (see arena.h).
#include "arena.h"

namespace SQZ_PACKAGE::runtime {

Arena::Arena(void* memory, size_t bytes) { reset(memory, bytes); }

void Arena::reset(void* memory, size_t bytes) {
    std::lock_guard<std::mutex> lock(mutex_);
    // Align the start; the usable capacity shrinks by what alignment costs.
    auto address = reinterpret_cast<uintptr_t>(memory);
    const size_t skew = (kAlignment - address % kAlignment) % kAlignment;
    base_ = static_cast<unsigned char*>(memory) + (bytes >= skew ? skew : 0);
    capacity_ = bytes >= skew ? (bytes - skew) / kAlignment * kAlignment : 0;
    // Keep kSlack bytes at the end unused, for Halide's over-reads.
    capacity_ = capacity_ > kSlack ? capacity_ - kSlack : 0;
    blocks_.clear();
    blocks_.reserve(256);  // so that splitting blocks does not allocate during inference
    if (capacity_ > 0) blocks_.push_back({0, capacity_, false});
    in_use_ = 0;
}

void* Arena::allocate(size_t bytes) {
    const size_t size = arena_round_up(bytes == 0 ? 1 : bytes);
    std::lock_guard<std::mutex> lock(mutex_);
    for (size_t i = 0; i < blocks_.size(); ++i) {
        Block& b = blocks_[i];
        if (b.used || b.size < size) continue;
        if (b.size > size) blocks_.insert(blocks_.begin() + static_cast<std::ptrdiff_t>(i) + 1, {b.offset + size, b.size - size, false});
        blocks_[i].size = size;
        blocks_[i].used = true;
        in_use_ += size;
        if (in_use_ > peak_) peak_ = in_use_;
        if (blocks_[i].offset + size > high_water_) high_water_ = blocks_[i].offset + size;
        return base_ + blocks_[i].offset;
    }
    return nullptr;
}

bool Arena::free(void* p) {
    auto* q = static_cast<unsigned char*>(p);
    if (q < base_ || q >= base_ + capacity_) return false;
    const size_t offset = static_cast<size_t>(q - base_);
    std::lock_guard<std::mutex> lock(mutex_);
    for (size_t i = 0; i < blocks_.size(); ++i) {
        if (blocks_[i].offset != offset || !blocks_[i].used) continue;
        blocks_[i].used = false;
        in_use_ -= blocks_[i].size;
        // Coalesce with the next, then the previous free block.
        if (i + 1 < blocks_.size() && !blocks_[i + 1].used) {
            blocks_[i].size += blocks_[i + 1].size;
            blocks_.erase(blocks_.begin() + static_cast<std::ptrdiff_t>(i) + 1);
        }
        if (i > 0 && !blocks_[i - 1].used) {
            blocks_[i - 1].size += blocks_[i].size;
            blocks_.erase(blocks_.begin() + static_cast<std::ptrdiff_t>(i));
        }
        return true;
    }
    return false;
}

}  // namespace SQZ_PACKAGE::runtime
