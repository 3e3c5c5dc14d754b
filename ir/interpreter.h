// The reference interpreter: evaluates any graph directly from its definition, in float64, for any
// batch size. It is the oracle every other numeric path in sqzc is tested against, so it favours
// plain loops that are obviously right over speed.
#pragma once

#include "ir/graph.h"
#include "ir/host_tensor.h"

#include <functional>
#include <vector>

namespace sqz::ir {

// One input tensor per graph input, in order, each with the full batched shape. Returns one tensor
// per graph output. The graph must be verified and its weights bound.
std::vector<TensorF64> interpret(const Graph& graph, const std::vector<Tensor>& inputs);

// The same, calling `observe` with every node's output as it is computed (for calibration).
using NodeObserver = std::function<void(const Node& node, const TensorF64& value)>;
std::vector<TensorF64> interpret(const Graph& graph, const std::vector<Tensor>& inputs, const NodeObserver& observe);

}  // namespace sqz::ir
