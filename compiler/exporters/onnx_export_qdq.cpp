// The QDQ form of an int8 graph (see onnx_export_qdq.h).
#include "compiler/exporters/onnx_export_qdq.h"

#include "ir/error.h"
#include "ir/quantization.h"

#include <algorithm>

namespace sqz::compiler {
namespace {

bool is_u8(const ir::Graph& g, const std::string& value) {
    const ir::Node* n = g.find_node(value);
    return n && n->type.dtype == ir::DType::U8;
}

// The scale of a u8 value: its conv's output scale, its max pool's input's, its concat's slices'.
double u8_scale(const ir::Graph& g, const std::string& value) {
    const ir::Node* n = g.find_node(value);
    SQZ_ASSERT(n && n->type.dtype == ir::DType::U8, "'{}' is not a u8 value", value);
    return n->op == ir::OpKind::Conv ? n->conv().quant.output_scale : u8_scale(g, n->inputs[0]);
}

// The in-place concat whose slice a conv writes, or null.
const ir::Node* concat_of(const ir::Graph& g, const ir::Node& conv) {
    const ir::Node* found = nullptr;
    int readers = 0;
    for (const ir::Node& n : g.nodes)
        for (const std::string& in : n.inputs)
            if (in == conv.name) ++readers, found = &n;
    return readers == 1 && found->op == ir::OpKind::Concat && found->concat().in_place ? found : nullptr;
}

}  // namespace

bool QdqExport::int8() const {
    return std::any_of(graph_.nodes.begin(), graph_.nodes.end(),
                       [](const ir::Node& n) { return n.op == ir::OpKind::Conv && n.conv().quant.any(); });
}

bool QdqExport::float_constant(const std::string& constant) const {
    for (const ir::Node& n : graph_.nodes)
        if (n.op == ir::OpKind::Conv && !n.conv().quant.int8_input &&
            std::find(n.inputs.begin(), n.inputs.end(), constant) != n.inputs.end())
            return true;
    return false;
}

void QdqExport::round(const std::string& real, double scale, int32_t zero_point, const std::string& out) {
    const std::string scale_name = writer_.fresh_name(out + "_scale");
    const std::string zero_name = writer_.fresh_name(out + "_zero_point");
    const std::string quantized = writer_.fresh_name(out + "_quantized");
    writer_.add_floats(scale_name, {}, {static_cast<float>(scale)});
    writer_.add_integers(zero_name, onnx::TensorProto_DataType_UINT8, {}, {zero_point});
    writer_.add_node("QuantizeLinear", {real, scale_name, zero_name}, quantized);
    writer_.add_node("DequantizeLinear", {quantized, scale_name, zero_name}, out);
}

std::vector<std::string> QdqExport::int8_parameters(const ir::Node& conv) {
    const ir::Constant& weight = *graph_.find_constant(conv.inputs[1]);
    const ir::Constant* bias = conv.has_bias() ? graph_.find_constant(conv.inputs[2]) : nullptr;
    const ir::Int8ConvParams p = ir::int8_conv_params(weight, bias, conv.conv().quant);
    const int64_t outputs = weight.type.dims[0];
    std::vector<float> scales;
    for (double s : p.weight_scales) scales.push_back(static_cast<float>(s));
    // Per output channel (axis 0), zero point 0.
    auto dequantize = [&](const std::string& base, int32_t type, const ir::Dims& dims, std::vector<int32_t> values,
                          const std::vector<float>& channel_scales) {
        const std::string q = writer_.fresh_name(base + "_quantized");
        const std::string s = writer_.fresh_name(base + "_scale");
        const std::string z = writer_.fresh_name(base + "_zero_point");
        writer_.add_integers(q, type, dims, values);
        writer_.add_floats(s, {outputs}, channel_scales);
        writer_.add_integers(z, type, {outputs}, std::vector<int32_t>(static_cast<size_t>(outputs), 0));
        const std::string out = writer_.fresh_name(base + "_dequantized");
        OnnxWriter::add_int(writer_.add_node("DequantizeLinear", {q, s, z}, out), "axis", 0);
        return out;
    };
    std::vector<std::string> names;
    names.push_back(dequantize(weight.name, onnx::TensorProto_DataType_INT8, weight.type.dims,
                               std::vector<int32_t>(p.weights.begin(), p.weights.end()), scales));
    if (bias) {
        // The bias is in units of input_scale x weight_scale[o]; ONNX Runtime adds the integers as they are.
        std::vector<float> units;
        for (double s : p.weight_scales) units.push_back(static_cast<float>(conv.conv().quant.input_scale * s));
        names.push_back(dequantize(bias->name, onnx::TensorProto_DataType_INT32, bias->type.dims, p.bias, units));
    }
    return names;
}

bool QdqExport::bypass_after_concat(const ir::Node& conv) const {
    return conv.conv().residual && concat_of(graph_, conv) != nullptr;
}

void QdqExport::write_conv(const ir::Node& n) {
    const ir::ConvAttrs& a = n.conv();
    const ir::ConvQuant& q = a.quant;
    std::vector<std::string> inputs = {n.inputs[0]};
    // A float input rounded (float conv) or quantised (int8 conv: the image) to its 8-bit grid.
    if (q.input_scale > 0 && graph_.type_of(n.inputs[0]).dtype == ir::DType::F32) {
        const std::string rounded = writer_.fresh_name(n.name + "_input");
        round(n.inputs[0], q.input_scale, q.input_zero_point, rounded);
        inputs[0] = rounded;
    }
    if (q.int8_input) {
        for (const std::string& p : int8_parameters(n)) inputs.push_back(p);
    } else {
        inputs.insert(inputs.end(), n.inputs.begin() + 1, n.inputs.begin() + (n.has_bias() ? 3 : 2));
    }
    // The conv and its activation; then its rounding, the bypass add and the sum's rounding.
    const bool adds_here = a.residual && !bypass_after_concat(n);
    const bool rounds = q.u8_output;
    const std::string last = n.name;
    const std::string activation = (a.relu || rounds || adds_here) ? writer_.fresh_name(n.name + "_conv") : last;
    onnx::NodeProto& conv = writer_.add_node("Conv", inputs, activation);
    OnnxWriter::add_window(conv, a.window);
    OnnxWriter::add_ints(conv, "dilations", {1, 1});
    OnnxWriter::add_int(conv, "group", 1);
    std::string value = activation;
    if (a.relu) {
        const std::string relu = rounds || adds_here ? writer_.fresh_name(n.name + "_relu") : last;
        writer_.add_node("Relu", {value}, relu);
        value = relu;
    }
    if (rounds) {
        const std::string rounded = adds_here ? writer_.fresh_name(n.name + "_rounded") : last;
        round(value, q.output_scale, 0, rounded);
        value = rounded;
    }
    if (!adds_here) return;
    const std::string& skip = n.residual_input();
    if (a.residual_offset != 0 || graph_.type_of(skip).dims[1] != n.type.dims[1])
        user_error("cannot export node '{}' of graph '{}' as QDQ: it adds channels {}..{} of '{}', a slice ONNX's Add "
                   "cannot take", n.name, graph_.name, a.residual_offset, a.residual_offset + n.type.dims[1] - 1, skip);
    const std::string sum = rounds ? writer_.fresh_name(n.name + "_sum") : last;
    writer_.add_node("Add", {value, skip}, sum);
    if (rounds) round(sum, q.output_scale, 0, last);
}

void QdqExport::write_concat(const ir::Node& c) {
    // The slices' convs may add a bypass: then all do, of one skip tensor, in channel order.
    std::string skip;
    int64_t offset = 0;
    int residual = 0;
    for (const std::string& in : c.inputs) {
        const ir::Node* p = graph_.find_node(in);
        if (!p || p->op != ir::OpKind::Conv || !p->conv().residual) continue;
        ++residual;
        if (skip.empty()) skip = p->residual_input();
        if (p->residual_input() != skip || p->conv().residual_offset != offset) break;
        offset += p->type.dims[1];
    }
    const bool u8 = c.type.dtype == ir::DType::U8;
    if (residual == 0) {
        if (!u8) {
            write_float_(c, c.name);
            return;
        }
        const std::string joined = writer_.fresh_name(c.name + "_joined");
        write_float_(c, joined);
        round(joined, u8_scale(graph_, c.name), 0, c.name);
        return;
    }
    if (residual != static_cast<int>(c.inputs.size()) || offset != graph_.type_of(skip).dims[1])
        user_error("cannot export node '{}' of graph '{}' as QDQ: its slices add parts of a bypass that ONNX's Add "
                   "cannot express", c.name, graph_.name);
    const std::string joined = writer_.fresh_name(c.name + "_joined");
    write_float_(c, joined);
    std::string value = joined;
    if (u8) {
        const std::string rounded = writer_.fresh_name(c.name + "_rounded");
        round(joined, u8_scale(graph_, c.name), 0, rounded);
        value = rounded;
    }
    const std::string sum = u8 ? writer_.fresh_name(c.name + "_sum") : c.name;
    writer_.add_node("Add", {value, skip}, sum);
    if (u8) round(sum, u8_scale(graph_, c.name), 0, c.name);
}

bool QdqExport::write(const ir::Node& n) {
    switch (n.op) {
    case ir::OpKind::Conv:
        if (!n.conv().quant.any() && !n.conv().residual) return false;
        write_conv(n);
        return true;
    case ir::OpKind::Concat:
        write_concat(n);
        return true;
    case ir::OpKind::MaxPool: {
        if (!is_u8(graph_, n.name)) return false;
        const std::string pooled = writer_.fresh_name(n.name + "_pooled");
        write_float_(n, pooled);
        round(pooled, u8_scale(graph_, n.name), 0, n.name);
        return true;
    }
    default: return false;
    }
}

}  // namespace sqz::compiler
