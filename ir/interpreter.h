// The reference interpreter: evaluates any graph directly from its definition, in float64, for any
// batch size. It is the oracle every other numeric path in sqzc is tested against, so it favours
// plain loops that are obviously right over speed.
#pragma once

#include "ir/graph.h"
#include "ir/host_tensor.h"

#include <functional>
#include <string>
#include <vector>

namespace sqz::ir {

// One input tensor per graph input, in order, each with the full batched shape. Returns one tensor
// per graph output. The graph must be verified and its weights bound.
std::vector<TensorF64> interpret(const Graph& graph, const std::vector<Tensor>& inputs);

// The same, calling `observe` with every node's output as it is computed (for calibration).
using NodeObserver = std::function<void(const Node& node, const TensorF64& value)>;
std::vector<TensorF64> interpret(const Graph& graph, const std::vector<Tensor>& inputs, const NodeObserver& observe);

// One node's output from its inputs' values: `value_of(name)` gives each non-constant input (the
// graph's constants are read from `graph`). Applies the node's activation rounding, if any. For
// callers that step through a graph themselves (codebook refinement runs two models side by side).
using ValueLookup = std::function<const TensorF64&(const std::string& name)>;
TensorF64 evaluate_node(const Graph& graph, const Node& node, const ValueLookup& value_of);

}  // namespace sqz::ir
