// Test helpers for quantized ONNX models: a builder that writes QuantizeLinear/DequantizeLinear
// pairs, int8 weights and INT32 biases the way ONNX Runtime's static quantizer lays out a QDQ
// model, and a small Fire-module net built with it in the variants the tests need. The tensors are
// encoded here, independently of sqzc's ONNX code. Header-only.
#pragma once

#include "tests/compiler/onnx_test_models.h"

#include <algorithm>
#include <cmath>

namespace sqz::test {

// Integer initializers: INT8, UINT8 (one byte each) or INT32, little endian in raw_data.
inline onnx::TensorProto& integer_initializer(OnnxModel& m, const std::string& name, int32_t type, const ir::Dims& dims,
                                              const std::vector<int32_t>& values) {
    onnx::TensorProto& t = *m.graph().add_initializer();
    t.set_name(name);
    t.set_data_type(type);
    for (int64_t d : dims) t.add_dims(d);
    const int width = type == onnx::TensorProto_DataType_INT32 ? 4 : 1;
    std::string bytes(values.size() * static_cast<size_t>(width), '\0');
    for (size_t i = 0; i < values.size(); ++i)
        for (int k = 0; k < width; ++k)
            bytes[i * static_cast<size_t>(width) + static_cast<size_t>(k)] =
                static_cast<char>((static_cast<uint32_t>(values[i]) >> (8 * k)) & 0xff);
    t.set_raw_data(bytes);
    return t;
}

// A QDQ model under construction. Activations are quantized per tensor (UINT8, or INT8 when
// `signed_activations`), weights INT8 with zero point 0, biases INT32 in units of input scale x
// weight scale, as ONNX Runtime's quantizer writes them.
class QdqBuilder {
public:
    explicit QdqBuilder(int opset = 13) : m(opset) { m.proto.set_producer_name("onnx.quantize"); }

    OnnxModel m;
    bool signed_activations = false;

    // QuantizeLinear then DequantizeLinear of `x` with (scale, zero_point); returns the dequantized name.
    // A signed zero point is given as such (e.g. -128).
    std::string qdq(const std::string& x, float scale, int32_t zero_point) {
        const std::string s = x + "_scale", z = x + "_zero_point", q = x + "_QuantizeLinear_Output";
        m.initializer(s, {}, {scale});
        integer_initializer(m, z, zero_type(), {}, {zero_point});
        m.node("QuantizeLinear", {x, s, z}, {q}, x + "_QuantizeLinear");
        m.node("DequantizeLinear", {q, s, z}, {x + "_DequantizeLinear_Output"}, x + "_DequantizeLinear");
        return x + "_DequantizeLinear_Output";
    }

    // Conv with int8 weights (seeded, one scale per output channel or one for the tensor) and an
    // INT32 bias for an input of scale `input_scale`. Returns the Conv's float output.
    std::string conv(const std::string& name, const std::string& x, int64_t in, int64_t out, int64_t k, int64_t stride,
                     int64_t pad, float input_scale, bool per_channel, uint64_t seed) {
        const size_t n = static_cast<size_t>(out * in * k * k);
        const std::vector<float> r = random_values(n, seed, -127.0f, 127.99f);
        std::vector<int32_t> q(n);
        for (size_t i = 0; i < n; ++i) q[i] = std::clamp(static_cast<int32_t>(std::floor(r[i])), -127, 127);
        // He-like magnitude: weights of about 1 / sqrt(fan in), with scales of no simple ratio to the
        // activations' (so that requantised values rarely lie near a rounding boundary).
        const float base = 1.0137f / (127.0f * std::sqrt(static_cast<float>(in * k * k)));
        std::vector<float> scales(per_channel ? static_cast<size_t>(out) : 1);
        for (size_t o = 0; o < scales.size(); ++o) scales[o] = base * (1.0f + 0.2371f * static_cast<float>(o % 5));
        const ir::Dims channel_dims = per_channel ? ir::Dims{out} : ir::Dims{};
        integer_initializer(m, name + ".weight_quantized", onnx::TensorProto_DataType_INT8, {out, in, k, k}, q);
        m.initializer(name + ".weight_scale", channel_dims, scales);
        integer_initializer(m, name + ".weight_zero_point", onnx::TensorProto_DataType_INT8, channel_dims,
                            std::vector<int32_t>(scales.size(), 0));
        onnx::NodeProto& wdq = m.node("DequantizeLinear", {name + ".weight_quantized", name + ".weight_scale",
                                                           name + ".weight_zero_point"},
                                      {name + ".weight"}, name + ".weight_DequantizeLinear");
        if (per_channel) set_attr(wdq, "axis", int64_t{0});
        // Biases of about 0.05, in units of input_scale x weight_scale[o].
        const std::vector<float> b = random_values(static_cast<size_t>(out), seed + 1, -0.1f, 0.1f);
        std::vector<int32_t> bq(static_cast<size_t>(out));
        std::vector<float> bias_scales(static_cast<size_t>(out));
        for (size_t o = 0; o < bq.size(); ++o) {
            bias_scales[o] = input_scale * scales[per_channel ? o : 0];
            bq[o] = static_cast<int32_t>(std::lround(b[o] / bias_scales[o]));
        }
        integer_initializer(m, name + ".bias_quantized", onnx::TensorProto_DataType_INT32, {out}, bq);
        m.initializer(name + ".bias_scale", {out}, bias_scales);
        integer_initializer(m, name + ".bias_zero_point", onnx::TensorProto_DataType_INT32, {out},
                            std::vector<int32_t>(static_cast<size_t>(out), 0));
        set_attr(m.node("DequantizeLinear", {name + ".bias_quantized", name + ".bias_scale", name + ".bias_zero_point"},
                        {name + ".bias"}, name + ".bias_DequantizeLinear"),
                 "axis", int64_t{0});
        onnx::NodeProto& c = m.node("Conv", {x, name + ".weight", name + ".bias"}, {name}, name);
        set_attr(c, "kernel_shape", std::vector<int64_t>{k, k});
        set_attr(c, "strides", std::vector<int64_t>{stride, stride});
        set_attr(c, "pads", std::vector<int64_t>{pad, pad, pad, pad});
        return name;
    }

