// Quantized ONNX models (QDQ and QLinear) into the IR: what the import makes of them (roundings,
// int8 weights), the interpreter's evaluation against the ONNX definition computed here, the int8
// form compiler::prepare gives (exact where sqzc represents the model exactly, one warning line
// where it approximates), and the refusals.
#include "compiler/driver.h"
#include "compiler/frontends/onnx_import.h"
#include "ir/error.h"
#include "ir/interpreter.h"
#include "tests/compiler/onnx_qdq_models.h"

#include <cmath>

using namespace sqz;
using namespace sqz::test;

namespace {

const std::string kFile = "q.onnx";

ir::Graph import(const OnnxModel& m) { return compiler::parse_onnx(m.bytes(), kFile); }

std::string import_error(const OnnxModel& m) {
    try {
        compiler::parse_onnx(m.bytes(), kFile);
    } catch (const Error& e) {
        return e.what();
    }
    return "no error";
}

std::vector<double> run(const ir::Graph& g, const ir::Tensor& input) { return ir::interpret(g, {input}).at(0).data; }

// The int8 form, with the warning line it printed (empty if none).
ir::Graph int8_form(const ir::Graph& g, std::string& warning) {
    compiler::CompileOptions o;
    o.precision = compiler::Precision::Int8;
    warning.clear();
    o.warn = [&](const std::string& w) { warning += w; };
    return compiler::prepare(g, o);
}

double max_relative(const std::vector<double>& a, const std::vector<double>& ref) {
    double diff = 0, scale = 0;
    for (size_t i = 0; i < ref.size(); ++i) diff = std::max(diff, std::fabs(a[i] - ref[i])), scale = std::max(scale, std::fabs(ref[i]));
    return diff / scale;
}

size_t best(const std::vector<double>& v) { return static_cast<size_t>(std::max_element(v.begin(), v.end()) - v.begin()); }

// data -> QDQ -> conv1 (3x3, 4 channels) -> QDQ -> output, the smallest quantized model.
OnnxModel small_model(bool per_channel = true, bool signed_activations = false) {
    QdqBuilder b;
    b.signed_activations = signed_activations;
    b.m.input("data", {3, 6, 6});
    std::string x = b.qdq("data", 1.0f / 64, signed_activations ? 0 : 128);
    x = b.qdq(b.conv("conv1", x, 3, 4, 3, 1, 0, 1.0f / 64, per_channel, 5), 1.0f / 32, b.relu_zero_point());
    b.m.output(x);
    return b.m;
}

onnx::TensorProto* initializer(OnnxModel& m, const std::string& name) {
    for (onnx::TensorProto& t : *m.graph().mutable_initializer())
        if (t.name() == name) return &t;
    FAIL("no initializer " << name);
    return nullptr;
}

onnx::NodeProto* node(OnnxModel& m, const std::string& name) {
    for (onnx::NodeProto& n : *m.graph().mutable_node())
        if (n.name() == name) return &n;
    FAIL("no node " << name);
    return nullptr;
}

}  // namespace

