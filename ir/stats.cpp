// Parameter and MAC counts (see stats.h).
#include "ir/stats.h"

namespace sqz::ir {

GraphStats graph_stats(const Graph& graph) {
    GraphStats stats;
    for (const Node& node : graph.nodes) {
        NodeStats s{&node, 0, 0};
        for (const std::string& in : node.inputs)
            if (const Constant* c = graph.find_constant(in)) s.params += c->type.numel();
        if (node.op == OpKind::Conv) {
            const TensorType w = graph.type_of(node.inputs[1]);
            s.macs = node.type.numel() * (w.numel() / w.dims[0]);
        }
        stats.params += s.params;
        stats.macs += s.macs;
        stats.nodes.push_back(s);
    }
    stats.weight_bytes = stats.params * 4;
    return stats;
}

}  // namespace sqz::ir
