// The quantized-ONNX part of the malformed-input corpus (tests/corpus/cases.txt, qdq/): sqz/tiny.sqz
// in int8, exported in QDQ form (qdq/valid_int8.onnx), and broken variants of it, one quantisation
// parameter or wire each. Generated at test time, as corpus_files.h does the other binary files.
//
// In the int8 tiny model conv1 reads the float image and writes u8 (Conv -> Relu ->
// QuantizeLinear "conv1_quantized" -> DequantizeLinear "conv1"), the pool keeps the grid, and conv2
// is an int8 conv (DequantizeLinear of conv2.weight_quantized, INT8, per channel) with a float output.
#pragma once

#include "compiler/driver.h"
#include "compiler/frontends/onnx_common.h"
#include "tests/corpus/corpus_files.h"

namespace sqz::test::corpus {

inline onnx::NodeProto* node_writing(onnx::ModelProto& m, const std::string& output) {
    for (onnx::NodeProto& n : *m.mutable_graph()->mutable_node())
        if (n.output(0) == output) return &n;
    SQZ_ASSERT(false, "no node writes '{}'", output);
}

inline onnx::TensorProto* named_initializer(onnx::ModelProto& m, const std::string& name) {
    for (onnx::TensorProto& t : *m.mutable_graph()->mutable_initializer())
        if (t.name() == name) return &t;
    SQZ_ASSERT(false, "no initializer '{}'", name);
}

inline void write_qdq_models(const fs::path& dir, const std::string& tiny_sqz) {
    ir::Graph graph = compiler::parse_sqz(tiny_sqz, "tiny.sqz");
    compiler::bind_random_weights(graph, 5);
    compiler::CompileOptions int8;
    int8.precision = compiler::Precision::Int8;
    const std::string bytes = compiler::export_onnx(compiler::prepare(graph, int8));
    put(dir / "valid_int8.onnx", bytes);
    onnx::ModelProto valid;
    SQZ_ASSERT(valid.ParseFromString(bytes), "the exported model parses");
    auto save = [&](const char* name, const onnx::ModelProto& m) { put(dir / name, m.SerializeAsString()); };
    auto set_bytes = [](onnx::TensorProto* t, size_t at, char value) { (*t->mutable_raw_data())[at] = value; };

    onnx::ModelProto m = valid;
    set_bytes(named_initializer(m, "conv2.weight_zero_point"), 1, 3);
    save("asymmetric_weight.onnx", m);
    m = valid;
    set_bytes(named_initializer(m, "conv2.weight_quantized"), 2, static_cast<char>(-128));
    save("weight_minus_128.onnx", m);
    m = valid;
    named_initializer(m, "conv2.weight_quantized")->set_data_type(onnx::TensorProto_DataType_UINT8);
    named_initializer(m, "conv2.weight_zero_point")->set_data_type(onnx::TensorProto_DataType_UINT8);
    save("uint8_weight.onnx", m);
    m = valid;
    for (const char* name : {"conv1_scale", "conv1_zero_point"}) {
        onnx::TensorProto* t = named_initializer(m, name);
        t->add_dims(2);
        t->set_raw_data(t->raw_data() + t->raw_data());
    }
    save("per_channel_activation.onnx", m);
    m = valid;
    compiler::write_onnx_floats(*m.mutable_graph()->add_initializer(), "other_scale", {}, {0.5f}, true);
    node_writing(m, "conv1")->set_input(1, "other_scale");
    save("dequantize_other_scale.onnx", m);
    m = valid;
    node_writing(m, "conv1")->set_output(0, "conv1_unused");
    for (onnx::NodeProto& n : *m.mutable_graph()->mutable_node())
        for (int i = 0; i < n.input_size(); ++i)
            if (n.input(i) == "conv1") n.set_input(i, "conv1_quantized");
    save("eight_bit_into_quantize.onnx", m);
    m = valid;
    m.mutable_graph()->mutable_output(0)->set_name("conv1_quantized");
    save("eight_bit_output.onnx", m);
    m = valid;
    compiler::write_onnx_floats(*named_initializer(m, "conv1_scale"), "conv1_scale", {}, {0.0f}, true);
    save("zero_scale.onnx", m);
    m = valid;
    compiler::write_onnx_floats(*named_initializer(m, "conv1_scale"), "conv1_scale", {}, {std::numeric_limits<float>::quiet_NaN()}, true);
    save("nan_scale.onnx", m);
    m = valid;
    named_initializer(m, "conv1_zero_point")->set_data_type(onnx::TensorProto_DataType_INT8);
    named_initializer(m, "conv1_zero_point")->set_name("conv1_signed_zero_point");
    compiler::write_onnx_integers(*m.mutable_graph()->add_initializer(), "conv1_zero_point", onnx::TensorProto_DataType_UINT8, {}, {0});
    node_writing(m, "conv1_quantized")->set_input(2, "conv1_signed_zero_point");
    save("zero_point_type.onnx", m);
}

}  // namespace sqz::test::corpus
