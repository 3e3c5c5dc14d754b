// Binary adaptive range decoding, for kind-3 weight blobs (weight_codec.h): a decoder for the
// streams compiler/compression/range_encoder.h writes, and the adaptive bit model both share.
//
// A bit is coded with the model's probability that it is 1 (16 bits). The model adapts after each
// bit by a step of 1/2^s of the way to it, s growing from 2 to 9 with the bits it has seen (2 for
// its first two, 3 up to its sixth, ... 9 from its 255th): fast at first, then close to the
// frequencies of a long stationary source. The coder keeps a 32-bit range, renormalised a byte at
// a time once it falls below 2^24 (the scheme of LZMA's range coder, with the encoder's always-zero
// first byte left out). Depends on the C++ standard library only (copied into packages); reads
// never go past the bytes given.
#pragma once

#include "prefix.h"

#include <cstddef>
#include <cstdint>

namespace SQZ_PACKAGE::runtime {

struct AdaptiveBit {
    uint16_t one = 32768;  // probability of a 1, in 1/65536
    uint8_t seen = 0;      // bits seen, saturating at 255
};

// Moves the model towards `bit` (both coders call it after each bit).
inline void adapt(AdaptiveBit& m, int bit) {
    if (m.seen < 255) ++m.seen;
    const int n = m.seen;
    const int shift = n < 3 ? 2 : n < 7 ? 3 : n < 15 ? 4 : n < 31 ? 5 : n < 63 ? 6 : n < 127 ? 7 : n < 255 ? 8 : 9;
    if (bit) m.one = static_cast<uint16_t>(m.one + ((65536 - m.one) >> shift));
    else m.one = static_cast<uint16_t>(m.one - (m.one >> shift));
}

class RangeDecoder {
public:
    RangeDecoder(const uint8_t* data, size_t size);

    // Decodes a bit with model `m` and adapts it. The second argument is what an encoder would
    // write (weight_model.h's functions serve both coders); the decoder ignores it.
    int code(AdaptiveBit& m, int ignored = 0);
    // Decodes a bit of probability 1/2.
    int direct(int ignored = 0);
    // True when the decoder has read every byte and none past the end: a stream that ends exactly
    // where the encoder's does.
    bool at_end() const { return next_ == size_; }

private:
    uint8_t next_byte() { return next_ < size_ ? data_[next_++] : (++next_, 0); }
    void normalize();

    const uint8_t* data_;
    size_t size_;
    size_t next_ = 0;  // bytes read, counting reads past the end
    uint32_t range_ = 0xffffffffu;
    uint32_t value_ = 0;
};

}  // namespace SQZ_PACKAGE::runtime