TEST_CASE("a QDQ model imports as its float graph, its roundings and its int8 weights", "[compiler][onnx][qdq]") {
    for (const bool per_channel : {true, false}) {
        INFO("per channel " << per_channel);
        OnnxModel m = small_model(per_channel);
        const ir::Graph g = import(m);
        // Conv, and the output (a DequantizeLinear output) as an Identity of the conv's values.
        REQUIRE(g.nodes.size() == 2);
        CHECK(g.nodes[0].name == "conv1");
        CHECK(g.nodes[1].op == ir::OpKind::Identity);
        CHECK(g.outputs == std::vector<std::string>{"conv1_DequantizeLinear_Output"});
        // The image rounds with zero point 128, the conv's output with 0.
        const std::map<std::string, ir::ActivationQuant> want = {{"data", {1.0 / 64, 128}}, {"conv1", {1.0 / 32, 0}}};
        CHECK(g.activation_quant == want);

        const ir::Constant& w = *g.find_constant("conv1.weight");
        REQUIRE(w.int8 != nullptr);
        const std::vector<int32_t> q = [&] {
            std::vector<int32_t> v;
            const std::string& raw = initializer(m, "conv1.weight_quantized")->raw_data();
            for (char c : raw) v.push_back(static_cast<int8_t>(c));
            return v;
        }();
        CHECK(std::vector<int32_t>(w.int8->values.begin(), w.int8->values.end()) == q);
        REQUIRE(w.int8->scales.size() == 4);
        for (size_t o = 0; o < 4; ++o) {
            const float s = per_channel ? w.int8->scales[o] : w.int8->scales[0];
            CHECK(w.int8->scales[o] == s);
            CHECK(w.data()[o * 27] == static_cast<float>(q[o * 27]) * s);
        }
        if (!per_channel) CHECK(w.int8->scales[0] == w.int8->scales[3]);
        // The bias: INT32 in units of input scale x weight scale, as float.
        const ir::Constant& bias = *g.find_constant("conv1.bias");
        CHECK(bias.int8 == nullptr);
        CHECK(std::fabs(bias.data()[0]) < 0.11);
    }
}

TEST_CASE("signed 8-bit activations round like unsigned ones with the zero point moved by 128", "[compiler][onnx][qdq]") {
    const ir::Graph g = import(small_model(true, true));
    // INT8 with zero point 0 (the image) and -128 (after a ReLU).
    const std::map<std::string, ir::ActivationQuant> want = {{"data", {1.0 / 64, 128}}, {"conv1", {1.0 / 32, 0}}};
    CHECK(g.activation_quant == want);
    const ir::Tensor x = qdq_fire_input(3);
    ir::Tensor small{{1, 3, 6, 6}, std::vector<float>(x.data.begin(), x.data.begin() + 108)};
    CHECK(run(g, small) == run(import(small_model(true, false)), small));
}

TEST_CASE("the interpreter evaluates a QDQ model as ONNX defines it", "[compiler][onnx][qdq][reference]") {
    // data -> Q(1/8, 100) -> DQ -> 1x1 conv (2 -> 2) -> Q(1/4, 3) -> DQ, evaluated here from the
    // operators' definitions: round half to even, saturate to [0, 255], then (q - zero point) x scale.
    QdqBuilder b;
    b.m.input("data", {2, 3, 3});
    std::string x = b.qdq("data", 0.125f, 100);
    x = b.qdq(b.conv("c", x, 2, 2, 1, 1, 0, 0.125f, true, 9), 0.25f, 3);
    b.m.output(x);
    const ir::Graph g = import(b.m);
    ir::Tensor input{{1, 2, 3, 3}, {}};
    // Ties (k + 0.5 steps), values past the grid's ends, and plain values.
    for (float v : {0.0625f, 0.1875f, -0.0625f, -12.5f, -13.0f, 20.0f, 19.0f, 1.01f, -3.3f, 0.3125f, 2.0625f, 5.5f,
                    -7.77f, 0.0f, 1e-3f, 6.4375f, -0.1875f, 3.0f})
        input.data.push_back(v);
    auto quantize = [](double v, double s, int z) {
        return (std::clamp(std::nearbyint(v / s) + z, 0.0, 255.0) - z) * s;
    };
    const ir::Constant& w = *g.find_constant("c.weight");
    const ir::Constant& bias = *g.find_constant("c.bias");
    std::vector<double> want;
    for (int o = 0; o < 2; ++o)
        for (int p = 0; p < 9; ++p) {
            double sum = bias.data()[static_cast<size_t>(o)];
            for (int c = 0; c < 2; ++c)
                sum += static_cast<double>(w.data()[static_cast<size_t>(o * 2 + c)]) *
                       quantize(input.data[static_cast<size_t>(c * 9 + p)], 0.125, 100);
            want.push_back(quantize(sum, 0.25, 3));
        }
    CHECK(run(g, input) == want);
}

