// Range-coded layer blobs (runtime/weight_codec.h). Kind 3: a layer's codebook and one code per
// weight, through the context models of runtime/weight_model.h. Where Huffman coding costs at
// least a bit per symbol and codes each zero run apart from its neighbours, this codes each weight's
// "zero or not" in the context of its kernel, and the codes with probabilities learnt as they go.
// Kind 4: float32 values (biases), their signs and exponents modelled, their mantissas as they are.
#pragma once

#include "ir/constant.h"

#include <cstdint>
#include <vector>

namespace sqz::compiler {

// The kind-3 blob of `weights` (numel values in kernels of `window` weights: kh x kw of an OIHW
// conv weight; 1 when it has none). Throws sqz::Error if the entries are malformed or the window
// does not divide numel or exceed 255.
std::vector<uint8_t> encode_range_blob(const ir::CodebookWeights& weights, int64_t numel, int64_t window);

// The kind-4 blob of `values`. Throws sqz::Error for more values than a blob holds.
std::vector<uint8_t> encode_float_range_blob(const std::vector<float>& values);

// The window of a weight of these dims: kh x kw of a 4-D OIHW weight when it fits the blob's byte,
// else 1.
int64_t weight_window(const std::vector<int64_t>& dims);

}  // namespace sqz::compiler
