// Constant tensors of the graph IR (weights and biases). A constant always has a type; its values
// may be unbound (a description without weights) and may also carry the Deep Compression form
// they were decoded from, so that later stages can emit weights compressed.
#pragma once

#include "ir/tensor_type.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace sqz::ir {

// Deep Compression storage of one weight tensor: a codebook of shared values, one code per stored
// entry, and the gap (number of skipped positions) before each stored entry. Position p of entry i
// is p(i) = p(i-1) + gaps[i] + 1 with p(-1) = -1; every position not stored holds codebook[0].
struct CodebookWeights {
    int bits = 8;                  // code width; codebook has at most 2^bits entries
    int gap_bits = 4;              // gap width; every gap is below 2^gap_bits
    std::vector<float> codebook;
    std::vector<uint8_t> codes;    // one per stored entry
    std::vector<uint8_t> gaps;     // one per stored entry, unpacked

    // Expands into `numel` dense values. Throws sqz::Error if the entries do not fit.
    std::vector<float> decode(int64_t numel) const;
    bool operator==(const CodebookWeights& other) const;
};

struct Constant {
    std::string name;
    TensorType type;
    std::shared_ptr<const std::vector<float>> values;      // null while unbound
    std::shared_ptr<const CodebookWeights> codebook;       // optional compressed source of `values`

    bool bound() const { return values != nullptr; }
    // The dense values; the constant must be bound.
    const std::vector<float>& data() const;
    // Binds dense values (their count must match the type).
    void bind(std::vector<float> dense);
};

}  // namespace sqz::ir
