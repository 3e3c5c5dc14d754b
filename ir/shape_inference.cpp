// Shape inference rules, one per operator (see shape_inference.h).
#include "ir/shape_inference.h"

#include "ir/error.h"

#include <fmt/format.h>

#include <cmath>
#include <unordered_map>

namespace sqz::ir {
namespace {

class Inference {
public:
    // Knows the types of the given values only (for inferring one node).
    explicit Inference(std::unordered_map<std::string, TensorType> types) : types_(std::move(types)) {}

    explicit Inference(Graph& graph) {
        for (const GraphInput& in : graph.inputs) {
            TensorType t = in.type;
            t.dims.insert(t.dims.begin(), graph.batch);
            types_[in.name] = t;
        }
        for (const Constant& c : graph.constants) types_[c.name] = c.type;
    }

    void run(Graph& graph) {
        for (Node& node : graph.nodes) {
            node.type = infer(node);
            types_[node.name] = node.type;
        }
    }

    TensorType infer(const Node& node) const {
        switch (node.op) {
        case OpKind::Conv: return infer_conv(node);
        case OpKind::MaxPool: {  // works on float and on u8 (the maximum commutes with the scale)
            const TensorType& x = input4d(node);
            return {x.dtype, window_dims(node, x.dims, x.dims[1], node.pool().window, node.pool().rounding)};
        }
        case OpKind::AvgPool: {
            const TensorType& x = float_input(node, input4d(node));
            return {x.dtype, window_dims(node, x.dims, x.dims[1], node.pool().window, node.pool().rounding)};
        }
        case OpKind::GlobalAvgPool: {
            const TensorType& x = float_input(node, input4d(node));
            return {x.dtype, {x.dims[0], x.dims[1], 1, 1}};
        }
        case OpKind::Relu: return float_input(node, input(node, 0));
        case OpKind::Dropout:
        case OpKind::Identity: return input(node, 0);
        case OpKind::Softmax: {
            const TensorType& x = float_input(node, input(node, 0));
            int64_t axis = node.softmax().axis;
            if (axis < 1 || axis >= x.rank())
                fail(node, "softmax axis {} is not a non-batch axis of {}", axis, to_string(x));
            return x;
        }
        case OpKind::Add: {
            const TensorType& a = float_input(node, input(node, 0));
            const TensorType& b = input(node, 1);
            if (a != b) fail(node, "operands differ in type: {} and {}", to_string(a), to_string(b));
            return a;
        }
        case OpKind::Concat: return infer_concat(node);
        case OpKind::Flatten: {
            const TensorType& x = input(node, 0);
            if (x.rank() < 1) fail(node, "cannot flatten a scalar");
            auto rest = checked_numel(Dims(x.dims.begin() + 1, x.dims.end()));
            if (!rest || *rest > Limits::max_dim)
                fail(node, "flattening {} gives a dimension over the limit {}", to_string(x), Limits::max_dim);
            return {x.dtype, {x.dims[0], *rest}};
        }
        case OpKind::Reshape: {
            const TensorType& x = input(node, 0);
            Dims dims{x.dims[0]};
            for (int64_t d : node.reshape().shape) {
                if (d < 1) fail(node, "reshape dimension {} is not positive", d);
                dims.push_back(d);
            }
            auto n = checked_numel(dims);
            if (!n || *n != x.numel())
                fail(node, "cannot reshape {} to {}: element counts differ", to_string(x), dims_to_string(dims));
            return {x.dtype, dims};
        }
        case OpKind::Count: break;
        }
        SQZ_ASSERT(false, "no shape rule for op {}", static_cast<int>(node.op));
    }

private:
    template <typename... Args>
    [[noreturn]] void fail(const Node& node, fmt::format_string<Args...> format, Args&&... args) const {
        user_error("node '{}' ({}): {}", node.name, op_name(node.op),
                   fmt::format(format, std::forward<Args>(args)...));
    }

