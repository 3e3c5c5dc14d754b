// Quantized ONNX operators: QuantizeLinear and DequantizeLinear (QDQ models, as ONNX Runtime's
// static quantizer writes them), QLinearConv, and ONNX Runtime's QLinearAdd, QLinearConcat and
// QLinearGlobalAveragePool (QLinear models). 8-bit tensors become graph values holding their real
// values, rounded to the tensor's grid (ir::Graph::activation_quant), so the graph means what
// the model means; compiler::prepare later maps those roundings onto int8 kernels.
//
// - QuantizeLinear of an activation: per-tensor scale and zero point, UINT8 or INT8 (an INT8 grid
//   with zero point z rounds like a UINT8 one with z + 128). The value is rounded in place when the
//   quantizer is its only reader, else through an Identity node holding the rounded copy.
// - DequantizeLinear of an 8-bit tensor: the tensor's values, when its scale and zero point are the
//   ones it was quantized with (anything else is refused).
// - QuantizeLinear and DequantizeLinear of constants are evaluated: a DequantizeLinear of an INT8
//   weight with zero point 0 and one scale per tensor or per output channel (axis 0) keeps its int8
//   form for int8 convolutions (ir::Int8Weights); INT32 biases become float. Asymmetric, UINT8 or
//   -128 weights are refused when a Conv reads them.
// - QLinearConv: a Conv on the input's values with the dequantized weights, its bias b_q (INT32,
//   in units of x_scale * w_scale) as b_q * x_scale * w_scale, its output rounded to (y_scale,
//   y_zero_point). QLinearAdd, QLinearConcat, QLinearGlobalAveragePool likewise.
// - MaxPool, Concat, Flatten, Reshape and Identity of 8-bit tensors give 8-bit tensors on the same
//   grid (the maximum and copies keep grid values); any other operator reading an 8-bit tensor, and
//   a model whose output is one, are refused.
#include "compiler/frontends/onnx_common.h"
#include "compiler/frontends/onnx_import_context.h"

#include <algorithm>
#include <cmath>

namespace sqz::compiler::onnx_import {
namespace {

// A scale and zero point (one each, or one per channel of `axis`), as a quantizer reads them.
struct Grid {
    std::vector<float> scales;
    std::vector<int32_t> zero_points;
    int32_t elem_type = onnx::TensorProto_DataType_UINT8;  // of the zero point (or the quantized tensor)

