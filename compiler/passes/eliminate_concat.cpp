// Pass eliminate-concat (see eliminate_concat.h).
#include "compiler/passes/eliminate_concat.h"

#include "compiler/passes/rewrite.h"

#include <set>

namespace sqz::compiler {

ir::Graph eliminate_concat(ir::Graph graph) {
    for (ir::Node& node : graph.nodes) {
        if (node.op != ir::OpKind::Concat || node.concat().axis != 1 || node.type.rank() != 4) continue;
        std::set<std::string> seen;
        bool ok = true;
        for (const std::string& in : node.inputs) {
            const ir::Node* producer = graph.find_node(in);
            ok = ok && producer && producer->op == ir::OpKind::Conv && single_internal_use(graph, in) &&
                 seen.insert(in).second;
        }
        if (ok) node.concat().in_place = true;
    }
    return graph;
}

}  // namespace sqz::compiler
