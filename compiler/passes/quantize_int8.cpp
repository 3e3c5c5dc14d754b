// Pass quantize-int8 (see quantize_int8.h).
//
// Algorithm: start from every tensor that could be u8 (never negative, produced by a conv with a
// ReLU, a max pool or an in-place concat) and drop, until nothing changes, those read by anything
// that cannot take u8 (and then those that depend on a dropped one: a max pool of a float tensor,
// an in-place concat with a float slice, a conv whose u8 output would add a float residual). Scales
// follow: an in-place concat's scale for all its slices, a max pool's input scale for its output.
#include "compiler/passes/quantize_int8.h"

#include "compiler/passes/rewrite.h"
#include "ir/error.h"
#include "ir/shape_inference.h"
#include "ir/verifier.h"

#include <algorithm>
#include <set>

namespace sqz::compiler {
namespace {

bool in_place_concat(const ir::Node& n) { return n.op == ir::OpKind::Concat && n.concat().in_place; }

// Could a node's output be u8, judging by the node alone (and its inputs being u8)?
bool producer_allows_u8(const ir::Graph& graph, const ir::Node& node, const std::set<std::string>& u8) {
    switch (node.op) {
    case ir::OpKind::Conv:
        return node.conv().relu && (!node.conv().residual || u8.count(node.residual_input()));
    case ir::OpKind::MaxPool: return u8.count(node.inputs[0]) > 0;
    case ir::OpKind::Concat:
        return in_place_concat(node) &&
               std::all_of(node.inputs.begin(), node.inputs.end(), [&](const std::string& in) { return u8.count(in) > 0; });
    default: return false;
    }
}

// Can every reader of `value` take it as u8?
bool consumers_allow_u8(const ir::Graph& graph, const std::string& value, const std::set<std::string>& u8) {
    if (is_graph_output(graph, value)) return false;
    for (size_t i : users(graph, value)) {
        const ir::Node& k = graph.nodes[i];
        bool ok = false;
        if (k.op == ir::OpKind::Conv) {
            const bool as_input = k.inputs[0] == value;
            const bool as_residual = k.conv().residual && k.residual_input() == value;
            const bool other = std::count(k.inputs.begin(), k.inputs.end(), value) > (as_input ? 1 : 0) + (as_residual ? 1 : 0);
            ok = !other && (!as_input || graph.type_of(value).dims[1] % 4 == 0);
        } else if (k.op == ir::OpKind::MaxPool || in_place_concat(k)) {
            ok = u8.count(k.name) > 0;
        }
        if (!ok) return false;
    }
    return true;
}

}  // namespace

ir::Graph quantize_int8(ir::Graph graph, const ValueRanges& ranges) {
    if (graph.layout != ir::ActivationLayout::NHWC)
        user_error("int8 needs activations stored channels-innermost: do not disable the choose-layout pass");

    std::set<std::string> u8;
    for (const ir::Node& node : graph.nodes)
        if (producer_allows_u8(graph, node, u8)) u8.insert(node.name);
    for (bool changed = true; changed;) {
        changed = false;
        for (const ir::Node& node : graph.nodes) {
            if (!u8.count(node.name)) continue;
            if (!producer_allows_u8(graph, node, u8) || !consumers_allow_u8(graph, node.name, u8)) {
                u8.erase(node.name);
                changed = true;
            }
        }
    }

    // Scales: max / 255 from calibration; slices share their concat's scale, pools their input's.
    std::map<std::string, double> scale;
    auto range_of = [&](const std::string& name) {
        auto it = ranges.find(name);
        if (it == ranges.end()) user_error("calibration has no range for '{}'", name);
        return std::max(it->second, 1e-6) / 255.0;
    };
    for (const ir::Node& node : graph.nodes)
        if (u8.count(node.name) && in_place_concat(node)) {
            scale[node.name] = range_of(node.name);
            for (const std::string& in : node.inputs) scale[in] = scale[node.name];
        }
    for (const ir::Node& node : graph.nodes) {
        if (!u8.count(node.name) || scale.count(node.name)) continue;
        scale[node.name] = node.op == ir::OpKind::MaxPool ? scale.at(node.inputs[0]) : range_of(node.name);
    }

    for (ir::Node& node : graph.nodes) {
        if (node.op != ir::OpKind::Conv) continue;
        ir::ConvQuant& q = node.conv().quant;
        q = {};
        if (u8.count(node.inputs[0])) {
            q.int8_input = true;
            q.input_scale = scale.at(node.inputs[0]);
        }
        if (u8.count(node.name)) {
            q.u8_output = true;
            q.output_scale = scale.at(node.name);
        }
        if (node.conv().residual && u8.count(node.residual_input())) q.residual_scale = scale.at(node.residual_input());
        // Quantised convs are computed directly (Winograd is for float convs: ir/conv_algorithm.h).
        if (q.any()) node.conv().algorithm = ir::ConvAlgorithm::Direct;
    }
    ir::infer_shapes(graph);
    ir::verify(graph);
    return graph;
}

}  // namespace sqz::compiler