TEST_CASE("QLinear operators import as the QDQ model they stand for", "[compiler][onnx][qdq]") {
    // data -> QuantizeLinear -> QLinearConv (3x3) -> QLinearConv (1x1) -> QLinearAdd (of both) ->
    // QLinearConcat -> MaxPool (on 8 bits) -> QLinearGlobalAveragePool -> DequantizeLinear.
    const float s_in = 1.0f / 64, s1 = 1.0f / 32, s2 = 1.0f / 16, s3 = 1.0f / 8;
    auto qlinear = [&]() {
        OnnxModel m(13);
        m.input("data", {3, 6, 6});
        auto grid = [&](const std::string& name, float s, int32_t z) {
            m.initializer(name + "_s", {}, {s});
            integer_initializer(m, name + "_z", onnx::TensorProto_DataType_UINT8, {}, {z});
        };
        grid("in", s_in, 128), grid("a", s1, 0), grid("b", s2, 0), grid("c", s3, 0), grid("p", s3 / 2, 10);
        m.node("QuantizeLinear", {"data", "in_s", "in_z"}, {"xq"}, "quantize");
        auto conv = [&](const std::string& name, const std::string& x, const std::string& xg, const std::string& yg,
                        int64_t in, int64_t out, int64_t k, float x_scale) {
            std::vector<int32_t> q;
            for (float v : random_values(static_cast<size_t>(out * in * k * k), 40 + out, -127, 127)) q.push_back(static_cast<int32_t>(v));
            integer_initializer(m, name + "_w", onnx::TensorProto_DataType_INT8, {out, in, k, k}, q);
            std::vector<float> ws;
            for (int64_t o = 0; o < out; ++o) ws.push_back(0.01f + 0.001f * static_cast<float>(o));
            m.initializer(name + "_ws", {out}, ws);
            integer_initializer(m, name + "_wz", onnx::TensorProto_DataType_INT8, {out}, std::vector<int32_t>(static_cast<size_t>(out), 0));
            std::vector<int32_t> bias;
            for (int64_t o = 0; o < out; ++o) bias.push_back(static_cast<int32_t>(o * 37 - 50));
            integer_initializer(m, name + "_b", onnx::TensorProto_DataType_INT32, {out}, bias);
            onnx::NodeProto& n = m.node("QLinearConv", {x, xg + "_s", xg + "_z", name + "_w", name + "_ws", name + "_wz",
                                                        yg + "_s", yg + "_z", name + "_b"}, {name}, name);
            set_attr(n, "pads", std::vector<int64_t>{k / 2, k / 2, k / 2, k / 2});
            (void)x_scale;
        };
        conv("c1", "xq", "in", "a", 3, 4, 3, s_in);
        conv("c2", "c1", "a", "b", 4, 4, 1, s1);
        m.node("QLinearAdd", {"c1", "a_s", "a_z", "c2", "b_s", "b_z", "c_s", "c_z"}, {"sum"}, "add")
            .set_domain("com.microsoft");
        onnx::NodeProto& cat = m.node("QLinearConcat", {"c_s", "c_z", "sum", "c_s", "c_z", "sum", "c_s", "c_z"}, {"cat"}, "cat");
        cat.set_domain("com.microsoft");
        set_attr(cat, "axis", int64_t{1});
        onnx::NodeProto& pool = m.node("MaxPool", {"cat"}, {"pool"}, "pool");
        set_attr(pool, "kernel_shape", std::vector<int64_t>{2, 2});
        set_attr(pool, "strides", std::vector<int64_t>{2, 2});
        m.node("QLinearGlobalAveragePool", {"pool", "c_s", "c_z", "p_s", "p_z"}, {"gap"}, "gap").set_domain("com.microsoft");
        m.node("DequantizeLinear", {"gap", "p_s", "p_z"}, {"y"}, "dequantize");
        m.output("y");
        return m;
    }();
    const ir::Graph g = import(qlinear);
    std::map<ir::OpKind, int> ops;
    for (const ir::Node& n : g.nodes) ++ops[n.op];
    CHECK(ops[ir::OpKind::Conv] == 2);
    CHECK(ops[ir::OpKind::Add] == 1);
    CHECK(ops[ir::OpKind::Concat] == 1);
    CHECK(ops[ir::OpKind::MaxPool] == 1);
    CHECK(ops[ir::OpKind::GlobalAvgPool] == 1);
    CHECK(g.activation_quant.at("data") == ir::ActivationQuant{s_in, 128});
    CHECK(g.activation_quant.at("c1") == ir::ActivationQuant{s1, 0});
    CHECK(g.activation_quant.at("sum") == ir::ActivationQuant{s3, 0});
    CHECK(g.activation_quant.at("pool") == ir::ActivationQuant{s3, 0});  // a max pool keeps its input's grid
    CHECK(g.activation_quant.at("gap") == ir::ActivationQuant{s3 / 2, 10});
    // The bias of c2 (INT32 in units of s1 x 0.01 for channel 0) as float.
    CHECK(g.find_constant("c2.bias")->data()[0] == static_cast<float>(-50) * (s1 * 0.01f));
    CHECK(g.find_constant("c2.weight")->int8 != nullptr);
    // Every value lies on its grid.
    const std::vector<double> y = run(g, ir::Tensor{{1, 3, 6, 6}, random_values(108, 3, -2, 2)});
    for (double v : y) CHECK(std::fabs(std::nearbyint(v / (s3 / 2)) - v / (s3 / 2)) < 1e-9);

    // Its int8 form: c1 quantises the image and computes in integers, c2 reads c1 as u8. This model saturates its 8-bit grids heavily (its weights are
    // large for their scales), so merging c2's own rounding into the sum's (the fused residual
    // epilogue) moves outputs by many steps; the warning says exactly what is approximated.
    std::string warning;
    const ir::Graph q = int8_form(g, warning);
    int int8_convs = 0;
    for (const ir::Node& n : q.nodes) int8_convs += n.op == ir::OpKind::Conv && n.conv().quant.int8_input;
    CHECK(int8_convs == 2);
    CHECK(warning == "the int8 form of quantized model 'torch_jit' approximates it: 1 int8 convolution requantises in "
                     "fixed point, rounding half up, where ONNX rounds float32 values half to even (a value at a "
                     "rounding boundary can land one step apart); kept in float32 where the model rounds to 8 bits: "
                     "c2, cat, pool, gap; roundings merged into the next one (sqzc rounds once): c2");
}

