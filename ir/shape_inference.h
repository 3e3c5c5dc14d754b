// Shape inference: computes every node's output type from the graph inputs, the constants and the
// attributes, in topological order.
#pragma once

#include "ir/graph.h"

namespace sqz::ir {

// Fills Node::type for every node. Throws sqz::Error naming the node when its inputs do not fit
// its operator (wrong rank, mismatched channels, a window larger than its input, ...).
void infer_shapes(Graph& graph);

// The output type of one node whose inputs are already defined (and typed) in `graph`.
TensorType infer_node_type(const Graph& graph, const Node& node);

// Output size of a sliding window along one axis; 0 when the window does not fit.
int64_t window_output_size(int64_t input, int64_t kernel, int64_t stride, int64_t pad_begin, int64_t pad_end,
                           Rounding rounding);

}  // namespace sqz::ir
