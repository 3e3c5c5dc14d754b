// Test helpers for the ONNX frontend: a small ModelProto builder that encodes tensors on its own
// (independently of the code under test), and SqueezeNet v1.0 / v1.1 laid out the way
// torch.onnx.export writes torchvision's models, with the same net built directly with
// ir::GraphBuilder as the independent expectation. Header-only.
#pragma once

#include "ir/builder.h"
#include "tests/support.h"

#include <onnx/onnx_pb.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

namespace sqz::test {

// A ModelProto under construction.
class OnnxModel {
public:
    explicit OnnxModel(int opset, int64_t ir_version = 8, const std::string& graph_name = "torch_jit") {
        proto.set_ir_version(ir_version);
        proto.set_producer_name("pytorch");
        proto.set_producer_version("1.13.1");
        onnx::OperatorSetIdProto* id = proto.add_opset_import();
        id->set_domain("");
        id->set_version(opset);
        proto.mutable_graph()->set_name(graph_name);
    }

    onnx::GraphProto& graph() { return *proto.mutable_graph(); }

    // A float input [batch, dims...]; the batch is symbolic when `batch_param` is not empty.
    void input(const std::string& name, const ir::Dims& dims, const std::string& batch_param = "batch_size",
               int64_t batch = 1) {
        value_info(graph().add_input(), name, dims, batch_param, batch);
    }
    void output(const std::string& name, const ir::Dims& dims = {}) {
        value_info(graph().add_output(), name, dims, "batch_size", 1);
    }

    onnx::TensorProto& initializer(const std::string& name, const ir::Dims& dims, const std::vector<float>& values,
                                   bool raw = true) {
        onnx::TensorProto& t = *graph().add_initializer();
        fill_floats(t, name, dims, values, raw);
        return t;
    }

    onnx::TensorProto& int64_initializer(const std::string& name, const std::vector<int64_t>& values, bool raw = true) {
        onnx::TensorProto& t = *graph().add_initializer();
        fill_int64s(t, name, values, raw);
        return t;
    }

    onnx::TensorProto& bool_initializer(const std::string& name, bool value) {
        onnx::TensorProto& t = *graph().add_initializer();
        t.set_name(name);
        t.set_data_type(onnx::TensorProto_DataType_BOOL);
        t.set_raw_data(std::string(1, value ? '\1' : '\0'));
        return t;
    }

    onnx::NodeProto& node(const std::string& op, const std::vector<std::string>& inputs,
                          const std::vector<std::string>& outputs, const std::string& name = "") {
        onnx::NodeProto& n = *graph().add_node();
        n.set_op_type(op);
        n.set_name(name);
        for (const std::string& in : inputs) n.add_input(in);
        for (const std::string& out : outputs) n.add_output(out);
        return n;
    }

    std::string bytes() const { return proto.SerializeAsString(); }

    static void fill_floats(onnx::TensorProto& t, const std::string& name, const ir::Dims& dims,
                            const std::vector<float>& values, bool raw) {
        t.set_name(name);
        t.set_data_type(onnx::TensorProto_DataType_FLOAT);
        for (int64_t d : dims) t.add_dims(d);
        if (raw) {
            std::string bytes(values.size() * 4, '\0');
            for (size_t i = 0; i < values.size(); ++i) {
                uint32_t bits;
                std::memcpy(&bits, &values[i], 4);
                for (int k = 0; k < 4; ++k) bytes[4 * i + k] = static_cast<char>((bits >> (8 * k)) & 0xff);
            }
            t.set_raw_data(bytes);
        } else {
            for (float v : values) t.add_float_data(v);
        }
    }

    static void fill_int64s(onnx::TensorProto& t, const std::string& name, const std::vector<int64_t>& values,
                            bool raw) {
        t.set_name(name);
        t.set_data_type(onnx::TensorProto_DataType_INT64);
        t.add_dims(static_cast<int64_t>(values.size()));
        if (raw) {
            std::string bytes(values.size() * 8, '\0');
            for (size_t i = 0; i < values.size(); ++i)
                for (int k = 0; k < 8; ++k)
                    bytes[8 * i + k] = static_cast<char>((static_cast<uint64_t>(values[i]) >> (8 * k)) & 0xff);
            t.set_raw_data(bytes);
        } else {
            for (int64_t v : values) t.add_int64_data(v);
        }
    }