    const TensorType& input(const Node& node, size_t i) const {
        if (i >= node.inputs.size()) fail(node, "expects at least {} inputs, has {}", i + 1, node.inputs.size());
        auto it = types_.find(node.inputs[i]);
        if (it == types_.end()) fail(node, "input '{}' is not defined before this node", node.inputs[i]);
        return it->second;
    }

    // Operators that compute in float take float activations (u8 exists only between int8 kernels).
    const TensorType& float_input(const Node& node, const TensorType& x) const {
        if (x.dtype != DType::F32) fail(node, "takes f32 activations, got {}", to_string(x));
        return x;
    }

    const TensorType& input4d(const Node& node) const {
        const TensorType& x = input(node, 0);
        if (x.rank() != 4) fail(node, "expects a 4-D NCHW input, got {}", to_string(x));
        return x;
    }

    int64_t spatial(const Node& node, const char* axis, int64_t in, int64_t kernel, int64_t stride, int64_t pad_begin,
                    int64_t pad_end, Rounding rounding) const {
        if (kernel < 1 || stride < 1 || pad_begin < 0 || pad_end < 0 || kernel > Limits::max_dim ||
            stride > Limits::max_dim || pad_begin > Limits::max_dim || pad_end > Limits::max_dim)
            fail(node, "invalid window along {}: kernel {}, stride {}, pads {}/{} (each at most {})", axis, kernel,
                 stride, pad_begin, pad_end, Limits::max_dim);
        int64_t out = window_output_size(in, kernel, stride, pad_begin, pad_end, rounding);
        if (out < 1)
            fail(node, "a {}-wide window does not fit the {} {} of the input (padded by {}+{})", kernel, axis, in,
                 pad_begin, pad_end);
        return out;
    }

    Dims window_dims(const Node& node, const Dims& x, int64_t channels, const Window& w, Rounding rounding) const {
        return {x[0], channels,
                spatial(node, "height", x[2], w.kernel_h, w.stride_h, w.pad_top, w.pad_bottom, rounding),
                spatial(node, "width", x[3], w.kernel_w, w.stride_w, w.pad_left, w.pad_right, rounding)};
    }


    TensorType infer_conv(const Node& node) const {
        const TensorType& x = input4d(node);
        const ConvAttrs& a = node.conv();
        const TensorType& w = input(node, 1);
        Dims expected_w{a.out_channels, x.dims[1], a.window.kernel_h, a.window.kernel_w};
        if (w.dims != expected_w)
            fail(node, "weight '{}' has shape {}, expected {} (out_channels, in_channels, kh, kw)", node.inputs[1],
                 dims_to_string(w.dims), dims_to_string(expected_w));
        const size_t data_inputs = a.residual ? 3 : 2;  // x, weight[, residual]
        if (node.inputs.size() < data_inputs)
            fail(node, "a conv with a residual takes x, weight, optional bias and the residual");
        if (node.inputs.size() > data_inputs) {
            const TensorType& b = input(node, 2);
            if (b.dims != Dims{a.out_channels})
                fail(node, "bias '{}' has shape {}, expected [{}]", node.inputs[2], dims_to_string(b.dims),
                     a.out_channels);
        }
        const ConvQuant& q = a.quant;
        // An int8 conv reads u8, or quantises a float input itself (the first conv, on the image).
        const bool float_input = x.dtype == DType::F32;
        if (x.dtype != DType::F32 && !(q.int8_input && x.dtype == DType::U8))
            fail(node, "input '{}' is {}, expected f32{} activations", node.inputs[0], to_string(x),
                 q.int8_input ? " or u8" : "");
        if (q.int8_input && !(q.input_scale > 0)) fail(node, "int8 input needs a positive input scale");
        if (!(q.input_scale >= 0) || !std::isfinite(q.input_scale) || q.input_zero_point < 0 || q.input_zero_point > 255 ||
            (q.input_zero_point != 0 && !float_input))
            fail(node, "input quantisation scale {} zero point {}: needs a finite scale >= 0 and a zero point in "
                       "[0, 255], and zero point 0 for a u8 input", q.input_scale, q.input_zero_point);
        if (q.u8_output && (!(q.output_scale > 0) || !a.relu))
            fail(node, "a u8 output needs a positive output scale and a fused ReLU (u8 values are never negative)");
        TensorType out{q.u8_output ? DType::U8 : DType::F32,
                       window_dims(node, x.dims, a.out_channels, a.window, Rounding::Floor)};
        if (a.residual) {
            const TensorType& r = input(node, node.inputs.size() - 1);
            const bool u8_residual = r.dtype == DType::U8;
            if (u8_residual != (q.residual_scale > 0) || (r.dtype != DType::U8 && r.dtype != DType::F32))
                fail(node, "residual '{}' is {}; a u8 residual needs a residual scale, a float one none", node.inputs.back(),
                     to_string(r));
            if (q.u8_output && !u8_residual) fail(node, "a u8 output needs a u8 residual");
            if (a.residual_offset < 0 || a.residual_offset > Limits::max_dim)
                fail(node, "residual offset {} is out of range [0, {}]", a.residual_offset, Limits::max_dim);
            if (r.rank() != 4 || r.dims[0] != out.dims[0] || r.dims[2] != out.dims[2] || r.dims[3] != out.dims[3] ||
                r.dims[1] < a.residual_offset + a.out_channels)
                fail(node, "residual '{}' of type {} has no channels {}..{} of a {} map", node.inputs.back(),
                     to_string(r), a.residual_offset, a.residual_offset + a.out_channels - 1, dims_to_string(out.dims));
        }
        return out;
    }

