// Pass fuse-bypass (see fuse_bypass.h).
#include "compiler/passes/fuse_bypass.h"

#include "compiler/passes/rewrite.h"

#include <algorithm>

namespace sqz::compiler {
namespace {

// The convolutions that produce `operand`, each with its channel offset, when all of them may
// take a residual; empty otherwise.
std::vector<std::pair<std::string, int64_t>> fusable_producers(const ir::Graph& graph, const std::string& operand) {
    const ir::Node* node = graph.find_node(operand);
    if (!node || !single_internal_use(graph, operand)) return {};
    auto fusable_conv = [&](const ir::Node* n) {
        return n && n->op == ir::OpKind::Conv && !n->conv().residual && n->type.rank() == 4;
    };
    if (fusable_conv(node)) return {{node->name, 0}};
    if (node->op != ir::OpKind::Concat || node->concat().axis != 1 || node->type.rank() != 4) return {};
    std::vector<std::pair<std::string, int64_t>> out;
    int64_t offset = 0;
    for (const std::string& in : node->inputs) {
        const ir::Node* producer = graph.find_node(in);
        if (!fusable_conv(producer) || !single_internal_use(graph, in)) return {};
        if (std::any_of(out.begin(), out.end(), [&](const auto& p) { return p.first == in; })) return {};
        out.emplace_back(in, offset);
        offset += producer->type.dims[1];
    }
    return out;
}

// Makes `value` defined before node index `position`, moving its producer up if its own inputs
// allow; returns false if it cannot.
bool available_before(ir::Graph& graph, const std::string& value, size_t position) {
    if (graph.find_input(value)) return true;
    const size_t at = node_index(graph, value);
    if (at < position) return true;
    for (const std::string& in : graph.nodes[at].inputs)
        if (graph.find_node(in) && node_index(graph, in) >= position) return false;
    ir::Node moved = graph.nodes[at];
    graph.nodes.erase(graph.nodes.begin() + static_cast<std::ptrdiff_t>(at));
    graph.nodes.insert(graph.nodes.begin() + static_cast<std::ptrdiff_t>(position), std::move(moved));
    return true;
}

bool fuse_one(ir::Graph& graph) {
    for (size_t i = 0; i < graph.nodes.size(); ++i) {
        if (graph.nodes[i].op != ir::OpKind::Add || is_graph_output(graph, graph.nodes[i].name)) continue;
        // Copies: moving the skip's producer below reorders the node list.
        const std::string add_name = graph.nodes[i].name;
        const std::vector<std::string> operands = graph.nodes[i].inputs;
        for (int side = 0; side < 2; ++side) {
            const std::string operand = operands[side];
            const std::string skip = operands[1 - side];
            if (operand == skip) continue;
            const auto producers = fusable_producers(graph, operand);
            if (producers.empty()) continue;
            size_t first = graph.nodes.size();
            for (const auto& [name, offset] : producers) first = std::min(first, node_index(graph, name));
            if (!available_before(graph, skip, first)) continue;
            for (const auto& [name, offset] : producers) {
                ir::Node& conv = *graph.find_node(name);
                conv.conv().residual = true;
                conv.conv().residual_offset = offset;
                conv.inputs.push_back(skip);
            }
            replace_uses(graph, add_name, operand);
            remove_nodes(graph, {add_name});
            return true;
        }
    }
    return false;
}

}  // namespace

ir::Graph fuse_bypass(ir::Graph graph) {
    while (fuse_one(graph)) {
    }
    return graph;
}

}  // namespace sqz::compiler
