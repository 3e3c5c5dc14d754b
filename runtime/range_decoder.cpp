// Binary adaptive range decoding (see range_decoder.h).
#include "range_decoder.h"

namespace SQZ_PACKAGE::runtime {

RangeDecoder::RangeDecoder(const uint8_t* data, size_t size) : data_(data), size_(size) {
    for (int i = 0; i < 4; ++i) value_ = value_ << 8 | next_byte();
}

void RangeDecoder::normalize() {
    while (range_ < (1u << 24)) {
        range_ <<= 8;
        value_ = value_ << 8 | next_byte();
    }
}

int RangeDecoder::code(AdaptiveBit& m, int) {
    const uint32_t bound = (range_ >> 16) * m.one;
    int bit;
    if (value_ < bound) {
        range_ = bound;
        bit = 1;
    } else {
        value_ -= bound;
        range_ -= bound;
        bit = 0;
    }
    adapt(m, bit);
    normalize();
    return bit;
}

int RangeDecoder::direct(int) {
    range_ >>= 1;
    int bit = 0;
    if (value_ >= range_) {
        value_ -= range_;
        bit = 1;
    }
    normalize();
    return bit;
}

}  // namespace SQZ_PACKAGE::runtime
