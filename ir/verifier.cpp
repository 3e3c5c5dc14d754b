// Graph invariants (see verifier.h).
#include "ir/verifier.h"

#include "ir/error.h"
#include "ir/shape_inference.h"

#include <algorithm>
#include <cmath>
#include <unordered_set>

namespace sqz::ir {
namespace {

AttrKind attr_kind_of(const Attrs& attrs) {
    return std::visit(
        [](const auto& a) {
            using T = std::decay_t<decltype(a)>;
            if constexpr (std::is_same_v<T, ConvAttrs>) return AttrKind::Conv;
            else if constexpr (std::is_same_v<T, PoolAttrs>) return AttrKind::Pool;
            else if constexpr (std::is_same_v<T, ConcatAttrs>) return AttrKind::Concat;
            else if constexpr (std::is_same_v<T, SoftmaxAttrs>) return AttrKind::Softmax;
            else if constexpr (std::is_same_v<T, ReshapeAttrs>) return AttrKind::Reshape;
            else return AttrKind::None;
        },
        attrs);
}

void check_type(const std::string& what, const TensorType& type) {
    for (int64_t d : type.dims)
        if (d < 1 || d > Limits::max_dim)
            user_error("{} has dimension {} in {}; dimensions must lie in [1, {}]", what, d, to_string(type),
                       Limits::max_dim);
    if (!checked_numel(type.dims))
        user_error("{} of type {} has more than {} elements", what, to_string(type), Limits::max_elements);
}

// The int8 form: values in [-127, 127], a positive finite scale per output channel, and the dense
// values exactly what it dequantises to.
void check_int8_form(const Constant& c) {
    const Int8Weights& q = *c.int8;
    const int64_t outputs = c.type.rank() > 0 ? c.type.dims[0] : 0;
    if (!c.bound() || static_cast<int64_t>(q.values.size()) != c.type.numel() ||
        static_cast<int64_t>(q.scales.size()) != outputs || outputs < 1)
        user_error("constant '{}' of type {}: its int8 form has {} values and {} scales", c.name, to_string(c.type),
                   q.values.size(), q.scales.size());
    for (size_t o = 0; o < q.scales.size(); ++o)
        if (!(q.scales[o] > 0) || !std::isfinite(q.scales[o]))
            user_error("constant '{}': int8 scale {} of output channel {} is not a positive finite number", c.name,
                       q.scales[o], o);
    const size_t per_output = q.values.size() / q.scales.size();
    for (size_t i = 0; i < q.values.size(); ++i) {
        if (q.values[i] < -127)
            user_error("constant '{}': int8 value {} is {}; int8 weights lie in [-127, 127]", c.name, i, q.values[i]);
        if ((*c.values)[i] != static_cast<float>(q.values[i]) * q.scales[i / per_output])
            user_error("constant '{}': value {} is not its int8 form's {} x {}", c.name, i, q.values[i],
                       q.scales[i / per_output]);
    }
}

}  // namespace

int64_t first_non_finite(const std::vector<float>& values) {
    for (size_t i = 0; i < values.size(); ++i)
        if (!std::isfinite(values[i])) return static_cast<int64_t>(i);
    return -1;
}

void verify(const Graph& graph) {
    if (graph.batch < 1 || graph.batch > Limits::max_dim)
        user_error("graph '{}': batch size {} is out of range", graph.name, graph.batch);
    if (graph.inputs.empty()) user_error("graph '{}' has no inputs", graph.name);
    if (graph.outputs.empty()) user_error("graph '{}' has no outputs", graph.name);

    std::unordered_set<std::string> defined;
    std::unordered_set<std::string> constants;
    auto define = [&](const std::string& name, const char* what) {
        if (name.empty()) user_error("graph '{}' has a {} with an empty name", graph.name, what);
        if (!defined.insert(name).second) user_error("graph '{}': name '{}' is defined twice", graph.name, name);
    };
    for (const GraphInput& in : graph.inputs) {
        define(in.name, "input");
        TensorType full = in.type;
        full.dims.insert(full.dims.begin(), graph.batch);
        check_type(fmt::format("input '{}'", in.name), full);
    }
    int64_t parameters = 0;
    for (const Constant& c : graph.constants) {
        define(c.name, "constant");
        constants.insert(c.name);
        check_type(fmt::format("constant '{}'", c.name), c.type);
        if (c.type.dtype != DType::F32)
            user_error("constant '{}' has element type {}; only f32 constants are supported", c.name,
                       dtype_name(c.type.dtype));
        if (c.bound() && static_cast<int64_t>(c.values->size()) != c.type.numel())
            user_error("constant '{}' of type {} holds {} values", c.name, to_string(c.type), c.values->size());
        if (c.bound()) {
            if (int64_t i = first_non_finite(*c.values); i >= 0)
                user_error("constant '{}': value {} is {}; sqzc refuses weights that are not finite", c.name, i,
                           (*c.values)[static_cast<size_t>(i)]);
        }
        if (c.codebook) {
            if (int64_t i = first_non_finite(c.codebook->codebook); i >= 0)
                user_error("constant '{}': codebook entry {} is {}; sqzc refuses weights that are not finite", c.name,
                           i, c.codebook->codebook[static_cast<size_t>(i)]);
        }
        if (c.int8) check_int8_form(c);
        parameters += c.type.numel();
        if (parameters > Limits::max_elements)
            user_error("graph '{}' has more than {} parameters", graph.name, Limits::max_elements);
    }
    for (const Node& node : graph.nodes) {
        const OpInfo& info = op_info(node.op);
        const int n = static_cast<int>(node.inputs.size());
        if (n < info.min_inputs || (info.max_inputs >= 0 && n > info.max_inputs))
            user_error("node '{}' ({}) has {} inputs; it takes {} to {}", node.name, info.name, n, info.min_inputs,
                       info.max_inputs < 0 ? std::string("any number") : std::to_string(info.max_inputs));
        if (attr_kind_of(node.attrs) != info.attrs)
            user_error("node '{}' ({}) carries attributes of another operator", node.name, info.name);
        for (const std::string& in : node.inputs)
            if (!defined.count(in))
                user_error("node '{}' ({}) uses '{}', which is not defined before it", node.name, info.name, in);
        if (node.op != OpKind::Conv) {
            for (const std::string& in : node.inputs)
                if (constants.count(in))
                    user_error("node '{}' ({}) reads the constant '{}'; constants are only a conv's weight and bias",
                               node.name, info.name, in);
        }
        if (node.op == OpKind::Conv) {
            const bool residual = node.conv().residual;
            const size_t parameters_end = node.inputs.size() - (residual ? 1 : 0);
            if (parameters_end < 2) user_error("node '{}' (conv) has no weight input", node.name);
            for (size_t i = 1; i < parameters_end; ++i)
                if (!constants.count(node.inputs[i]))
                    user_error("node '{}' (conv): {} '{}' must be a constant", node.name, i == 1 ? "weight" : "bias",
                               node.inputs[i]);
            if (constants.count(node.inputs[0]))
                user_error("node '{}' (conv): its data input '{}' is a constant", node.name, node.inputs[0]);
            if (residual && constants.count(node.inputs.back()))
                user_error("node '{}' (conv): its residual '{}' is a constant", node.name, node.inputs.back());
            const ConvAttrs& a = node.conv();
            if (a.algorithm != ConvAlgorithm::Direct) {
                const Window& w = a.window;
                if (w.kernel_h != 3 || w.kernel_w != 3 || w.stride_h != 1 || w.stride_w != 1)
                    user_error("node '{}' (conv): {} needs a 3x3 window with stride 1, not {}x{} with stride {}x{}",
                               node.name, conv_algorithm_name(a.algorithm), w.kernel_h, w.kernel_w, w.stride_h,
                               w.stride_w);
                if (a.quant.any())
                    user_error("node '{}' (conv): {} computes float convolutions only, not int8", node.name,
                               conv_algorithm_name(a.algorithm));
                if (graph.layout != ActivationLayout::NHWC)
                    user_error("node '{}' (conv): {} needs channels-innermost activations (layout=nhwc)", node.name,
                               conv_algorithm_name(a.algorithm));
            }
        }
        if (node.op == OpKind::MaxPool || node.op == OpKind::AvgPool) {
            const Window& w = node.pool().window;
            if (std::max({w.pad_top, w.pad_bottom}) >= w.kernel_h || std::max({w.pad_left, w.pad_right}) >= w.kernel_w)
                user_error("node '{}' ({}): padding {},{},{},{} must be smaller than the {}x{} window", node.name,
                           info.name, w.pad_top, w.pad_left, w.pad_bottom, w.pad_right, w.kernel_h, w.kernel_w);
        }
        define(node.name, "node");
    }
    for (const std::string& out : graph.outputs)
        if (!defined.count(out) || constants.count(out))
            user_error("graph '{}': output '{}' is not an input or node", graph.name, out);
    for (const auto& [name, q] : graph.activation_quant) {
        if (!defined.count(name) || constants.count(name))
            user_error("graph '{}': quantisation of '{}', which is not an input or node", graph.name, name);
        if (!(q.scale > 0) || !std::isfinite(q.scale) || q.zero_point < 0 || q.zero_point > 255)
            user_error("graph '{}': '{}' is quantised with scale {} and zero point {}; needs a positive finite scale "
                       "and a zero point in [0, 255]", graph.name, name, q.scale, q.zero_point);
    }

    Graph inferred = graph;
    infer_shapes(inferred);
    for (size_t i = 0; i < graph.nodes.size(); ++i) {
        check_type(fmt::format("node '{}'", graph.nodes[i].name), inferred.nodes[i].type);
        if (inferred.nodes[i].type != graph.nodes[i].type)
            user_error("node '{}' is typed {} but its inputs give {}", graph.nodes[i].name,
                       to_string(graph.nodes[i].type), to_string(inferred.nodes[i].type));
        if (graph.activation_quant.count(graph.nodes[i].name) && graph.nodes[i].type.dtype != DType::F32)
            user_error("node '{}' of type {} is quantised as a float activation", graph.nodes[i].name,
                       to_string(graph.nodes[i].type));
    }
}

}  // namespace sqz::ir
