// The QDQ form of int8 graphs: ONNX's checker and shape inference accept it, it is laid out as
// ONNX Runtime's quantizer lays out QDQ models (per-channel INT8 weights, INT32 biases, UINT8
// activations with zero point 0), an imported quantized model goes out with its own scales, and
// what ONNX cannot say is refused.
#include "compiler/driver.h"
#include "compiler/exporters/onnx_export.h"
#include "compiler/frontends/onnx_import.h"
#include "compiler/random_weights.h"
#include "compiler/frontends/sqz_description.h"
#include "ir/error.h"
#include "ir/interpreter.h"
#include "tests/compiler/onnx_qdq_models.h"

#include <onnx/checker.h>
#include <onnx/shape_inference/implementation.h>

#include <map>

using namespace sqz;

namespace {

ir::Graph int8_form(const ir::Graph& g) {
    compiler::CompileOptions o;
    o.precision = compiler::Precision::Int8;
    return compiler::prepare(g, o);
}

// test::kInt8FireSqz with the second Fire module's bypass none, simple or complex.
ir::Graph fire_model(const std::string& bypass) {
    std::string text = test::kInt8FireSqz;
    text.replace(text.find("bypass=simple"), 13, "bypass=" + bypass);
    ir::Graph g = compiler::parse_sqz(text, "fires.sqz");
    compiler::bind_random_weights(g, 3);
    return g;
}

onnx::ModelProto checked(const std::string& bytes) {
    onnx::ModelProto m;
    REQUIRE(m.ParseFromString(bytes));
    REQUIRE_NOTHROW(onnx::checker::check_model(m));
    REQUIRE_NOTHROW(onnx::shape_inference::InferShapes(m, onnx::OpSchemaRegistry::Instance(),
                                                       onnx::ShapeInferenceOptions(true, 1, false)));
    return m;
}

std::map<std::string, int> op_counts(const onnx::ModelProto& m) {
    std::map<std::string, int> counts;
    for (const onnx::NodeProto& n : m.graph().node()) ++counts[n.op_type()];
    return counts;
}

const onnx::TensorProto& initializer(const onnx::ModelProto& m, const std::string& name) {
    for (const onnx::TensorProto& t : m.graph().initializer())
        if (t.name() == name) return t;
    FAIL("no initializer " << name);
    throw;
}

const onnx::NodeProto& producer(const onnx::ModelProto& m, const std::string& output) {
    for (const onnx::NodeProto& n : m.graph().node())
        if (n.output(0) == output) return n;
    FAIL("no node writes " << output);
    throw;
}

}  // namespace

