// Pass fuse-pool (see fuse_pool.h).
#include "compiler/passes/fuse_pool.h"

#include "compiler/passes/rewrite.h"

namespace sqz::compiler {

ir::Graph fuse_pool(ir::Graph graph) {
    for (ir::Node& pool : graph.nodes) {
        if ((pool.op != ir::OpKind::MaxPool && pool.op != ir::OpKind::AvgPool) || !pool.group.empty()) continue;
        ir::Node* conv = graph.find_node(pool.inputs[0]);
        if (!conv || conv->op != ir::OpKind::Conv || !conv->group.empty() || !single_internal_use(graph, conv->name))
            continue;
        // The kernel is made of consecutive nodes: the pool must come right after the conv.
        if (node_index(graph, conv->name) + 1 != node_index(graph, pool.name)) continue;
        conv->group = pool.name;
        pool.group = pool.name;
    }
    return graph;
}

}  // namespace sqz::compiler
