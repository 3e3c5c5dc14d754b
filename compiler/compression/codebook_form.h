// Conversions between the two ways a codebook layer can list its codes: one code per weight
// position ("positional"), and Deep Compression's stored entries with relative positions (gaps),
// where filler entries with code 0 bridge runs longer than the widest gap.
#pragma once

#include <cstddef>

#include "ir/constant.h"

#include <cstdint>
#include <vector>

namespace sqz::compiler {

// One code per weight: the code of the entry stored there, 0 (codebook[0]) elsewhere. Decoding
// these codes through the codebook gives exactly weights.decode(numel). Throws sqz::Error if the
// entries do not fit in `numel` weights.
std::vector<uint8_t> positional_codes(const ir::CodebookWeights& weights, int64_t numel);

// The stored-entry form of positional codes: one entry per non-zero code, each with the gap since
// the previous entry, plus a filler entry (code 0, gap 2^gap_bits - 1) for each full run of
// 2^gap_bits skipped positions. `bits` (1..8) and `gap_bits` (1..8) are recorded as given.
ir::CodebookWeights sparse_codebook_weights(std::vector<float> codebook, const std::vector<uint8_t>& codes,
                                            int bits, int gap_bits);

// Number of stored entries (including fillers) that sparse_codebook_weights would produce.
uint64_t sparse_entry_count(const std::vector<uint8_t>& codes, int gap_bits);

}  // namespace sqz::compiler