TEST_CASE("the int8 form of a QDQ model computes the model where sqzc represents it exactly", "[compiler][onnx][qdq][int8]") {
    for (const bool per_channel : {true, false})
        for (const bool signed_activations : {false, true})
            for (const bool relu_nodes : {false, true}) {
                INFO("per channel " << per_channel << ", signed " << signed_activations << ", relu " << relu_nodes);
                QdqFireOptions o;
                o.per_channel = per_channel, o.signed_activations = signed_activations, o.relu_nodes = relu_nodes;
                const ir::Graph g = import(qdq_fire_model(o));
                std::string warning;
                const ir::Graph q = int8_form(g, warning);
                // conv1 quantises the image (zero point 128) and writes u8; the other convs read u8.
                int int8_convs = 0, u8_outputs = 0;
                for (const ir::Node& n : q.nodes) {
                    if (n.op != ir::OpKind::Conv) continue;
                    int8_convs += n.conv().quant.int8_input;
                    u8_outputs += n.conv().quant.u8_output;
                    if (n.name == "conv1") {
                        CHECK(n.conv().quant.int8_input);
                        CHECK(q.type_of(n.inputs[0]).dtype == ir::DType::F32);
                        CHECK(n.conv().quant.input_zero_point == 128);
                    }
                }
                CHECK(int8_convs == 8);
                CHECK(u8_outputs == 7);  // all but conv10, whose output the pooling averages
                // Only the fixed-point requantisation differs from ONNX's float rounding.
                CHECK(warning == "the int8 form of quantized model 'torch_jit' approximates it: 7 int8 convolutions "
                                 "requantise in fixed point, rounding half up, where ONNX rounds float32 values half to "
                                 "even (a value at a rounding boundary can land one step apart)");
                for (uint64_t seed = 1; seed <= 3; ++seed) {
                    const ir::Tensor x = qdq_fire_input(seed);
                    CHECK(max_relative(run(q, x), run(g, x)) < 1e-5);
                }
            }
}

