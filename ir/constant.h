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

// The int8 form of a conv weight [O, ...] read from a quantized model (ONNX DequantizeLinear):
// symmetric, w = values[i] * scales[o] for element i of output channel o, values in [-127, 127],
// one float32 scale per output channel (a per-tensor scale repeated). The constant's dense values
// are then exactly float(values[i] * scales[o]), and int8 convolutions use these integers and
// scales as they are instead of deriving their own (ir::int8_conv_params).
struct Int8Weights {
    std::vector<int8_t> values;    // like the dense values
    std::vector<float> scales;     // [O]

    bool operator==(const Int8Weights& other) const { return values == other.values && scales == other.scales; }
};

struct Constant {
    std::string name;
    TensorType type;
    std::shared_ptr<const std::vector<float>> values;      // null while unbound
    std::shared_ptr<const CodebookWeights> codebook;       // optional compressed source of `values`
    std::shared_ptr<const Int8Weights> int8;               // optional quantized source of `values`

    bool bound() const { return values != nullptr; }
    // The dense values; the constant must be bound.
    const std::vector<float>& data() const;
    // Binds dense values (their count must match the type); drops the int8 form, which they replace.
    void bind(std::vector<float> dense);
    // Binds the int8 form and the dense values it stands for.
    void bind_int8(Int8Weights weights);
};

}  // namespace sqz::ir
