// Splitting a graph into segments, each lowered to its own Halide pipeline. Halide's lowering time
// grows faster than linearly with the number of stages in one pipeline (a 32-conv chain takes 3x
// longer per conv than a 4-conv chain), so a network is compiled as a short chain of pipelines.
// Cuts fall only where few values are live (between Fire modules), so the fusions that matter
// (inside a Fire module, a conv and its pool) stay within one pipeline.
#pragma once

#include "ir/graph.h"

#include <vector>

namespace sqz::codegen {

struct SegmentPlan {
    std::vector<std::vector<size_t>> segments;  // node indices, in graph order
};

// Greedy: closes a segment after a node once it holds at least `convs_per_segment` convolutions
// and only one value is live across the cut (or up to three, past twice the budget). convs_per_segment == 0 keeps one segment;
// a negative value makes every node its own segment (for exact per-node profiles).
SegmentPlan plan_segments(const ir::Graph& graph, int convs_per_segment);

}  // namespace sqz::codegen