    bool per_tensor() const { return scales.size() == 1; }
    // The grid of an 8-bit activation in ir's unsigned form.
    ir::ActivationQuant activation() const {
        const int32_t offset = elem_type == onnx::TensorProto_DataType_INT8 ? 128 : 0;
        return {static_cast<double>(scales[0]), zero_points[0] + offset};
    }
};

void require_opset(const ImportContext& ctx, const onnx::NodeProto& node, int opset) {
    if (ctx.opset() < opset) ctx.fail(node, "{} needs opset {} or later; the model imports opset {}", node.op_type(), opset, ctx.opset());
}

std::string elem_type_name(int32_t t) { return std::string(onnx_elem_type_name(t)); }

// Inputs `scale_at` and `zero_at` (optional) of a quantizer: constant, one value or one per channel.
// `value_type` is the quantized tensor's element type when known (DequantizeLinear), else 0.
Grid read_grid(const ImportContext& ctx, const onnx::NodeProto& node, int scale_at, int zero_at, int32_t value_type) {
    const onnx::TensorProto* scale = ctx.constant_input(node, scale_at);
    if (!scale) ctx.fail(node, "scale '{}' is not a constant; sqzc needs constant quantisation parameters",
                         ImportContext::has_input(node, scale_at) ? node.input(scale_at) : "");
    const std::string what = fmt::format("{}: scale '{}'", ctx.describe(node), node.input(scale_at));
    if (onnx_tensor_dims(*scale, what).size() > 1) ctx.fail(node, "scale '{}' is not a scalar or a 1-D tensor", node.input(scale_at));
    Grid g;
    g.scales = read_onnx_floats(*scale, what);
    if (g.scales.empty()) ctx.fail(node, "scale '{}' is empty", node.input(scale_at));
    for (float s : g.scales)
        if (!(s > 0)) ctx.fail(node, "scale '{}' holds {}; scales must be positive", node.input(scale_at), s);
    g.elem_type = value_type != 0 ? value_type : onnx::TensorProto_DataType_UINT8;
    if (!ImportContext::has_input(node, zero_at)) {
        g.zero_points.assign(g.scales.size(), 0);
        return g;
    }
    const onnx::TensorProto* zero = ctx.constant_input(node, zero_at);
    if (!zero) ctx.fail(node, "zero point '{}' is not a constant; sqzc needs constant quantisation parameters", node.input(zero_at));
    const std::string zwhat = fmt::format("{}: zero point '{}'", ctx.describe(node), node.input(zero_at));
    g.zero_points = read_onnx_integers(*zero, zwhat);
    if (value_type != 0 && zero->data_type() != value_type)
        ctx.fail(node, "zero point '{}' is {}, but the tensor it describes is {}", node.input(zero_at),
                 elem_type_name(zero->data_type()), elem_type_name(value_type));
    g.elem_type = zero->data_type();
    if (g.zero_points.size() != g.scales.size())
        ctx.fail(node, "zero point '{}' has {} values for {} scales", node.input(zero_at), g.zero_points.size(), g.scales.size());
    return g;
}

// The per-channel axis of a quantizer (attribute `axis` from opset 13, default 1), normalised.
int64_t quantizer_axis(const ImportContext& ctx, const onnx::NodeProto& node, int64_t rank) {
    int64_t axis = ctx.attr_int(node, "axis", 1);
    if (axis < -rank || axis >= std::max<int64_t>(rank, 1)) ctx.fail(node, "axis {} is out of range for rank {}", axis, rank);
    return axis < 0 ? axis + rank : axis;
}

// The channel of element i for per-channel parameters along `axis` of `dims` (0 when per tensor).
size_t channel_of(size_t i, const ir::Dims& dims, int64_t axis, bool per_tensor) {
    if (per_tensor) return 0;
    int64_t inner = 1;
    for (size_t d = static_cast<size_t>(axis) + 1; d < dims.size(); ++d) inner *= dims[d];
    return static_cast<size_t>((static_cast<int64_t>(i) / inner) % dims[static_cast<size_t>(axis)]);
}

void check_channels(const ImportContext& ctx, const onnx::NodeProto& node, const Grid& g, const ir::Dims& dims, int64_t axis) {
    if (g.per_tensor()) return;
    if (dims.empty() || static_cast<int64_t>(g.scales.size()) != dims[static_cast<size_t>(axis)])
        ctx.fail(node, "{} per-channel scales do not fit axis {} of {}", g.scales.size(), axis, ir::dims_to_string(dims));
}

// An 8-bit input and its grid as the node reads it, which must be the one it was quantized with.
const EightBitTensor& eight_bit_input(const ImportContext& ctx, const onnx::NodeProto& node, int at, int scale_at, int zero_at) {
    if (!ImportContext::has_input(node, at)) ctx.fail(node, "input {} is missing", at);
    const EightBitTensor* t = ctx.eight_bit(node.input(at));
    if (!t) ctx.fail(node, "input '{}' is not an 8-bit tensor (the output of QuantizeLinear or a QLinear operator)", node.input(at));
    const Grid g = read_grid(ctx, node, scale_at, zero_at, t->elem_type);
    if (!g.per_tensor()) ctx.fail(node, "input '{}' has per-channel scales; sqzc quantizes activations per tensor", node.input(at));
    if (g.activation() != t->quant)
        ctx.fail(node, "reads '{}' with scale {} and zero point {}, but it was quantized with scale {} and zero point {}",
                 node.input(at), g.scales[0], g.zero_points[0],
                 t->quant.scale, t->quant.zero_point - (t->elem_type == onnx::TensorProto_DataType_INT8 ? 128 : 0));
    return *t;
}

// Defines the node's output as an 8-bit tensor whose values are the graph value of the same name,
// rounded to `grid` (the value is new, so it is rounded in place).
void define_rounded_output(ImportContext& ctx, const onnx::NodeProto& node, const Grid& grid) {
    if (!grid.per_tensor()) ctx.fail(node, "its output has per-channel scales; sqzc quantizes activations per tensor");
    const std::string& out = node.output(0);
    ctx.round_value(out, grid.activation());
    ctx.define_eight_bit(out, {out, grid.activation(), grid.elem_type});
}

// Evaluates QuantizeLinear of a constant: an integer constant named like the output.
void quantize_constant(ImportContext& ctx, const onnx::NodeProto& node, const onnx::TensorProto& x, const Grid& g) {
    const std::string what = fmt::format("{}: input '{}'", ctx.describe(node), node.input(0));
    const ir::Dims dims = onnx_tensor_dims(x, what);
    const std::vector<float> values = read_onnx_floats(x, what);
    const int64_t axis = quantizer_axis(ctx, node, static_cast<int64_t>(dims.size()));
    check_channels(ctx, node, g, dims, axis);
    const bool is_signed = g.elem_type == onnx::TensorProto_DataType_INT8;
    std::vector<int32_t> q(values.size());
    for (size_t i = 0; i < values.size(); ++i) {
        const size_t c = channel_of(i, dims, axis, g.per_tensor());
        const double v = std::nearbyint(static_cast<double>(values[i] / g.scales[c])) + g.zero_points[c];
        q[i] = static_cast<int32_t>(std::clamp(v, is_signed ? -128.0 : 0.0, is_signed ? 127.0 : 255.0));
    }
    write_onnx_integers(ctx.new_constant(node.output(0)), node.output(0), g.elem_type, dims, q);
}

// Evaluates DequantizeLinear of a constant: a FLOAT constant named like the output, and the int8
// form (or why there is none) for a Conv that reads it as its weight.
void dequantize_constant(ImportContext& ctx, const onnx::NodeProto& node, const onnx::TensorProto& x) {
    const std::string what = fmt::format("{}: input '{}'", ctx.describe(node), node.input(0));
    const ir::Dims dims = onnx_tensor_dims(x, what);
    const std::vector<int32_t> q = read_onnx_integers(x, what);
    const Grid g = read_grid(ctx, node, 1, 2, x.data_type());
    const int64_t axis = quantizer_axis(ctx, node, static_cast<int64_t>(dims.size()));
    check_channels(ctx, node, g, dims, axis);
    if (x.data_type() == onnx::TensorProto_DataType_INT32 &&
        std::any_of(g.zero_points.begin(), g.zero_points.end(), [](int32_t z) { return z != 0; }))
        ctx.fail(node, "an INT32 tensor needs zero point 0");
    std::vector<float> values(q.size());
    for (size_t i = 0; i < q.size(); ++i) {
        const size_t c = channel_of(i, dims, axis, g.per_tensor());
        values[i] = static_cast<float>(q[i] - g.zero_points[c]) * g.scales[c];
    }
    const std::string& out = node.output(0);
    write_onnx_floats(ctx.new_constant(out), out, dims, values, true);
    if (x.data_type() == onnx::TensorProto_DataType_INT32) return;

    // The int8 form: symmetric, per tensor or per output channel.
    std::string why;
    const auto zero = std::find_if(g.zero_points.begin(), g.zero_points.end(), [](int32_t z) { return z != 0; });
    if (x.data_type() == onnx::TensorProto_DataType_UINT8) why = "is UINT8";
    else if (zero != g.zero_points.end()) why = fmt::format("has zero point {} (asymmetric)", *zero);
    else if (std::find(q.begin(), q.end(), -128) != q.end()) why = "holds the value -128";
    else if (dims.empty()) why = "is a scalar";
    else if (!g.per_tensor() && axis != 0) why = fmt::format("has one scale per channel of axis {}, not per output channel", axis);
    if (!why.empty()) {
        ctx.set_int8_refusal(out, why);
        return;
    }
    ir::Int8Weights w;
    w.values.assign(q.begin(), q.end());
    for (int64_t o = 0; o < dims[0]; ++o) w.scales.push_back(g.scales[g.per_tensor() ? 0 : static_cast<size_t>(o)]);
    ctx.set_int8_weights(out, std::move(w));
}

void import_quantize_linear(ImportContext& ctx, const onnx::NodeProto& node) {
    require_opset(ctx, node, 10);
    ctx.expect_arity(node, 2, 3);
    const Grid g = read_grid(ctx, node, 1, 2, 0);
    if (g.elem_type != onnx::TensorProto_DataType_UINT8 && g.elem_type != onnx::TensorProto_DataType_INT8)
        ctx.fail(node, "quantizes to {}; sqzc reads UINT8 and INT8", elem_type_name(g.elem_type));
    if (const onnx::TensorProto* x = ctx.constant_input(node, 0)) {
        quantize_constant(ctx, node, *x, g);
        return;
    }
    const std::string& x = ctx.tensor_input(node, 0);
    if (!g.per_tensor())
        ctx.fail(node, "activation '{}' has per-channel scales; sqzc quantizes activations per tensor", node.input(0));
    // Rounded in place when this quantizer is the value's only reader; else a rounded copy.
    const std::string& out = node.output(0);
    std::string value = x;
    if (x != node.input(0) || ctx.rounded(x) || ctx.use_count(x) != 1) {
        value = ctx.builder().identity(out, x);
        ctx.define_value(out);
    }
    ctx.round_value(value, g.activation());
    ctx.define_eight_bit(out, {value, g.activation(), g.elem_type});
}

void import_dequantize_linear(ImportContext& ctx, const onnx::NodeProto& node) {
    require_opset(ctx, node, 10);
    ctx.expect_arity(node, 2, 3);
    if (const onnx::TensorProto* x = ctx.constant_input(node, 0)) {
        dequantize_constant(ctx, node, *x);
        return;
    }
    const EightBitTensor& t = eight_bit_input(ctx, node, 0, 1, 2);
    ctx.define_alias(node.output(0), t.value);
}

// Converts `node` as the float operator `op_type` on the given graph values (and constants).
void convert_as(ImportContext& ctx, const onnx::NodeProto& node, const char* op_type,
                const std::vector<std::string>& inputs) {
    onnx::NodeProto plain;
    plain.set_name(node.name().empty() ? node.output(0) : node.name());
    plain.set_op_type(node.op_type());  // messages name the quantized operator
    for (const std::string& in : inputs) plain.add_input(in);
    plain.add_output(node.output(0));
    for (const onnx::AttributeProto& a : node.attribute())
        if (a.name() != "channels_last") *plain.add_attribute() = a;
    const ConverterEntry* entry = find_converter("", op_type);
    SQZ_ASSERT(entry != nullptr, "no converter for {}", op_type);
    // The inputs are graph values, which may share their names with 8-bit tensors.
    ctx.allow_eight_bit(true);
    try {
        entry->convert(ctx, plain);
    } catch (...) {
        ctx.allow_eight_bit(false);
        throw;
    }
    ctx.allow_eight_bit(false);
}

void import_qlinear_conv(ImportContext& ctx, const onnx::NodeProto& node) {
    require_opset(ctx, node, 10);
    ctx.expect_arity(node, 8, 9);
    const EightBitTensor& x = eight_bit_input(ctx, node, 0, 1, 2);
    const onnx::TensorProto* w = ctx.constant_input(node, 3);
    if (!w) ctx.fail(node, "weight '{}' is not an initializer; sqzc needs constant weights", node.input(3));
    const std::string what = fmt::format("{}: weight '{}'", ctx.describe(node), node.input(3));
    const ir::Dims wd = onnx_tensor_dims(*w, what);
    if (wd.size() != 4) ctx.fail(node, "weight '{}' has shape {}, expected [O,I,kh,kw]", node.input(3), ir::dims_to_string(wd));
    const std::vector<int32_t> wq = read_onnx_integers(*w, what);
    const Grid wg = read_grid(ctx, node, 4, 5, w->data_type());
    check_channels(ctx, node, wg, wd, 0);
    const Grid yg = read_grid(ctx, node, 6, 7, 0);

    // The weights as a dequantized constant with their int8 form (or why they have none).
    const std::string weight = node.input(3) + "_dequantized";
    std::vector<float> values(wq.size());
    ir::Int8Weights form;
    const size_t per_output = wq.size() / static_cast<size_t>(wd[0]);
    for (size_t i = 0; i < wq.size(); ++i) {
        const size_t c = wg.per_tensor() ? 0 : i / per_output;
        values[i] = static_cast<float>(wq[i] - wg.zero_points[c]) * wg.scales[c];
    }
    for (int64_t o = 0; o < wd[0]; ++o) form.scales.push_back(wg.scales[wg.per_tensor() ? 0 : static_cast<size_t>(o)]);
    form.values.assign(wq.begin(), wq.end());
    write_onnx_floats(ctx.new_constant(weight), weight, wd, values, true);
    const auto zero = std::find_if(wg.zero_points.begin(), wg.zero_points.end(), [](int32_t z) { return z != 0; });
    if (w->data_type() == onnx::TensorProto_DataType_UINT8) ctx.set_int8_refusal(weight, "is UINT8");
    else if (zero != wg.zero_points.end()) ctx.set_int8_refusal(weight, fmt::format("has zero point {} (asymmetric)", *zero));
    else if (std::find(wq.begin(), wq.end(), -128) != wq.end()) ctx.set_int8_refusal(weight, "holds the value -128");
    else ctx.set_int8_weights(weight, std::move(form));

    std::vector<std::string> inputs = {x.value, weight};
    if (ImportContext::has_input(node, 8)) {
        // The bias, INT32 in units of x_scale * w_scale, as float.
        const onnx::TensorProto* b = ctx.constant_input(node, 8);
        if (!b) ctx.fail(node, "bias '{}' is not an initializer; sqzc needs constant weights", node.input(8));
        const std::string bwhat = fmt::format("{}: bias '{}'", ctx.describe(node), node.input(8));
        if (b->data_type() != onnx::TensorProto_DataType_INT32)
            ctx.fail(node, "bias '{}' has element type {}, expected INT32", node.input(8), elem_type_name(b->data_type()));
        const ir::Dims bd = onnx_tensor_dims(*b, bwhat);
        if (bd != ir::Dims{wd[0]}) ctx.fail(node, "bias '{}' has shape {}, expected [{}]", node.input(8), ir::dims_to_string(bd), wd[0]);
        const std::vector<int32_t> bq = read_onnx_integers(*b, bwhat);
        std::vector<float> bias(bq.size());
        for (size_t o = 0; o < bq.size(); ++o)
            bias[o] = static_cast<float>(bq[o]) * (static_cast<float>(x.quant.scale) * wg.scales[wg.per_tensor() ? 0 : o]);
        const std::string name = node.input(8) + "_dequantized";
        write_onnx_floats(ctx.new_constant(name), name, bd, bias, true);
        inputs.push_back(name);
    }
    convert_as(ctx, node, "Conv", inputs);
    define_rounded_output(ctx, node, yg);
}

void import_qlinear_add(ImportContext& ctx, const onnx::NodeProto& node) {
    ctx.expect_arity(node, 7, 8);
    const EightBitTensor& a = eight_bit_input(ctx, node, 0, 1, 2);
    const EightBitTensor& b = eight_bit_input(ctx, node, 3, 4, 5);
    const Grid c = read_grid(ctx, node, 6, 7, 0);
    convert_as(ctx, node, "Add", {a.value, b.value});
    define_rounded_output(ctx, node, c);
}

void import_qlinear_concat(ImportContext& ctx, const onnx::NodeProto& node) {
    ctx.expect_arity(node, 2, -1);
    if (node.input_size() < 5 || (node.input_size() - 2) % 3 != 0)
        ctx.fail(node, "has {} inputs; QLinearConcat takes Y_scale, Y_zero_point, then (X, X_scale, X_zero_point) "
                       "for each input", node.input_size());
    const Grid y = read_grid(ctx, node, 0, 1, 0);
    std::vector<std::string> xs;
    for (int i = 2; i < node.input_size(); i += 3) xs.push_back(eight_bit_input(ctx, node, i, i + 1, i + 2).value);
    convert_as(ctx, node, "Concat", xs);
    define_rounded_output(ctx, node, y);
}

void import_qlinear_global_average_pool(ImportContext& ctx, const onnx::NodeProto& node) {
    ctx.expect_arity(node, 4, 5);
    if (ctx.attr_int(node, "channels_last", 0) != 0) ctx.fail(node, "channels_last is unsupported (only NCHW)");
    const EightBitTensor& x = eight_bit_input(ctx, node, 0, 1, 2);
    const Grid y = read_grid(ctx, node, 3, 4, 0);
    convert_as(ctx, node, "GlobalAveragePool", {x.value});
    define_rounded_output(ctx, node, y);
}

// Operators that carry 8-bit values through unchanged, with the inputs that carry them.
bool passes_eight_bit(const std::string& op) {
    return op == "MaxPool" || op == "Concat" || op == "Flatten" || op == "Reshape" || op == "Identity";
}

}  // namespace

const std::vector<ConverterEntry>& qdq_converters() {
    static const std::vector<ConverterEntry> table = {
        {"QuantizeLinear", import_quantize_linear, {"axis"}},
        {"DequantizeLinear", import_dequantize_linear, {"axis"}},
        {"QLinearConv", import_qlinear_conv, {"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"}},
        {"QLinearAdd", import_qlinear_add, {}, kMicrosoftDomain},
        {"QLinearConcat", import_qlinear_concat, {"axis"}, kMicrosoftDomain},
        {"QLinearGlobalAveragePool", import_qlinear_global_average_pool, {"channels_last"}, kMicrosoftDomain},
    };
    return table;
}

bool reads_eight_bit(const ImportContext& ctx, const onnx::NodeProto& node) {
    if (node.op_type().rfind("QLinear", 0) == 0 || node.op_type() == "DequantizeLinear") return false;
    return std::any_of(node.input().begin(), node.input().end(),
                       [&](const std::string& in) { return ctx.eight_bit(in) != nullptr; });
}

void convert_eight_bit(ImportContext& ctx, const onnx::NodeProto& node, Converter convert) {
    const std::string* first = nullptr;
    for (const std::string& in : node.input())
        if (ctx.eight_bit(in)) {
            first = &in;
            break;
        }
    SQZ_ASSERT(first != nullptr, "node reads no 8-bit tensor");
    if (!passes_eight_bit(node.op_type()))
        ctx.fail(node, "input '{}' is an 8-bit tensor; sqzc reads those through DequantizeLinear or a QLinear operator "
                       "(MaxPool, Concat, Flatten, Reshape and Identity may pass them on)", *first);
    const EightBitTensor grid = *ctx.eight_bit(*first);
    const int data_inputs = node.op_type() == "Concat" ? node.input_size() : 1;
    for (int i = 0; i < data_inputs; ++i) {
        const EightBitTensor* t = ctx.eight_bit(node.input(i));
        if (!t || t->quant != grid.quant || t->elem_type != grid.elem_type)
            ctx.fail(node, "input '{}' is not an 8-bit tensor on the grid of '{}' (scale {}, zero point {}); sqzc "
                           "passes 8-bit tensors on only where all share one grid", node.input(i), *first,
                     grid.quant.scale, grid.quant.zero_point);
    }
    ctx.allow_eight_bit(true);
    try {
        convert(ctx, node);
    } catch (...) {
        ctx.allow_eight_bit(false);
        throw;
    }
    ctx.allow_eight_bit(false);
    const std::string& out = node.output(0);
    ctx.round_value(out, grid.quant);
    ctx.define_eight_bit(out, {out, grid.quant, grid.elem_type});
}

}  // namespace sqz::compiler::onnx_import
