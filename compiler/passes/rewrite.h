// Small graph edits shared by the passes: who uses a value, redirecting uses, removing nodes.
#pragma once

#include "ir/graph.h"

#include <string>
#include <vector>

namespace sqz::compiler {

// Indices of the nodes that read `value` (once per node, in graph order).
std::vector<size_t> users(const ir::Graph& graph, const std::string& value);
// True when `value` is read by exactly one node and is not a graph output.
bool single_internal_use(const ir::Graph& graph, const std::string& value);
bool is_graph_output(const ir::Graph& graph, const std::string& value);
// Makes every node (and graph output) that reads `from` read `to` instead.
void replace_uses(ir::Graph& graph, const std::string& from, const std::string& to);
// Removes the nodes with the given names.
void remove_nodes(ir::Graph& graph, const std::vector<std::string>& names);
// Index of the node named `name` (which must exist).
size_t node_index(const ir::Graph& graph, const std::string& name);

}  // namespace sqz::compiler