    onnx::ModelProto proto;

private:
    static void value_info(onnx::ValueInfoProto* v, const std::string& name, const ir::Dims& dims,
                           const std::string& batch_param, int64_t batch) {
        v->set_name(name);
        onnx::TypeProto_Tensor* t = v->mutable_type()->mutable_tensor_type();
        t->set_elem_type(onnx::TensorProto_DataType_FLOAT);
        if (dims.empty()) return;
        onnx::TensorShapeProto* shape = t->mutable_shape();
        if (batch_param.empty()) shape->add_dim()->set_dim_value(batch);
        else shape->add_dim()->set_dim_param(batch_param);
        for (int64_t d : dims) shape->add_dim()->set_dim_value(d);
    }
};

inline void set_attr(onnx::NodeProto& n, const std::string& name, int64_t v) {
    onnx::AttributeProto* a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(v);
}
inline void set_attr(onnx::NodeProto& n, const std::string& name, const std::vector<int64_t>& v) {
    onnx::AttributeProto* a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INTS);
    for (int64_t x : v) a->add_ints(x);
}
inline void set_attr_float(onnx::NodeProto& n, const std::string& name, float v) {
    onnx::AttributeProto* a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::FLOAT);
    a->set_f(v);
}
inline void set_attr_string(onnx::NodeProto& n, const std::string& name, const std::string& v) {
    onnx::AttributeProto* a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::STRING);
    a->set_s(v);
}

// --- SqueezeNet as torchvision defines it ---------------------------------------------------------

struct FireSpec {
    int64_t in, squeeze, expand1x1, expand3x3;
};

struct SqueezeNetSpec {
    const char* name;
    int64_t conv1_out, conv1_kernel;
    std::vector<std::vector<FireSpec>> stages;  // Fire modules after each of the three max pools
};

inline SqueezeNetSpec squeezenet1_0_spec() {
    return {"squeezenet1_0", 96, 7,
            {{{96, 16, 64, 64}, {128, 16, 64, 64}, {128, 32, 128, 128}},
             {{256, 32, 128, 128}, {256, 48, 192, 192}, {384, 48, 192, 192}, {384, 64, 256, 256}},
             {{512, 64, 256, 256}}}};
}

inline SqueezeNetSpec squeezenet1_1_spec() {
    return {"squeezenet1_1", 64, 3,
            {{{64, 16, 64, 64}, {128, 16, 64, 64}},
             {{128, 32, 128, 128}, {256, 32, 128, 128}},
             {{256, 48, 192, 192}, {384, 48, 192, 192}, {384, 64, 256, 256}, {512, 64, 256, 256}}}};
}

// One convolution's weights, in network order (conv1, each Fire's squeeze/expand1x1/expand3x3, conv10).
struct ConvWeights {
    int64_t out, in, kernel;
    std::vector<float> weight, bias;
};

// He-uniform weights and small biases, seeded per layer.
inline std::vector<ConvWeights> squeezenet_weights(const SqueezeNetSpec& spec, uint64_t seed) {
    std::vector<ConvWeights> convs;
    auto add = [&](int64_t out, int64_t in, int64_t k) {
        size_t n = static_cast<size_t>(out * in * k * k);
        float a = static_cast<float>(std::sqrt(6.0 / static_cast<double>(in * k * k)));
        uint64_t s = seed * 1000 + convs.size();
        convs.push_back({out, in, k, random_values(n, s, -a, a),
                         random_values(static_cast<size_t>(out), s + 500, -0.1f, 0.1f)});
    };
    add(spec.conv1_out, 3, spec.conv1_kernel);
    for (const auto& stage : spec.stages)
        for (const FireSpec& f : stage) {
            add(f.squeeze, f.in, 1);
            add(f.expand1x1, f.squeeze, 1);
            add(f.expand3x3, f.squeeze, 3);
        }
    add(1000, 512, 1);
    return convs;
}

