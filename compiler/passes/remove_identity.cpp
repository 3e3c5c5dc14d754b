// Pass remove-identity (see remove_identity.h).
#include "compiler/passes/remove_identity.h"

#include "compiler/passes/rewrite.h"

namespace sqz::compiler {
namespace {

bool is_reshape(const ir::Node& n) { return n.op == ir::OpKind::Flatten || n.op == ir::OpKind::Reshape; }

}  // namespace

ir::Graph remove_identity(ir::Graph graph) {
    std::vector<std::string> removed;
    for (ir::Node& node : graph.nodes) {
        if (is_graph_output(graph, node.name)) continue;
        const bool passthrough = node.op == ir::OpKind::Dropout || node.op == ir::OpKind::Identity;
        const bool same_shape = is_reshape(node) && node.type == graph.type_of(node.inputs[0]);
        if (passthrough || same_shape) {
            replace_uses(graph, node.name, node.inputs[0]);
            removed.push_back(node.name);
        }
    }
    remove_nodes(graph, removed);

    // Reshape of a reshape: the second one can read the first one's input directly.
    removed.clear();
    for (ir::Node& node : graph.nodes) {
        if (!is_reshape(node)) continue;
        const ir::Node* producer = graph.find_node(node.inputs[0]);
        if (!producer || !is_reshape(*producer)) continue;
        const std::string source = producer->inputs[0];
        ir::Dims per_sample(node.type.dims.begin() + 1, node.type.dims.end());
        node.op = ir::OpKind::Reshape;
        node.attrs = ir::ReshapeAttrs{per_sample};
        node.inputs[0] = source;
        if (single_internal_use(graph, producer->name) || graph.use_count(producer->name) == 0)
            removed.push_back(producer->name);
    }
    // A producer whose only user was redirected has no users left.
    std::vector<std::string> unused;
    for (const std::string& name : removed)
        if (graph.use_count(name) == 0) unused.push_back(name);
    remove_nodes(graph, unused);
    return graph;
}

}  // namespace sqz::compiler
