// Pass fuse-conv-relu (see fuse_conv_relu.h).
#include "compiler/passes/fuse_conv_relu.h"

#include "compiler/passes/rewrite.h"

namespace sqz::compiler {

ir::Graph fuse_conv_relu(ir::Graph graph) {
    std::vector<std::string> removed;
    for (ir::Node& relu : graph.nodes) {
        if (relu.op != ir::OpKind::Relu || is_graph_output(graph, relu.name)) continue;
        ir::Node* conv = graph.find_node(relu.inputs[0]);
        if (!conv || conv->op != ir::OpKind::Conv || conv->conv().relu || conv->conv().residual) continue;
        if (!single_internal_use(graph, conv->name)) continue;
        conv->conv().relu = true;
        replace_uses(graph, relu.name, conv->name);
        removed.push_back(relu.name);
    }
    remove_nodes(graph, removed);
    return graph;
}

}  // namespace sqz::compiler