// How torch.onnx.export names things: older exporters (opsets 9, 11 here) keep parameter names
// for initializers and number the tensors ("input.4", "onnx::Conv_12"); torch 2 (opsets 13, 17
// here) names nodes by module path and folds parameters into "onnx::Conv_123" initializers.
class TorchNames {
public:
    explicit TorchNames(bool modern) : modern_(modern) {}
    bool modern() const { return modern_; }
    // The output of an operator at a module path, read next by `consumer` (an op type).
    std::string tensor(const std::string& path, const std::string& op, const std::string& consumer) {
        if (modern_) return path + "/" + op + "_output_0";
        ++counter_;
        const std::string n = std::to_string(counter_);
        return op == "Conv" ? "input." + n : "onnx::" + consumer + "_" + n;
    }
    std::string node(const std::string& path, const std::string& op) {
        return modern_ ? path + "/" + op : op + "_" + std::to_string(node_counter_++);
    }
    std::string parameter(const std::string& param_name, const std::string& consumer) {
        return modern_ ? "onnx::" + consumer + "_" + std::to_string(500 + counter_++) : param_name;
    }

private:
    bool modern_;
    int counter_ = 1;
    int node_counter_ = 0;
};

// SqueezeNet as torch.onnx.export writes torchvision's squeezenet1_0/1_1 (eval mode, with its
// Dropout kept) at `opset`, input "input.1" of [N,3,size,size].
inline OnnxModel torch_squeezenet(const SqueezeNetSpec& spec, const std::vector<ConvWeights>& w, int opset,
                                  int64_t size, bool raw_data = true) {
    OnnxModel m(opset, opset <= 9 ? 4 : 8, "torch_jit");
    TorchNames names(opset >= 13);
    m.input("input.1", {3, size, size});
    size_t conv_index = 0;
    auto conv = [&](const std::string& path, const std::string& param, const std::string& x, int64_t pad,
                    int64_t stride, const std::string& consumer) {
        const ConvWeights& c = w.at(conv_index++);
        std::string wn = names.parameter(param + ".weight", "Conv");
        std::string bn = names.parameter(param + ".bias", "Conv");
        m.initializer(wn, {c.out, c.in, c.kernel, c.kernel}, c.weight, raw_data);
        m.initializer(bn, {c.out}, c.bias, raw_data);
        if (opset <= 9) {  // old exporters also listed every initializer as a graph input
            m.input(wn, {c.in, c.kernel, c.kernel}, "", c.out);
            m.input(bn, {}, "", 0);
        }
        std::string conv_out = names.tensor(path, "Conv", "Relu");
        onnx::NodeProto& n = m.node("Conv", {x, wn, bn}, {conv_out}, names.node(path, "Conv"));
        set_attr(n, "dilations", std::vector<int64_t>{1, 1});
        set_attr(n, "group", int64_t{1});
        set_attr(n, "kernel_shape", std::vector<int64_t>{c.kernel, c.kernel});
        set_attr(n, "pads", std::vector<int64_t>{pad, pad, pad, pad});
        set_attr(n, "strides", std::vector<int64_t>{stride, stride});
        std::string relu_out = names.tensor(path + "_act", "Relu", consumer);
        m.node("Relu", {conv_out}, {relu_out}, names.node(path + "_act", "Relu"));
        return relu_out;
    };
    auto max_pool = [&](const std::string& path, const std::string& x, const std::string& consumer) {
        std::string out = names.tensor(path, "MaxPool", consumer);
        onnx::NodeProto& n = m.node("MaxPool", {x}, {out}, names.node(path, "MaxPool"));
        set_attr(n, "ceil_mode", int64_t{1});
        set_attr(n, "kernel_shape", std::vector<int64_t>{3, 3});
        set_attr(n, "pads", std::vector<int64_t>{0, 0, 0, 0});
        set_attr(n, "strides", std::vector<int64_t>{2, 2});
        return out;
    };

    int index = 0;
    auto feature = [&](int i) { return "/features/features." + std::to_string(i); };
    std::string x = conv(feature(0) + "/Conv", "features.0", "input.1", 0, 2, "MaxPool");
    index = 2;
    for (size_t s = 0; s < spec.stages.size(); ++s) {
        x = max_pool(feature(index++), x, "Conv");
        for (size_t f = 0; f < spec.stages[s].size(); ++f) {
            std::string path = feature(index), param = "features." + std::to_string(index);
            ++index;
            bool last_in_stage = f + 1 == spec.stages[s].size();
            std::string next = !last_in_stage ? "Conv" : s + 1 < spec.stages.size() ? "MaxPool" : "Dropout";
            std::string sq = conv(path + "/squeeze", param + ".squeeze", x, 0, 1, "Conv");
            std::string e1 = conv(path + "/expand1x1", param + ".expand1x1", sq, 0, 1, "Concat");
            std::string e3 = conv(path + "/expand3x3", param + ".expand3x3", sq, 1, 1, "Concat");
            std::string cat = names.tensor(path, "Concat", next);
            set_attr(m.node("Concat", {e1, e3}, {cat}, names.node(path, "Concat")), "axis", int64_t{1});
            x = cat;
        }
    }
    // classifier: Dropout, Conv(512->1000), ReLU, AdaptiveAvgPool2d(1) (GlobalAveragePool), flatten(x, 1).
    std::string drop = names.tensor("/classifier/classifier.0", "Dropout", "Conv");
    if (opset < 12) {
        std::vector<std::string> outs{drop};
        if (opset <= 9) outs.push_back("onnx::Dropout_mask");  // present but unused
        set_attr_float(m.node("Dropout", {x}, outs, names.node("/classifier/classifier.0", "Dropout")), "ratio", 0.5f);
    } else {
        std::vector<std::string> ins{x, "dropout.ratio"};
        m.initializer("dropout.ratio", {}, {0.5f});
        if (opset >= 17) {
            m.bool_initializer("dropout.training_mode", false);
            ins.push_back("dropout.training_mode");
        }
        m.node("Dropout", ins, {drop}, names.node("/classifier/classifier.0", "Dropout"));
    }
    x = conv("/classifier/classifier.1", "classifier.1", drop, 0, 1, "GlobalAveragePool");
    std::string gap = names.tensor("/classifier/classifier.3", "GlobalAveragePool", "Flatten");
    m.node("GlobalAveragePool", {x}, {gap}, names.node("/classifier/classifier.3", "GlobalAveragePool"));
    std::string out = names.modern() ? "output" : "495";
    set_attr(m.node("Flatten", {gap}, {out}, names.node("", "Flatten")), "axis", int64_t{1});
    m.output(out, {1000});
    return m;
}