TEST_CASE("int8 graphs export as QDQ models that ONNX's checker accepts", "[compiler][onnx][qdq]") {
    for (const char* bypass : {"none", "simple", "complex"}) {
        INFO("bypass " << bypass);
        const ir::Graph q = int8_form(fire_model(bypass));
        const onnx::ModelProto m = checked(compiler::export_onnx(q));
        CHECK(m.opset_import(0).version() == 13);
        const auto ops = op_counts(m);
        CHECK(ops.at("Conv") == (std::string(bypass) == "complex" ? 9 : 8));
        CHECK(ops.at("QuantizeLinear") >= 6);
        CHECK(ops.at("DequantizeLinear") > ops.at("QuantizeLinear"));  // and one per int8 weight and bias
        const int adds = std::string(bypass) == "none" ? 0 : 1;
        CHECK((ops.count("Add") ? ops.at("Add") : 0) == adds);
        // An int8 conv: per-channel INT8 weights and INT32 biases, dequantized along axis 0.
        const onnx::NodeProto& squeeze = producer(m, "fire2/squeeze1x1_conv");
        const onnx::NodeProto& w = producer(m, squeeze.input(1));
        CHECK(w.op_type() == "DequantizeLinear");
        CHECK(initializer(m, w.input(0)).data_type() == onnx::TensorProto_DataType_INT8);
        CHECK(initializer(m, w.input(1)).dims(0) == 8);
        CHECK(initializer(m, w.input(2)).data_type() == onnx::TensorProto_DataType_INT8);
        CHECK(initializer(m, producer(m, squeeze.input(2)).input(0)).data_type() == onnx::TensorProto_DataType_INT32);
        // conv1 quantizes the image (UINT8 with the zero point calibration gave it), computes with
        // int8 weights, and quantizes its output (UINT8, zero point 0).
        const onnx::NodeProto& conv1 = producer(m, "conv1_conv");
        CHECK(initializer(m, producer(m, conv1.input(1)).input(0)).data_type() == onnx::TensorProto_DataType_INT8);
        const onnx::NodeProto& image = producer(m, producer(m, conv1.input(0)).input(0));
        CHECK(image.op_type() == "QuantizeLinear");
        CHECK(image.input(0) == "data");
        const ir::Node& qconv1 = *q.find_node("conv1");
        CHECK(qconv1.conv().quant.int8_input);
        CHECK(qconv1.conv().quant.input_zero_point > 0);  // the test pattern is signed
        CHECK(initializer(m, image.input(2)).raw_data() ==
              std::string(1, static_cast<char>(qconv1.conv().quant.input_zero_point)));
        const onnx::NodeProto& dq = producer(m, "conv1");
        CHECK(dq.op_type() == "DequantizeLinear");
        CHECK(initializer(m, dq.input(2)).data_type() == onnx::TensorProto_DataType_UINT8);
        // No float copy of an int8 conv's weights.
        for (const onnx::TensorProto& t : m.graph().initializer()) CHECK(t.name() != "fire2/squeeze1x1.weight");
    }
}

TEST_CASE("an imported quantized model exports with its own scales, image rounding included", "[compiler][onnx][qdq]") {
    test::QdqFireOptions o;
    o.signed_activations = true;
    const ir::Graph g = compiler::parse_onnx(test::qdq_fire_model(o).bytes(), "fire.onnx");
    const ir::Graph q = int8_form(g);
    const onnx::ModelProto m = checked(compiler::export_onnx(q));
    // The image is quantized as the model quantizes it: scale 1/64, zero point 128 (UINT8 for INT8 0).
    const onnx::NodeProto& rounding = producer(m, "conv1_input_quantized");
    CHECK(rounding.op_type() == "QuantizeLinear");
    CHECK(rounding.input(0) == "data");
    CHECK(initializer(m, rounding.input(2)).raw_data() == std::string(1, static_cast<char>(128)));
    // Imported again, it computes the same int8 graph.
    const ir::Graph back = int8_form(compiler::parse_onnx(m.SerializeAsString(), "again.onnx"));
    for (uint64_t seed = 1; seed <= 2; ++seed) {
        const ir::Tensor x = test::qdq_fire_input(seed);
        CHECK(ir::interpret(back, {x}).at(0).data == ir::interpret(q, {x}).at(0).data);
    }
}

TEST_CASE("QDQ export refuses what ONNX cannot state", "[compiler][onnx][qdq]") {
    const ir::Graph q = int8_form(fire_model("simple"));
    compiler::OnnxExportOptions o;
    o.opset = 12;
    CHECK_THROWS_WITH(compiler::export_onnx(q, o), "cannot export int8 graph 'fires' at opset 12: its per-channel "
                                                   "DequantizeLinear needs opset 13 or later");
    // A quantized model still rounding its activations: its int8 form or its float model, not both.
    ir::Graph g = compiler::parse_onnx(test::qdq_fire_model().bytes(), "fire.onnx");
    CHECK_THROWS_WITH(compiler::export_onnx(g),
                      "cannot export graph 'torch_jit': it still rounds activations as an imported quantized model does; "
                      "export it with --precision int8 (its int8 form) or float32");
    g.activation_quant.clear();
    CHECK_NOTHROW(checked(compiler::export_onnx(g)));
}
