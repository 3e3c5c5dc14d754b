// Binary adaptive range encoding (see range_encoder.h).
//
// Algorithm note: `low` is the bottom of the current interval, kept to 32 bits plus a carry bit;
// each renormalisation shifts its top byte out. A byte cannot be written while a carry from below
// may still add one to it, so the last byte shifted out is held as `cache`, followed by a count of
// 0xff bytes (which a carry would turn to 0x00 while incrementing the cache); they are written once
// a byte arrives that no carry can pass. The very first byte is always 0 (the empty cache) and is
// left out of the stream; the decoder starts with its four bytes accordingly.
#include "compiler/compression/range_encoder.h"

#include "ir/error.h"

namespace sqz::compiler {

void RangeEncoder::shift_low() {
    if (static_cast<uint32_t>(low_) < 0xff000000u || (low_ >> 32) != 0) {
        const uint8_t carry = static_cast<uint8_t>(low_ >> 32);
        uint8_t byte = cache_;
        do {
            out_.push_back(static_cast<uint8_t>(byte + carry));
            byte = 0xff;
        } while (--pending_ != 0);
        cache_ = static_cast<uint8_t>(low_ >> 24);
    }
    ++pending_;
    low_ = (low_ & 0x00ffffffu) << 8;
}

void RangeEncoder::normalize() {
    while (range_ < (1u << 24)) {
        range_ <<= 8;
        shift_low();
    }
}

int RangeEncoder::code(runtime::AdaptiveBit& m, int bit) {
    const uint32_t bound = (range_ >> 16) * m.one;
    if (bit) {
        range_ = bound;
    } else {
        low_ += bound;
        range_ -= bound;
    }
    runtime::adapt(m, bit);
    normalize();
    return bit;
}

int RangeEncoder::direct(int bit) {
    range_ >>= 1;
    if (bit) low_ += range_;
    normalize();
    return bit;
}

std::vector<uint8_t> RangeEncoder::finish() {
    for (int i = 0; i < 5; ++i) shift_low();
    SQZ_ASSERT(!out_.empty() && out_[0] == 0, "a range coder's first byte is always 0");
    out_.erase(out_.begin());
    std::vector<uint8_t> stream = std::move(out_);
    *this = RangeEncoder();
    return stream;
}

}  // namespace sqz::compiler
