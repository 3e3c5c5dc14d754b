// The models of kind-3 and kind-4 layer blobs (weight_codec.h), written once for both directions. A Coder
// has `int code(AdaptiveBit&, int bit)` and `int direct(int bit)`: the encoder
// (compiler/compression/range_encoder.h) writes `bit` and returns it, the decoder
// (range_decoder.h) ignores it and returns the bit it reads. The functions below therefore walk
// the same models in the same order in sqzc and in a package, by construction.
//
// What is modelled (measured on Deep Compression SqueezeNet v1.0 at 6 bits, docs/compression.md):
// whether a weight is zero depends a little on its place in its k x k kernel and on its kernel's
// other weights (3x3 kernels keep their centre more often, and their non-zero weights cluster),
// so that flag has a context of (position, non-zeros so far in the kernel, previous weight zero or
// not). A code goes through an adaptive bit tree, whose leaves learn the codebook's frequencies as
// they go, one tree per class of the kernel's previous non-zero weight (its sign, and whether it
// is large: a quarter of the codebook's largest magnitude or more; or none yet): neighbouring
// weights of a 3x3 kernel tend to share their sign. (Other contexts measured no gain: the output
// or input channel's density or magnitude, the weight above in the previous output channel.)
#pragma once

#include "range_decoder.h"

#include <cstddef>
#include <cstdint>

namespace SQZ_PACKAGE::runtime {

constexpr int kWindowPositions = 16;  // positions in a kernel with zero-flag contexts of their own
constexpr int kCodeTreeNodes = 256;   // bit-tree nodes: codes of up to 8 bits
constexpr int kCodeClasses = 5;       // of the kernel's previous non-zero weight: sign x large, or none
constexpr uint8_t kNoCodeClass = 4;

struct WeightModel {
    AdaptiveBit zero[kWindowPositions][4][3];     // [position][non-zeros so far, 0..3+][previous: zero, non-zero, none]
    AdaptiveBit code[kCodeClasses][kCodeTreeNodes];  // per class, the tree of code - 1 (node 1 the root)
    AdaptiveBit pattern_bits[64];                 // the tree of a codebook pattern difference's bit count
};

// The class of each code of a codebook of float32 bit patterns: 2 for a clear sign bit, plus 1 when
// its magnitude is at least a quarter of the largest (two less in the exponent: integer arithmetic
// on the patterns, so encoder and decoder agree on any compiler).
inline void code_classes(const uint32_t* patterns, size_t size, uint8_t* classes) {
    uint32_t largest = 0;
    for (size_t i = 0; i < size; ++i)
        if ((patterns[i] & 0x7fffffffu) > largest) largest = patterns[i] & 0x7fffffffu;
    for (size_t i = 0; i < size; ++i) {
        const uint64_t magnitude = patterns[i] & 0x7fffffffu;
        classes[i] = static_cast<uint8_t>((patterns[i] >> 31 ? 0 : 2) + (magnitude + (uint64_t{2} << 23) >= largest ? 1 : 0));
    }
}

// Codes `value`'s low `levels` bits (at most 8) through the bit tree `tree`, first the highest;
// returns the value coded.
template <class Coder>
uint32_t code_tree(Coder& c, AdaptiveBit* tree, int levels, uint32_t value) {
    uint32_t node = 1;
    for (int b = levels - 1; b >= 0; --b) node = node * 2 + static_cast<uint32_t>(c.code(tree[node], (value >> b) & 1));
    return node - (1u << levels);
}

// Codes a 32-bit value in Elias-gamma form: its bit count (0..32) through the model's tree, then
// the bits below its leading one, at probability 1/2. Returns the value coded; false in `ok` when a
// decoder reads a bit count over 32.
template <class Coder>
uint32_t code_gamma(Coder& c, WeightModel& m, uint32_t value, bool& ok) {
    int count = 0;
    for (uint32_t v = value; v; v >>= 1) ++count;
    count = static_cast<int>(code_tree(c, m.pattern_bits, 6, static_cast<uint32_t>(count)));
    if (count > 32) {
        ok = false;
        return 0;
    }
    if (count == 0) return 0;
    uint32_t out = 1;
    for (int b = count - 2; b >= 0; --b) out = out << 1 | static_cast<uint32_t>(c.direct((value >> b) & 1));
    return out;
}

// Codes the codebook's `size` float32 bit patterns at `patterns` (read by an encoder, written by a
// decoder): each as the zigzag of its difference from the one before (the first from 0), so that
// the sorted codebooks of clustered weights cost a few bits less per entry.
template <class Coder>
bool code_codebook(Coder& c, WeightModel& m, uint32_t* patterns, size_t size) {
    uint32_t previous = 0;
    bool ok = true;
    for (size_t i = 0; i < size; ++i) {
        const uint32_t difference = patterns[i] - previous;
        const uint32_t zigzag = difference << 1 ^ (0u - (difference >> 31));
        const uint32_t coded = code_gamma(c, m, zigzag, ok);
        patterns[i] = previous + ((coded >> 1) ^ (0u - (coded & 1)));
        previous = patterns[i];
    }
    return ok;
}

// The models of a kind-4 blob's float32 values: the sign, and the exponent through a bit tree;
// the 23 bits of the mantissa are close to random and go at probability 1/2.
struct FloatModel {
    AdaptiveBit sign;
    AdaptiveBit exponent[256];
};

// Codes one float32 bit pattern; returns the pattern coded.
template <class Coder>
uint32_t code_float(Coder& c, FloatModel& m, uint32_t bits) {
    const uint32_t sign = static_cast<uint32_t>(c.code(m.sign, static_cast<int>(bits >> 31)));
    const uint32_t exponent = code_tree(c, m.exponent, 8, bits >> 23 & 0xff);
    uint32_t mantissa = 0;
    for (int b = 22; b >= 0; --b) mantissa = mantissa << 1 | static_cast<uint32_t>(c.direct((bits >> b) & 1));
    return sign << 31 | exponent << 23 | mantissa;
}

// Bit-tree levels for codes 1..size-1 coded as code - 1.
inline int code_levels(size_t codebook_size) {
    int levels = 0;
    while ((size_t{1} << levels) < codebook_size - 1) ++levels;
    return levels;
}

// Codes the `numel` codes of a layer whose kernels hold `window` weights each; `classes` are the
// codebook's code_classes. Codes::get(i) gives weight i's code to an encoder; Codes::put(i, code)
// receives each code as coded. False when a decoder reads a code outside the codebook.
template <class Coder, class Codes>
bool code_weights(Coder& c, WeightModel& m, Codes& codes, size_t numel, size_t window, size_t codebook_size,
                  const uint8_t* classes) {
    const int levels = code_levels(codebook_size);
    size_t position = 0;
    int nonzero = 0, previous = 2;
    uint8_t last_class = kNoCodeClass;  // of the kernel's previous non-zero code
    for (size_t i = 0; i < numel; ++i) {
        const int p = position < kWindowPositions ? static_cast<int>(position) : kWindowPositions - 1;
        const uint32_t code = codes.get(i);
        const int present = c.code(m.zero[p][nonzero < 3 ? nonzero : 3][previous], code != 0);
        uint32_t coded = 0;
        if (present) {
            coded = code_tree(c, m.code[last_class], levels, code - 1) + 1;
            if (coded >= codebook_size) return false;
            if (window > 1) last_class = classes[coded];
        }
        codes.put(i, coded);
        nonzero += present;
        previous = present;
        if (++position == window) position = 0, nonzero = 0, previous = 2, last_class = kNoCodeClass;
    }
    return true;
}

}  // namespace SQZ_PACKAGE::runtime