TEST_CASE("what the int8 form of a QDQ model approximates is named in one warning line", "[compiler][onnx][qdq][int8]") {
    QdqFireOptions o;
    o.concat_scale_shared = false;  // the expand convs round to their own scale before the concat
    o.quantize_tail = true;         // the classifier and the pooling round to 8 bits (sqzc keeps them float)
    const ir::Graph g = import(qdq_fire_model(o));
    std::string warning;
    const ir::Graph q = int8_form(g, warning);
    CHECK_THAT(warning, Catch::StartsWith("the int8 form of quantized model 'torch_jit' approximates it: 7 int8 "
                                          "convolutions requantise in fixed point"));
    CHECK_THAT(warning, Catch::Contains("; kept in float32 where the model rounds to 8 bits: conv10, pool10"));
    CHECK_THAT(warning, Catch::Contains("; roundings merged into the next one (sqzc rounds once): fire2/expand1x1, "
                                        "fire2/expand3x3, fire3/expand1x1, fire3/expand3x3"));
    CHECK(warning.find('\n') == std::string::npos);
    // Within a few steps of the classifier's grid, and the same best class.
    for (uint64_t seed = 1; seed <= 3; ++seed) {
        const ir::Tensor x = qdq_fire_input(seed);
        const std::vector<double> want = run(g, x), got = run(q, x);
        CHECK(max_relative(got, want) < 0.1);
        CHECK(best(got) == best(want));
    }
}

