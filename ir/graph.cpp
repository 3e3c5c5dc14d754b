// Graph lookups and structural equality (see graph.h).
#include "ir/graph.h"

#include "ir/error.h"

#include <algorithm>

namespace sqz::ir {
namespace {

template <typename Vec>
auto* find_named(Vec& items, const std::string& name) {
    auto it = std::find_if(items.begin(), items.end(), [&](const auto& item) { return item.name == name; });
    return it == items.end() ? nullptr : &*it;
}

}  // namespace

const Node* Graph::find_node(const std::string& name) const { return find_named(nodes, name); }
Node* Graph::find_node(const std::string& name) { return find_named(nodes, name); }
const Constant* Graph::find_constant(const std::string& name) const { return find_named(constants, name); }
Constant* Graph::find_constant(const std::string& name) { return find_named(constants, name); }
const GraphInput* Graph::find_input(const std::string& name) const { return find_named(inputs, name); }

TensorType Graph::type_of(const std::string& name) const {
    if (const GraphInput* in = find_input(name)) {
        TensorType t = in->type;
        t.dims.insert(t.dims.begin(), batch);
        return t;
    }
    if (const Constant* c = find_constant(name)) return c->type;
    if (const Node* n = find_node(name)) return n->type;
    user_error("graph '{}' has no value named '{}'", this->name, name);
}

int Graph::use_count(const std::string& name) const {
    int count = 0;
    for (const Node& n : nodes)
        count += static_cast<int>(std::count(n.inputs.begin(), n.inputs.end(), name));
    count += static_cast<int>(std::count(outputs.begin(), outputs.end(), name));
    return count;
}

bool Graph::weights_bound() const {
    return std::all_of(constants.begin(), constants.end(), [](const Constant& c) { return c.bound(); });
}

int64_t Graph::parameter_count() const {
    int64_t total = 0;
    for (const Constant& c : constants) total += c.type.numel();
    return total;
}

bool Preprocess::operator==(const Preprocess& o) const {
    for (int c = 0; c < 3; ++c)
        if (mean[c] != o.mean[c] || std[c] != o.std[c]) return false;
    return channel_order == o.channel_order && pixel_scale == o.pixel_scale;
}

bool Node::has_bias() const {
    SQZ_ASSERT(op == OpKind::Conv, "has_bias() on a {} node", op_name(op));
    return inputs.size() > (conv().residual ? 3u : 2u);
}

const std::string& Node::residual_input() const {
    SQZ_ASSERT(op == OpKind::Conv && conv().residual, "node '{}' has no residual input", name);
    return inputs.back();
}

bool graphs_equal(const Graph& a, const Graph& b, bool compare_values) {
    if (!(a.preprocess == b.preprocess) || a.layout != b.layout) return false;
    if (a.name != b.name || a.batch != b.batch || a.outputs != b.outputs) return false;
    if (a.activation_quant != b.activation_quant) return false;
    if (a.inputs.size() != b.inputs.size() || a.constants.size() != b.constants.size() ||
        a.nodes.size() != b.nodes.size())
        return false;
    for (size_t i = 0; i < a.inputs.size(); ++i)
        if (a.inputs[i].name != b.inputs[i].name || a.inputs[i].type != b.inputs[i].type) return false;
    for (size_t i = 0; i < a.constants.size(); ++i) {
        const Constant& x = a.constants[i];
        const Constant& y = b.constants[i];
        if (x.name != y.name || x.type != y.type) return false;
        if (!compare_values) continue;
        if (x.bound() != y.bound()) return false;
        if (x.bound() && *x.values != *y.values) return false;
        if ((x.codebook == nullptr) != (y.codebook == nullptr)) return false;
        if (x.codebook && !(*x.codebook == *y.codebook)) return false;
        if ((x.int8 == nullptr) != (y.int8 == nullptr)) return false;
        if (x.int8 && !(*x.int8 == *y.int8)) return false;
    }
    for (size_t i = 0; i < a.nodes.size(); ++i) {
        const Node& x = a.nodes[i];
        const Node& y = b.nodes[i];
        if (x.name != y.name || x.op != y.op || x.inputs != y.inputs || !(x.attrs == y.attrs) || x.type != y.type ||
            x.group != y.group)
            return false;
    }
    return true;
}

}  // namespace sqz::ir
