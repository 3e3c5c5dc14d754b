// Dense host tensors used at the edges of sqzc: model inputs and outputs (float32) and the
// reference interpreter's float64 results, plus the error measure every comparison uses.
#pragma once

#include "ir/tensor_type.h"

#include <vector>

namespace sqz::ir {

template <typename T>
struct HostTensor {
    Dims dims;
    std::vector<T> data;  // row-major (NCHW for activations)
};

using Tensor = HostTensor<float>;
using TensorF64 = HostTensor<double>;

// max |a - ref| / max |ref| over all elements (max |a - ref| when ref is all zero). Sizes must match.
double max_relative_error(const std::vector<float>& a, const std::vector<double>& ref);
double max_relative_error(const std::vector<float>& a, const std::vector<float>& ref);

}  // namespace sqz::ir
