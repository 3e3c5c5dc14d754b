// Positional codes and stored entries with gaps (see codebook_form.h).
#include "compiler/compression/codebook_form.h"

#include "ir/error.h"

namespace sqz::compiler {

std::vector<uint8_t> positional_codes(const ir::CodebookWeights& weights, int64_t numel) {
    if (weights.codes.size() != weights.gaps.size())
        user_error("codebook weights have {} codes but {} gaps", weights.codes.size(), weights.gaps.size());
    std::vector<uint8_t> codes(static_cast<size_t>(numel), 0);
    int64_t pos = -1;
    for (size_t i = 0; i < weights.codes.size(); ++i) {
        pos += static_cast<int64_t>(weights.gaps[i]) + 1;
        if (pos >= numel)
            user_error("stored entry {} of {} lands at position {}, past the {} weights of the layer", i,
                       weights.codes.size(), pos, numel);
        codes[static_cast<size_t>(pos)] = weights.codes[i];
    }
    return codes;
}

ir::CodebookWeights sparse_codebook_weights(std::vector<float> codebook, const std::vector<uint8_t>& codes,
                                            int bits, int gap_bits) {
    SQZ_ASSERT(bits >= 1 && bits <= 8 && gap_bits >= 1 && gap_bits <= 8, "code width {} or gap width {} outside 1..8",
               bits, gap_bits);
    ir::CodebookWeights w;
    w.bits = bits;
    w.gap_bits = gap_bits;
    w.codebook = std::move(codebook);
    const uint64_t max_gap = (uint64_t{1} << gap_bits) - 1;
    uint64_t gap = 0;  // positions skipped since the last entry
    for (uint8_t code : codes) {
        if (code == 0) {
            ++gap;
            continue;
        }
        for (; gap > max_gap; gap -= max_gap + 1) {  // a filler lands on position (skipped so far) max_gap
            w.codes.push_back(0);
            w.gaps.push_back(static_cast<uint8_t>(max_gap));
        }
        w.codes.push_back(code);
        w.gaps.push_back(static_cast<uint8_t>(gap));
        gap = 0;
    }
    return w;
}

uint64_t sparse_entry_count(const std::vector<uint8_t>& codes, int gap_bits) {
    const uint64_t run = uint64_t{1} << gap_bits;
    uint64_t entries = 0, gap = 0;
    for (uint8_t code : codes) {
        if (code == 0) {
            ++gap;
            continue;
        }
        entries += 1 + gap / run;
        gap = 0;
    }
    return entries;
}

}  // namespace sqz::compiler
