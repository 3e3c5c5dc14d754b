// Cost figures of a graph: parameters and multiply-accumulates per node and in total, as
// `sqzc info` prints them and benchmarks use them (GFLOP/s = 2 x MACs / time).
#pragma once

#include "ir/graph.h"

#include <cstdint>
#include <vector>

namespace sqz::ir {

struct NodeStats {
    const Node* node;
    int64_t params;  // elements of the constants the node reads
    int64_t macs;    // multiply-accumulates for the whole batch
};

struct GraphStats {
    std::vector<NodeStats> nodes;
    int64_t params = 0;
    int64_t macs = 0;
    int64_t weight_bytes = 0;  // dense float32
};

GraphStats graph_stats(const Graph& graph);

}  // namespace sqz::ir
