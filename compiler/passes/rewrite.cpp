// Graph edits for passes (see rewrite.h).
#include "compiler/passes/rewrite.h"

#include "ir/error.h"

#include <algorithm>
#include <set>

namespace sqz::compiler {

std::vector<size_t> users(const ir::Graph& graph, const std::string& value) {
    std::vector<size_t> out;
    for (size_t i = 0; i < graph.nodes.size(); ++i) {
        const auto& in = graph.nodes[i].inputs;
        if (std::find(in.begin(), in.end(), value) != in.end()) out.push_back(i);
    }
    return out;
}

bool is_graph_output(const ir::Graph& graph, const std::string& value) {
    return std::find(graph.outputs.begin(), graph.outputs.end(), value) != graph.outputs.end();
}

bool single_internal_use(const ir::Graph& graph, const std::string& value) {
    return !is_graph_output(graph, value) && graph.use_count(value) == 1;
}

void replace_uses(ir::Graph& graph, const std::string& from, const std::string& to) {
    for (ir::Node& node : graph.nodes)
        for (std::string& in : node.inputs)
            if (in == from) in = to;
    for (std::string& out : graph.outputs)
        if (out == from) out = to;
}

void remove_nodes(ir::Graph& graph, const std::vector<std::string>& names) {
    const std::set<std::string> doomed(names.begin(), names.end());
    graph.nodes.erase(std::remove_if(graph.nodes.begin(), graph.nodes.end(),
                                     [&](const ir::Node& n) { return doomed.count(n.name) > 0; }),
                      graph.nodes.end());
}

size_t node_index(const ir::Graph& graph, const std::string& name) {
    for (size_t i = 0; i < graph.nodes.size(); ++i)
        if (graph.nodes[i].name == name) return i;
    SQZ_ASSERT(false, "no node named '{}'", name);
}

}  // namespace sqz::compiler
