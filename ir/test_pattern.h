// sqzc's built-in test pattern: a deterministic, image-like input for any NCHW shape, used when
// `sqzc run` is given no input and by benchmarks. It is the formula of the Deep Compression golden
// input (../shared/models/README.md): 100 sin(0.1 h + 0.7 c) cos(0.05 w) + 20 ((7h + 13w + 5c) mod 11) / 11 - 10.
#pragma once

#include "ir/host_tensor.h"

namespace sqz::ir {

Tensor test_pattern(const TensorType& type);

}  // namespace sqz::ir