TEST_CASE("quantized ONNX models sqzc cannot represent are refused with the node and the reason", "[compiler][onnx][qdq]") {
    auto mutated = [](auto change) {
        OnnxModel m = small_model();
        change(m);
        return import_error(m);
    };
    CHECK(mutated([](OnnxModel& m) {
              integer_initializer(m, "w_zp", onnx::TensorProto_DataType_INT8, {4}, {0, 3, 0, 0});
              node(m, "conv1.weight_DequantizeLinear")->set_input(2, "w_zp");
          }) == "q.onnx: node 'conv1' (op Conv): weight 'conv1.weight' has zero point 3 (asymmetric); sqzc's int8 "
                "weights are symmetric (zero point 0, values in [-127, 127], one scale per output channel or tensor)");
    CHECK_THAT(mutated([](OnnxModel& m) {
                   std::string raw = initializer(m, "conv1.weight_quantized")->raw_data();
                   raw[5] = static_cast<char>(-128);
                   initializer(m, "conv1.weight_quantized")->set_raw_data(raw);
               }),
               Catch::StartsWith("q.onnx: node 'conv1' (op Conv): weight 'conv1.weight' holds the value -128"));
    CHECK(mutated([](OnnxModel& m) {
              m.initializer("s3", {3}, {0.1f, 0.2f, 0.3f});
              integer_initializer(m, "z3", onnx::TensorProto_DataType_UINT8, {3}, {1, 2, 3});
              node(m, "data_QuantizeLinear")->set_input(1, "s3");
              node(m, "data_QuantizeLinear")->set_input(2, "z3");
          }) == "q.onnx: node 'data_QuantizeLinear' (op QuantizeLinear): activation 'data' has per-channel scales; "
                "sqzc quantizes activations per tensor");
    CHECK(mutated([](OnnxModel& m) {
              m.initializer("other_scale", {}, {0.5f});
              node(m, "data_DequantizeLinear")->set_input(1, "other_scale");
          }) == "q.onnx: node 'data_DequantizeLinear' (op DequantizeLinear): reads 'data_QuantizeLinear_Output' with "
                "scale 0.5 and zero point 128, but it was quantized with scale 0.015625 and zero point 128");
    CHECK(mutated([](OnnxModel& m) { node(m, "conv1")->set_input(0, "data_QuantizeLinear_Output"); }) ==
          "q.onnx: node 'conv1' (op Conv): input 'data_QuantizeLinear_Output' is an 8-bit tensor; sqzc reads those "
          "through DequantizeLinear or a QLinear operator (MaxPool, Concat, Flatten, Reshape and Identity may pass "
          "them on)");
    CHECK(mutated([](OnnxModel& m) { m.graph().mutable_output(0)->set_name("conv1_QuantizeLinear_Output"); }) ==
          "q.onnx: graph output 'conv1_QuantizeLinear_Output' is an 8-bit tensor; sqzc's outputs are float (end the "
          "model with DequantizeLinear)");
    CHECK(mutated([](OnnxModel& m) {
              m.node("Identity", {"data"}, {"computed_scale"}, "not_constant");
              node(m, "data_QuantizeLinear")->set_input(1, "computed_scale");
          }) == "q.onnx: node 'data_QuantizeLinear' (op QuantizeLinear): scale 'computed_scale' is not a constant; sqzc "
                "needs constant quantisation parameters");
    CHECK(mutated([](OnnxModel& m) {
              integer_initializer(m, "bz", onnx::TensorProto_DataType_INT32, {4}, {0, 0, 1, 0});
              node(m, "conv1.bias_DequantizeLinear")->set_input(2, "bz");
          }) == "q.onnx: node 'conv1.bias_DequantizeLinear' (op DequantizeLinear): an INT32 tensor needs zero point 0");
    CHECK(mutated([](OnnxModel& m) {
              integer_initializer(m, "u8_zp", onnx::TensorProto_DataType_UINT8, {}, {128});
              node(m, "data_DequantizeLinear")->set_input(2, "u8_zp");
              integer_initializer(m, "s8_zp", onnx::TensorProto_DataType_INT8, {}, {0});
              node(m, "data_QuantizeLinear")->set_input(2, "s8_zp");
          }) == "q.onnx: node 'data_DequantizeLinear' (op DequantizeLinear): zero point 'u8_zp' is UINT8, but the "
                "tensor it describes is INT8");
    CHECK(mutated([](OnnxModel& m) { m.proto.mutable_opset_import(0)->set_version(9); }) ==
          "q.onnx: node 'data_QuantizeLinear' (op QuantizeLinear): QuantizeLinear needs opset 10 or later; the model "
          "imports opset 9");
    CHECK(mutated([](OnnxModel& m) {
              onnx::NodeProto* n = node(m, "conv1.weight_DequantizeLinear");
              n->clear_attribute();
              set_attr(*n, "axis", int64_t{1});
          }) == "q.onnx: node 'conv1.weight_DequantizeLinear' (op DequantizeLinear): 4 per-channel scales do not fit "
                "axis 1 of [4,3,3,3]");
    CHECK(mutated([](OnnxModel& m) {
              onnx::NodeProto& n = *m.graph().add_node();
              n.set_op_type("QLinearConcat");
              n.set_domain("com.microsoft");
              n.set_name("cat");
              n.add_input("conv1_scale"), n.add_input("conv1_zero_point"), n.add_input("conv1_QuantizeLinear_Output");
              n.add_input("conv1_scale");
              n.add_output("cat");
          }) == "q.onnx: node 'cat' (op QLinearConcat): has 4 inputs; QLinearConcat takes Y_scale, Y_zero_point, then (X, "
                "X_scale, X_zero_point) for each input");
}