    std::string op(const std::string& type, const std::vector<std::string>& inputs, const std::string& name) {
        m.node(type, inputs, {name}, name);
        return name;
    }

    // The zero point of an activation after a ReLU (its minimum, 0, on the grid).
    int32_t relu_zero_point() const { return signed_activations ? -128 : 0; }
    int32_t zero_type() const {
        return signed_activations ? onnx::TensorProto_DataType_INT8 : onnx::TensorProto_DataType_UINT8;
    }
};

struct QdqFireOptions {
    bool per_channel = true;          // weight scales per output channel, else per tensor
    bool signed_activations = false;  // INT8 activations, else UINT8
    bool relu_nodes = false;          // Relu nodes after the convs (ONNX Runtime's quantizer removes them)
    bool concat_scale_shared = true;  // the expand convs quantized with their concat's scale
    bool bypass = true;               // the second Fire module adds a simple bypass
    bool quantize_tail = false;       // QDQ after the classifier conv and the pooling (kept float by sqzc)
};

// A QDQ net on a 3x15x15 input, quantized with scale 1/64 and a zero point of 128 (the image spans
// [-2, 2)), activations with scale 0.031: conv1 (3x3, 16 channels) and a max pool, two Fire modules (squeeze 8, expands 16 + 16;
// the second with a bypass add), a 1x1 classifier to 10 channels and global average pooling.
inline OnnxModel qdq_fire_model(const QdqFireOptions& o = {}, int opset = 13) {
    QdqBuilder b(opset);
    b.signed_activations = o.signed_activations;
    const float in_scale = 1.0f / 64, act = 0.0309871f;  // activations span [0, 7.9)
    const int32_t in_zero = o.signed_activations ? 0 : 128;
    b.m.input("data", {3, 15, 15});
    auto activation = [&](const std::string& x, float scale) {
        const std::string y = o.relu_nodes ? b.op("Relu", {x}, x + "_relu") : x;
        return b.qdq(y, scale, b.relu_zero_point());
    };
    std::string x = b.qdq("data", in_scale, in_zero);
    x = activation(b.conv("conv1", x, 3, 16, 3, 1, 0, in_scale, o.per_channel, 11), act);
    onnx::NodeProto& pool = b.m.node("MaxPool", {x}, {"pool1"}, "pool1");
    set_attr(pool, "kernel_shape", std::vector<int64_t>{3, 3});
    set_attr(pool, "strides", std::vector<int64_t>{2, 2});
    x = b.qdq("pool1", act, b.relu_zero_point());
    auto fire = [&](const std::string& name, const std::string& in, int64_t in_c, uint64_t seed) {
        const std::string s = activation(b.conv(name + "/squeeze", in, in_c, 8, 1, 1, 0, act, o.per_channel, seed), act);
        const float expand_scale = o.concat_scale_shared ? act : act * 1.5f;
        const std::string e1 = activation(b.conv(name + "/expand1x1", s, 8, 16, 1, 1, 0, act, o.per_channel, seed + 10), expand_scale);
        const std::string e3 = activation(b.conv(name + "/expand3x3", s, 8, 16, 3, 1, 1, act, o.per_channel, seed + 20), expand_scale);
        set_attr(b.m.node("Concat", {e1, e3}, {name + "/concat"}, name + "/concat"), "axis", int64_t{1});
        return b.qdq(name + "/concat", act, b.relu_zero_point());
    };
    const std::string f2 = fire("fire2", x, 16, 100);
    x = fire("fire3", f2, 32, 200);
    if (o.bypass) x = b.qdq(b.op("Add", {x, f2}, "bypass3"), act, b.relu_zero_point());
    x = b.conv("conv10", x, 32, 10, 1, 1, 0, act, o.per_channel, 300);
    if (o.quantize_tail) x = b.qdq(x, 1.0f / 64, o.signed_activations ? 0 : 128);
    x = b.op("GlobalAveragePool", {x}, "pool10");
    if (o.quantize_tail) x = b.qdq(x, 1.0f / 256, o.signed_activations ? 0 : 128);
    b.m.output(x);
    return b.m;
}

// An input on the model's input grid (multiples of 1/64 in [-2, 2)), so that rounding it is exact.
inline ir::Tensor qdq_fire_input(uint64_t seed) {
    ir::Tensor t;
    t.dims = {1, 3, 15, 15};
    for (float v : random_values(3 * 15 * 15, seed, -128.0f, 127.99f)) t.data.push_back(std::floor(v) / 64.0f);
    return t;
}

}  // namespace sqz::test