// The same network built directly with ir::GraphBuilder (Caffe-style names), weights bound.
inline ir::Graph reference_squeezenet(const SqueezeNetSpec& spec, const std::vector<ConvWeights>& w, int64_t size) {
    ir::GraphBuilder b(spec.name);
    std::vector<std::string> convs;
    auto conv_relu = [&](const std::string& name, const std::string& x, int64_t out, int64_t k, int64_t stride,
                         int64_t pad) {
        convs.push_back(b.conv(name, x, out, ir::square_window(k, stride, pad)));
        return b.relu(name + "_relu", convs.back());
    };
    std::string x = conv_relu("conv1", b.input("data", {ir::DType::F32, {3, size, size}}), spec.conv1_out,
                              spec.conv1_kernel, 2, 0);
    int fire = 2;
    for (size_t s = 0; s < spec.stages.size(); ++s) {
        x = b.max_pool("pool" + std::to_string(s + 1), x, ir::square_window(3, 2), ir::Rounding::Ceil);
        for (const FireSpec& f : spec.stages[s]) {
            std::string p = "fire" + std::to_string(fire++);
            std::string sq = conv_relu(p + "/squeeze1x1", x, f.squeeze, 1, 1, 0);
            std::string e1 = conv_relu(p + "/expand1x1", sq, f.expand1x1, 1, 1, 0);
            std::string e3 = conv_relu(p + "/expand3x3", sq, f.expand3x3, 3, 1, 1);
            x = b.concat(p + "/concat", {e1, e3});
        }
    }
    x = b.dropout("drop9", x);
    x = conv_relu("conv10", x, 1000, 1, 1, 0);
    x = b.flatten("flatten", b.global_avg_pool("pool10", x));
    b.output(x);
    ir::Graph g = b.finish();
    for (size_t i = 0; i < convs.size(); ++i) {
        g.find_constant(convs[i] + ".weight")->bind(w.at(i).weight);
        g.find_constant(convs[i] + ".bias")->bind(w.at(i).bias);
    }
    return g;
}

// max |a - ref| / max |ref| for float64 results.
inline double max_relative_error(const std::vector<double>& a, const std::vector<double>& ref) {
    REQUIRE(a.size() == ref.size());
    double diff = 0, scale = 0;
    for (size_t i = 0; i < a.size(); ++i) {
        diff = std::max(diff, std::abs(a[i] - ref[i]));
        scale = std::max(scale, std::abs(ref[i]));
    }
    return scale > 0 ? diff / scale : diff;
}

}  // namespace sqz::test
