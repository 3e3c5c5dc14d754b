// Binary adaptive range encoding: the encoder of runtime/range_decoder.h, which describes the
// coder and its adaptive bit model. It serves runtime/weight_model.h's functions as their Coder.
#pragma once

#include "runtime/range_decoder.h"

#include <cstdint>
#include <vector>

namespace sqz::compiler {

class RangeEncoder {
public:
    // Encodes `bit` with model `m`, adapts the model, and returns the bit.
    int code(runtime::AdaptiveBit& m, int bit);
    // Encodes `bit` at probability 1/2 and returns it.
    int direct(int bit);
    // Flushes the coder and returns the stream (the decoder reads exactly all of it).
    std::vector<uint8_t> finish();

private:
    void shift_low();
    void normalize();

    std::vector<uint8_t> out_;
    uint64_t low_ = 0;
    uint32_t range_ = 0xffffffffu;
    uint8_t cache_ = 0;          // the last byte not yet written: a carry may still change it
    uint64_t pending_ = 1;       // bytes held back: the cache and the 0xff bytes after it
};

}  // namespace sqz::compiler
