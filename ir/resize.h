// Changing a graph's batch size or input resolution: both are graph properties, and every node's
// type follows from them by shape inference.
#pragma once

#include "ir/graph.h"

namespace sqz::ir {

// The same graph with batch size n (shapes re-inferred, verified).
Graph with_batch(Graph graph, int64_t n);
// The same graph with every 4-D input resized to height x width (shapes re-inferred, verified).
Graph with_input_size(Graph graph, int64_t height, int64_t width);

}  // namespace sqz::ir
