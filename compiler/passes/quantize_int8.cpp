// Pass quantize-int8 (see quantize_int8.h).
//
// Algorithm: start from every tensor that could be u8 (never negative, produced by a conv with a
// ReLU, a max pool or an in-place concat, and given a scale) and drop, until nothing changes, those
// read by anything that cannot take u8 (and then those that depend on a dropped one: a max pool of
// a float tensor, an in-place concat with a float slice, a conv whose u8 output would add a float
// residual). Scales follow: an in-place concat's scale for all its slices, a max pool's input scale
// for its output.
#include "compiler/passes/quantize_int8.h"

#include "compiler/passes/rewrite.h"
#include "ir/error.h"
#include "ir/shape_inference.h"
#include "ir/verifier.h"

#include <algorithm>

namespace sqz::compiler {
namespace {

bool in_place_concat(const ir::Node& n) { return n.op == ir::OpKind::Concat && n.concat().in_place; }

// The in-place concat a conv writes its slice of, if any.
const ir::Node* concat_slice_of(const ir::Graph& graph, const ir::Node& conv) {
    const std::vector<size_t> readers = users(graph, conv.name);
    if (readers.size() != 1 || !in_place_concat(graph.nodes[readers[0]])) return nullptr;
    return &graph.nodes[readers[0]];
}

// Could a node's output be u8, judging by the node alone (and its inputs being u8)?
bool producer_allows_u8(const ir::Graph& graph, const ir::Node& node, const std::set<std::string>& u8,
                        const Int8Scales& scales) {
    switch (node.op) {
    case ir::OpKind::Conv: {
        const ir::Node* concat = concat_slice_of(graph, node);
        const bool scaled = scales.u8.count(concat ? concat->name : node.name) > 0;
        const bool non_negative = node.conv().relu || scales.clamps_at_zero.count(node.name);
        return scaled && non_negative && (!node.conv().residual || u8.count(node.residual_input()));
    }
    case ir::OpKind::MaxPool: return u8.count(node.inputs[0]) > 0;
    case ir::OpKind::Concat:
        return in_place_concat(node) && scales.u8.count(node.name) &&
               std::all_of(node.inputs.begin(), node.inputs.end(), [&](const std::string& in) { return u8.count(in) > 0; });
    default: return false;
    }
}

// Can every reader of `value` take it as u8?
bool consumers_allow_u8(const ir::Graph& graph, const std::string& value, const std::set<std::string>& u8,
                        const Int8Scales& scales) {
    if (is_graph_output(graph, value)) return false;
    for (size_t i : users(graph, value)) {
        const ir::Node& k = graph.nodes[i];
        bool ok = false;
        if (k.op == ir::OpKind::Conv) {
            const bool as_input = k.inputs[0] == value;
            const bool as_residual = k.conv().residual && k.residual_input() == value;
            const bool other = std::count(k.inputs.begin(), k.inputs.end(), value) > (as_input ? 1 : 0) + (as_residual ? 1 : 0);
            const bool int8_capable = graph.type_of(value).dims[1] % 4 == 0 && !scales.float_convs.count(k.name);
            ok = !other && (!as_input || int8_capable);
        } else if (k.op == ir::OpKind::MaxPool || in_place_concat(k)) {
            ok = u8.count(k.name) > 0;
        }
        if (!ok) return false;
    }
    return true;
}

}  // namespace

Int8Scales calibrated_scales(const ir::Graph& graph, const ValueRanges& ranges,
                             const std::map<std::string, ir::ActivationQuant>& input_grids) {
    Int8Scales scales;
    scales.rounded_inputs = input_grids;
    for (const ir::Node& node : graph.nodes) {
        auto it = ranges.find(node.name);
        if (it == ranges.end()) user_error("calibration has no range for '{}'", node.name);
        scales.u8[node.name] = static_cast<double>(static_cast<float>(std::max(it->second, 1e-6) / 255.0));
    }
    return scales;
}

ir::Graph quantize_int8(ir::Graph graph, const Int8Scales& scales) {
    if (graph.layout != ir::ActivationLayout::NHWC)
        user_error("int8 needs activations stored channels-innermost: do not disable the choose-layout pass");

    std::set<std::string> u8;
    for (const ir::Node& node : graph.nodes)
        if (producer_allows_u8(graph, node, u8, scales)) u8.insert(node.name);
    for (bool changed = true; changed;) {
        changed = false;
        for (const ir::Node& node : graph.nodes) {
            if (!u8.count(node.name)) continue;
            if (!producer_allows_u8(graph, node, u8, scales) || !consumers_allow_u8(graph, node.name, u8, scales)) {
                u8.erase(node.name);
                changed = true;
            }
        }
    }

    // Scales: slices share their concat's scale, pools their input's.
    std::map<std::string, double> scale;
    for (const ir::Node& node : graph.nodes)
        if (u8.count(node.name) && in_place_concat(node)) {
            scale[node.name] = scales.u8.at(node.name);
            for (const std::string& in : node.inputs) scale[in] = scale[node.name];
        }
    for (const ir::Node& node : graph.nodes) {
        if (!u8.count(node.name) || scale.count(node.name)) continue;
        scale[node.name] = node.op == ir::OpKind::MaxPool ? scale.at(node.inputs[0]) : scales.u8.at(node.name);
    }

    for (ir::Node& node : graph.nodes) {
        if (node.op != ir::OpKind::Conv) continue;
        ir::ConvQuant& q = node.conv().quant;
        q = {};
        if (u8.count(node.inputs[0])) {
            q.int8_input = true;
            q.input_scale = scale.at(node.inputs[0]);
        } else if (auto r = scales.rounded_inputs.find(node.inputs[0]); r != scales.rounded_inputs.end()) {
            // A float input with an 8-bit grid (the image): the conv quantises it and computes in
            // integers, or, where it must stay float, rounds it and computes in float.
            q.int8_input = !scales.float_convs.count(node.name);
            q.input_scale = r->second.scale;
            q.input_zero_point = r->second.zero_point;
        }
        if (u8.count(node.name)) {
            q.u8_output = true;
            q.output_scale = scale.at(node.name);
            node.conv().relu = true;  // a ReLU already, or a rounding that clamps at zero (clamps_at_zero)
        }
        if (node.conv().residual && u8.count(node.residual_input())) q.residual_scale = scale.at(node.residual_input());
        // Quantised convs are computed directly (Winograd is for float convs: ir/conv_algorithm.h).
        if (q.any()) node.conv().algorithm = ir::ConvAlgorithm::Direct;
    }
    ir::infer_shapes(graph);
    ir::verify(graph);
    return graph;
}

ir::Graph quantize_int8(ir::Graph graph, const ValueRanges& ranges,
                        const std::map<std::string, ir::ActivationQuant>& input_grids) {
    const Int8Scales scales = calibrated_scales(graph, ranges, input_grids);
    return quantize_int8(std::move(graph), scales);
}

}  // namespace sqz::compiler
