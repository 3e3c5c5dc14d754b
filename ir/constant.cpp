// Constant tensors and Deep Compression decoding (see constant.h).
#include "ir/constant.h"

#include "ir/error.h"

namespace sqz::ir {

std::vector<float> CodebookWeights::decode(int64_t numel) const {
    if (codes.size() != gaps.size())
        user_error("codebook weights have {} codes but {} gaps", codes.size(), gaps.size());
    if (codebook.empty()) user_error("codebook weights have an empty codebook");
    std::vector<float> dense(static_cast<size_t>(numel), codebook[0]);
    int64_t pos = -1;
    for (size_t i = 0; i < codes.size(); ++i) {
        pos += static_cast<int64_t>(gaps[i]) + 1;
        if (pos >= numel)
            user_error("stored entry {} of {} lands at position {}, past the {} weights of the layer", i,
                       codes.size(), pos, numel);
        if (codes[i] >= codebook.size())
            user_error("stored entry {} has code {}, but the codebook has only {} entries", i, codes[i],
                       codebook.size());
        dense[static_cast<size_t>(pos)] = codebook[codes[i]];
    }
    return dense;
}

bool CodebookWeights::operator==(const CodebookWeights& other) const {
    return bits == other.bits && gap_bits == other.gap_bits && codebook == other.codebook &&
           codes == other.codes && gaps == other.gaps;
}

const std::vector<float>& Constant::data() const {
    SQZ_ASSERT(values != nullptr, "constant '{}' is not bound to values", name);
    return *values;
}

void Constant::bind(std::vector<float> dense) {
    SQZ_ASSERT(static_cast<int64_t>(dense.size()) == type.numel(), "constant '{}' of type {} bound to {} values",
               name, to_string(type), dense.size());
    values = std::make_shared<const std::vector<float>>(std::move(dense));
    int8 = nullptr;
}

void Constant::bind_int8(Int8Weights weights) {
    const int64_t outputs = type.rank() > 0 ? type.dims[0] : 0;
    SQZ_ASSERT(static_cast<int64_t>(weights.values.size()) == type.numel() && outputs > 0 &&
                   static_cast<int64_t>(weights.scales.size()) == outputs,
               "constant '{}' of type {} bound to {} int8 values with {} scales", name, to_string(type),
               weights.values.size(), weights.scales.size());
    const size_t per_output = weights.values.size() / static_cast<size_t>(outputs);
    std::vector<float> dense(weights.values.size());
    for (size_t i = 0; i < dense.size(); ++i)
        dense[i] = static_cast<float>(weights.values[i]) * weights.scales[i / per_output];
    bind(std::move(dense));
    int8 = std::make_shared<const Int8Weights>(std::move(weights));
}

}  // namespace sqz::ir