    TensorType infer_concat(const Node& node) const {
        const TensorType& first = input(node, 0);
        int64_t axis = node.concat().axis;
        if (axis < 0 || axis >= first.rank())
            fail(node, "concat axis {} is out of range for {}", axis, to_string(first));
        TensorType out = first;
        for (size_t i = 1; i < node.inputs.size(); ++i) {
            const TensorType& t = input(node, i);
            bool fits = t.dtype == first.dtype && t.rank() == first.rank();
            for (int64_t d = 0; fits && d < t.rank(); ++d)
                fits = d == axis || t.dims[static_cast<size_t>(d)] == first.dims[static_cast<size_t>(d)];
            if (!fits)
                fail(node, "input '{}' of type {} cannot be concatenated with {} along axis {}", node.inputs[i],
                     to_string(t), to_string(first), axis);
            out.dims[static_cast<size_t>(axis)] += t.dims[static_cast<size_t>(axis)];
        }
        if (out.dims[static_cast<size_t>(axis)] > Limits::max_dim)
            fail(node, "concatenated size {} exceeds the limit {}", out.dims[static_cast<size_t>(axis)],
                 Limits::max_dim);
        return out;
    }

    std::unordered_map<std::string, TensorType> types_;
};

}  // namespace

int64_t window_output_size(int64_t input, int64_t kernel, int64_t stride, int64_t pad_begin, int64_t pad_end,
                           Rounding rounding) {
    int64_t span = input + pad_begin + pad_end - kernel;
    if (span < 0) return 0;
    int64_t out = (rounding == Rounding::Ceil ? (span + stride - 1) / stride : span / stride) + 1;
    // Caffe and ONNX both drop a last window that would start inside the end padding.
    if (rounding == Rounding::Ceil && (out - 1) * stride >= input + pad_begin) --out;
    return out;
}

void infer_shapes(Graph& graph) { Inference(graph).run(graph); }

TensorType infer_node_type(const Graph& graph, const Node& node) {
    std::unordered_map<std::string, TensorType> types;
    for (const std::string& in : node.inputs) {
        const bool known = graph.find_input(in) || graph.find_constant(in) || graph.find_node(in);
        if (!known)
            user_error("node '{}' ({}): input '{}' is not defined before this node", node.name, op_name(node.op), in);
        types[in] = graph.type_of(in);
    }
    return Inference(std::move(types)).infer(node);
}

}  // namespace sqz::ir
