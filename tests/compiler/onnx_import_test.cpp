// The ONNX frontend: torch-exported SqueezeNets at several opsets against the same nets built
// directly, and each operator's attributes against the reference interpreter. Malformed files are
// in onnx_import_errors_test.cpp.
#include "compiler/frontends/onnx_import.h"
#include "ir/error.h"
#include "ir/interpreter.h"
#include "ir/stats.h"
#include "tests/compiler/onnx_import_support.h"

#include <algorithm>
#include <limits>
#include <map>

using namespace sqz;
using namespace sqz::test;
using compiler::parse_onnx;

namespace {

// all_ops_model (onnx_import_support.h) built directly.
ir::Graph all_ops_reference() {
    ir::GraphBuilder b("all_ops");
    std::string x = b.input("x", {ir::DType::F32, {4, 9, 9}});
    std::string r = b.relu("r", b.conv("c", x, 8, ir::square_window(3, 1, 1)));
    std::string mp = b.max_pool("mp", r, ir::square_window(3, 2), ir::Rounding::Ceil);
    std::string ap = b.avg_pool("ap", r, ir::square_window(3, 2), ir::Rounding::Ceil, true);
    std::string cat = b.concat("cat", {mp, ap});
    std::string sum = b.add("sum", cat, b.identity("id", cat));
    std::string grid = b.reshape("grid", b.global_avg_pool("gap", b.dropout("drop", sum)), {4, 4});
    b.output(b.softmax("prob", b.flatten("flat", grid)));
    ir::Graph g = b.finish();
    g.find_constant("c.weight")->bind(random_values(288, 21, -0.3f, 0.3f));
    g.find_constant("c.bias")->bind(random_values(8, 22));
    return g;
}

}  // namespace

TEST_CASE("every supported onnx operator against the same net built directly", "[compiler][onnx]") {
    ir::Graph g = import(all_ops_model());
    ir::Graph expected = all_ops_reference();
    expected.name = "torch_jit";
    expected.preprocess = g.preprocess;
    CHECK(ir::graphs_equal(g, expected, true));
    ir::Tensor x = random_input(g, 5);
    CHECK(max_relative_error(run(g, x), run(expected, x)) < 1e-12);
}

TEST_CASE("torchvision SqueezeNets exported by torch import at opsets 9 to 17", "[compiler][onnx]") {
    struct Expect {
        SqueezeNetSpec spec;
        int64_t params;
        int64_t macs_224;  // torchvision's conv10 has no padding, unlike Caffe v1.0's
        int64_t conv1_size;
    };
    // Caffe v1.0 at 227: 861,339,936 MACs; torchvision v1_0 at 227 drops 512*1000*(15*15 - 13*13) of
    // them (conv10 without its pad 1) to 832,667,936; at torchvision's 224 it is 818,924,576.
    const Expect cases[] = {{squeezenet1_0_spec(), 1'248'424, 818'924'576, 109},
                            {squeezenet1_1_spec(), 1'235'496, 349'151'936, 111}};
    for (const Expect& e : cases) {
        const std::vector<ConvWeights> w = squeezenet_weights(e.spec, 7);
        const ir::Graph reference = reference_squeezenet(e.spec, w, 64);
        const ir::Tensor input = random_input(reference, 11);
        const std::vector<double> expected = run(reference, input);
        for (int opset : {9, 11, 13, 17}) {
            INFO(e.spec.name << " at opset " << opset);
            const bool raw = opset != 11;
            ir::Graph g = import(torch_squeezenet(e.spec, w, opset, 224, raw));
            CHECK(g.name == "torch_jit");
            CHECK(g.batch == 1);
            REQUIRE(g.inputs.size() == 1);
            CHECK(g.inputs[0].name == "input.1");
            CHECK(g.inputs[0].type == ir::TensorType{ir::DType::F32, {3, 224, 224}});
            REQUIRE(g.outputs.size() == 1);
            CHECK(g.outputs[0] == (opset >= 13 ? "output" : "495"));
            CHECK(g.type_of(g.outputs[0]).dims == ir::Dims{1, 1000});
            CHECK(g.nodes[0].op == ir::OpKind::Conv);
            CHECK(g.nodes[0].name == (opset >= 13 ? "/features/features.0/Conv/Conv_output_0" : "input.2"));
            CHECK(g.nodes[0].type.dims == ir::Dims{1, e.spec.conv1_out, e.conv1_size, e.conv1_size});
            CHECK(g.weights_bound());
            const ir::GraphStats stats = ir::graph_stats(g);
            CHECK(stats.params == e.params);
            CHECK(stats.macs == e.macs_224);
            // Same operators in the same order as the directly built net.
            REQUIRE(g.nodes.size() == reference.nodes.size());
            for (size_t i = 0; i < g.nodes.size(); ++i) CHECK(g.nodes[i].op == reference.nodes[i].op);
            CHECK(op_counts(g)[ir::OpKind::Conv] == 26);
            CHECK(op_counts(g)[ir::OpKind::MaxPool] == 3);
            CHECK(op_counts(g)[ir::OpKind::Concat] == 8);
            CHECK(op_counts(g)[ir::OpKind::Dropout] == 1);
            // Every conv's weights bit for bit, in network order.
            size_t conv = 0;
            for (const ir::Node& n : g.nodes) {
                if (n.op != ir::OpKind::Conv) continue;
                CHECK(g.find_constant(n.name + ".weight")->data() == w.at(conv).weight);
                CHECK(g.find_constant(n.name + ".bias")->data() == w.at(conv).bias);
                CHECK(n.conv().window == reference.nodes[&n - g.nodes.data()].conv().window);
                ++conv;
            }
            // torchvision's preprocessing, as the header documents.
            CHECK(g.preprocess.channel_order == ir::Preprocess::Order::RGB);
            CHECK(g.preprocess.pixel_scale == 1.0 / 255.0);
            CHECK(g.preprocess.mean[2] == 0.406);
            CHECK(g.preprocess.std[0] == 0.229);

            // Numerics at a smaller resolution (the interpreter is a plain float64 loop nest).
            ir::Graph small = import(torch_squeezenet(e.spec, w, opset, 64, raw));
            CHECK(max_relative_error(run(small, input), expected) < 1e-12);
        }
    }
}

TEST_CASE("onnx max pool rounds its output size down or, with ceil_mode, up", "[compiler][onnx]") {
    for (int64_t ceil_mode : {0, 1}) {
        OnnxModel m(11);
        m.input("x", {2, 112, 112});
        onnx::NodeProto& p = m.node("MaxPool", {"x"}, {"y"}, "pool");
        set_attr(p, "kernel_shape", std::vector<int64_t>{3, 3});
        set_attr(p, "strides", std::vector<int64_t>{2, 2});
        set_attr(p, "ceil_mode", ceil_mode);
        m.output("y");
        ir::Graph g = import(m);
        const int64_t out = ceil_mode ? 56 : 55;
        CHECK(g.nodes[0].pool().rounding == (ceil_mode ? ir::Rounding::Ceil : ir::Rounding::Floor));
        REQUIRE(g.nodes[0].type.dims == ir::Dims{1, 2, out, out});
        ir::Tensor x = random_input(g, 3);
        std::vector<double> y = run(g, x);
        // Direct max over each window, clipped at the input's edge (only the last ceil window is).
        for (int64_t c = 0; c < 2; ++c)
            for (int64_t oy = 0; oy < out; ++oy)
                for (int64_t ox = 0; ox < out; ++ox) {
                    float m_ = -std::numeric_limits<float>::infinity();
                    for (int64_t iy = 2 * oy; iy < std::min<int64_t>(2 * oy + 3, 112); ++iy)
                        for (int64_t ix = 2 * ox; ix < std::min<int64_t>(2 * ox + 3, 112); ++ix)
                            m_ = std::max(m_, x.data[static_cast<size_t>((c * 112 + iy) * 112 + ix)]);
                    REQUIRE(y[static_cast<size_t>((c * out + oy) * out + ox)] == m_);
                }
    }
}

TEST_CASE("onnx average pool with and without count_include_pad", "[compiler][onnx]") {
    for (int64_t include_pad : {0, 1}) {
        OnnxModel m(13);
        m.input("x", {1, 5, 5});
        onnx::NodeProto& p = m.node("AveragePool", {"x"}, {"y"}, "avg");
        set_attr(p, "kernel_shape", std::vector<int64_t>{3, 3});
        set_attr(p, "strides", std::vector<int64_t>{2, 2});
        set_attr(p, "pads", std::vector<int64_t>{1, 1, 1, 1});
        set_attr(p, "count_include_pad", include_pad);
        m.output("y");
        ir::Graph g = import(m);
        CHECK(g.nodes[0].pool().count_include_pad == (include_pad == 1));
        std::vector<double> y = run(g, {{1, 1, 5, 5}, std::vector<float>(25, 1.0f)});
        REQUIRE(y.size() == 9);
        // Corner windows see 4 of their 9 elements inside the input; the centre one sees all 9.
        CHECK(y[0] == Approx(include_pad ? 4.0 / 9.0 : 1.0));
        CHECK(y[1] == Approx(include_pad ? 6.0 / 9.0 : 1.0));
        CHECK(y[4] == 1.0);
    }
}

TEST_CASE("onnx conv reads pads, strides, auto_pad and an omitted kernel_shape", "[compiler][onnx]") {
    struct Case {
        const char* auto_pad;
        int64_t size;
        ir::Window window;
    };
    // SAME: output ceil(in / stride); the odd padding pixel goes last (UPPER) or first (LOWER).
    const Case cases[] = {{"SAME_UPPER", 7, {3, 3, 2, 2, 1, 1, 1, 1}},
                          {"SAME_UPPER", 8, {3, 3, 2, 2, 0, 0, 1, 1}},
                          {"SAME_LOWER", 8, {3, 3, 2, 2, 1, 1, 0, 0}},
                          {"VALID", 8, {3, 3, 2, 2, 0, 0, 0, 0}},
                          {"NOTSET", 8, {3, 3, 2, 2, 1, 0, 2, 1}}};
    for (const Case& c : cases) {
        INFO(c.auto_pad << " on " << c.size);
        OnnxModel m(13);
        m.input("input.1", {2, c.size, c.size});
        m.initializer("onnx::Conv_7", {4, 2, 3, 3}, random_values(72, 5));
        onnx::NodeProto& n = m.node("Conv", {"input.1", "onnx::Conv_7", ""}, {"onnx::Relu_8"});
        set_attr(n, "strides", std::vector<int64_t>{2, 2});
        set_attr_string(n, "auto_pad", c.auto_pad);
        if (std::string(c.auto_pad) == "NOTSET") set_attr(n, "pads", std::vector<int64_t>{1, 0, 2, 1});
        m.output("onnx::Relu_8");
        ir::Graph g = import(m);
        REQUIRE(g.nodes.size() == 1);
        CHECK(g.nodes[0].name == "onnx::Relu_8");
        CHECK(g.nodes[0].inputs == std::vector<std::string>{"input.1", "onnx::Relu_8.weight"});
        CHECK(g.nodes[0].conv().window == c.window);
        if (std::string(c.auto_pad).rfind("SAME", 0) == 0)
            CHECK(g.nodes[0].type.dims[2] == (c.size + 1) / 2);
    }
}

TEST_CASE("onnx initializers in raw_data and in float_data give the same weights", "[compiler][onnx]") {
    std::vector<float> values = random_values(18, 1);
    values[0] = -0.0f;
    values[1] = std::numeric_limits<float>::denorm_min();
    values[2] = 3.0e38f;
    for (bool raw : {true, false}) {
        OnnxModel m = tiny_conv_model(13, raw);
        m.graph().mutable_initializer(0)->Clear();
        OnnxModel::fill_floats(*m.graph().mutable_initializer(0), "w", {2, 1, 3, 3}, values, raw);
        CHECK(m.graph().initializer(0).has_raw_data() == raw);
        ir::Graph g = import(m);
        const std::vector<float>& w = g.find_constant("c.weight")->data();
        REQUIRE(w.size() == 18);
        CHECK(std::memcmp(w.data(), values.data(), 18 * sizeof(float)) == 0);
        CHECK(g.find_constant("c.bias")->data() == std::vector<float>{0.25f, -0.5f});
    }
}

TEST_CASE("onnx reshape takes its shape from an initializer or a Constant node", "[compiler][onnx]") {
    struct Case {
        const char* how;
        std::vector<int64_t> shape;
        ir::OpKind op;
        ir::Dims dims;
    };
    const Case cases[] = {{"initializer raw", {0, -1}, ir::OpKind::Flatten, {1, 36}},
                          {"initializer int64_data", {1, 36}, ir::OpKind::Flatten, {1, 36}},
                          {"Constant value", {0, 4, 9}, ir::OpKind::Reshape, {1, 4, 9}},
                          {"Constant value_ints", {-1, 6, 6}, ir::OpKind::Reshape, {1, 6, 6}}};
    for (const Case& c : cases) {
        INFO(c.how);
        const std::string how = c.how;
        OnnxModel m(13);
        m.input("x", {4, 3, 3});
        m.node("Relu", {"x"}, {"r"});
        if (how == "initializer raw") m.int64_initializer("shape", c.shape, true);
        if (how == "initializer int64_data") m.int64_initializer("shape", c.shape, false);
        if (how == "Constant value") {
            onnx::NodeProto& k = m.node("Constant", {}, {"shape"});
            onnx::AttributeProto* a = k.add_attribute();
            a->set_name("value");
            a->set_type(onnx::AttributeProto::TENSOR);
            OnnxModel::fill_int64s(*a->mutable_t(), "", c.shape, true);
        }
        if (how == "Constant value_ints") set_attr(m.node("Constant", {}, {"shape"}), "value_ints", c.shape);
        m.node("Reshape", {"r", "shape"}, {"y"});
        m.output("y");
        ir::Graph g = import(m);
        REQUIRE(g.nodes.size() == 2);
        CHECK(g.nodes[1].op == c.op);
        CHECK(g.nodes[1].type.dims == c.dims);
        ir::Tensor x = random_input(g, 2);
        std::vector<double> y = run(g, x);
        for (size_t i = 0; i < y.size(); ++i) REQUIRE(y[i] == std::max(0.0f, x.data[i]));
    }
    auto reshape_error = [](std::vector<int64_t> shape) {
        OnnxModel m(13);
        m.input("x", {4, 3, 3});
        m.int64_initializer("shape", shape);
        m.node("Reshape", {"x", "shape"}, {"y"});
        m.output("y");
        return import_error(m);
    };
    CHECK(reshape_error({-1}) == "m.onnx: node 'y' (op Reshape): reshaping [1,4,3,3] to [36] does not keep the batch "
                                 "dimension first");
    CHECK(reshape_error({0, 7}) == "m.onnx: node 'y' (op Reshape): cannot reshape [1,4,3,3] to [0,7]");
    CHECK(reshape_error({0, -1, -1}) == "m.onnx: node 'y' (op Reshape): shape [0,-1,-1] has dimension -1");
}

TEST_CASE("onnx dropout at opsets 7 and 13 is inference-mode only", "[compiler][onnx]") {
    auto model = [](int opset, bool mask_used, bool training) {
        OnnxModel m(opset);
        m.input("x", {3, 2, 2});
        std::vector<std::string> inputs{"x"};
        if (opset >= 12) {
            m.initializer("ratio", {}, {0.5f});
            m.bool_initializer("training_mode", training);
            inputs = {"x", "ratio", "training_mode"};
        }
        onnx::NodeProto& d = m.node("Dropout", inputs, {"y", "mask"}, "drop");
        if (opset < 12) set_attr_float(d, "ratio", 0.3f);
        m.output("y");
        if (mask_used) m.output("mask");
        return m;
    };
    for (int opset : {7, 13}) {
        ir::Graph g = import(model(opset, false, false));
        REQUIRE(g.nodes.size() == 1);
        CHECK(g.nodes[0].op == ir::OpKind::Dropout);
        CHECK(g.nodes[0].name == "y");
        CHECK(import_error(model(opset, true, false)) ==
              "m.onnx: node 'drop' (op Dropout): its mask output 'mask' is used; sqzc supports inference-mode "
              "Dropout only");
    }
    CHECK(import_error(model(13, false, true)) ==
          "m.onnx: node 'drop' (op Dropout): training_mode is true; sqzc supports inference-mode Dropout only");
}

TEST_CASE("onnx softmax at opsets 11 and 13", "[compiler][onnx]") {
    // A per-sample shape of rank 1 is made by flattening [C,1,1].
    auto model = [](int opset, ir::Dims dims, int64_t axis) {
        OnnxModel m(opset);
        std::string x = "x";
        if (dims.size() == 1) {
            m.input("x", {dims[0], 1, 1});
            set_attr(m.node("Flatten", {"x"}, {"flat"}), "axis", int64_t{1});
            x = "flat";
        } else {
            m.input("x", dims);
        }
        onnx::NodeProto& s = m.node("Softmax", {x}, {"y"}, "prob");
        if (axis != 99) set_attr(s, "axis", axis);
        m.output("y");
        return m;
    };
    // Opset 11 coerces to 2-D: fine for [N,C] and for [N,C,1,1].
    CHECK(import(model(11, {10}, 99)).nodes[1].softmax().axis == 1);
    CHECK(import(model(11, {10, 1, 1}, 1)).nodes[0].softmax().axis == 1);
    CHECK(import(model(11, {10}, -1)).nodes[1].softmax().axis == 1);
    CHECK(import_error(model(11, {10, 2, 2}, 99)) ==
          "m.onnx: node 'prob' (op Softmax): at opset 11 softmax over axis 1 of [1,10,2,2] normalises several axes "
          "together; unsupported");
    // Opset 13: one axis, by default the last.
    CHECK(import(model(13, {10, 2, 2}, 99)).nodes[0].softmax().axis == 3);
    ir::Graph g = import(model(13, {10, 2, 2}, 1));
    CHECK(g.nodes[0].softmax().axis == 1);
    std::vector<double> y = run(g, random_input(g, 4));
    for (size_t pixel = 0; pixel < 4; ++pixel) {
        double sum = 0;
        for (size_t c = 0; c < 10; ++c) sum += y[c * 4 + pixel];
        CHECK(sum == Approx(1.0).epsilon(1e-12));
    }
    CHECK(import_error(model(13, {10}, 0)) ==
          "m.onnx: node 'prob' (op Softmax): softmax over the batch axis is unsupported");
}

TEST_CASE("onnx graph inputs, names, ordering and metadata", "[compiler][onnx]") {
    SECTION("a numeric batch imports as batch 1; the graph name falls back to the file stem") {
        OnnxModel m = tiny_conv_model();
        m.graph().set_name("");
        input_dim(m, 0)->set_dim_value(8);
        ir::Graph g = parse_onnx(m.bytes(), "/models/tiny net.onnx");
        CHECK(g.name == "tiny net");
        CHECK(g.batch == 1);
        CHECK(g.type_of("x").dims == ir::Dims{1, 1, 5, 5});
    }
    SECTION("nodes listed out of order are sorted") {
        OnnxModel m = tiny_conv_model();
        m.graph().mutable_node()->SwapElements(0, 1);
        ir::Graph g = import(m);
        REQUIRE(g.nodes.size() == 2);
        CHECK(g.nodes[0].name == "c");
        CHECK(g.nodes[1].name == "y");
    }
    SECTION("metadata overrides the preprocessing") {
        OnnxModel m = tiny_conv_model();
        auto add = [&](const char* k, const char* v) {
            onnx::StringStringEntryProto* e = m.proto.add_metadata_props();
            e->set_key(k);
            e->set_value(v);
        };
        add("preprocess.channel_order", "BGR");
        add("preprocess.mean", "104, 117,123");
        ir::Graph g = import(m);
        CHECK(g.preprocess.channel_order == ir::Preprocess::Order::BGR);
        CHECK(g.preprocess.mean[1] == 117.0);
        CHECK(g.preprocess.std[1] == 0.224);
        add("preprocess.std", "1,2");
        CHECK(import_error(m) ==
              "m.onnx: metadata 'preprocess.std' is '1,2', expected three positive numbers separated by commas");
    }
    SECTION("identity of an initializer is still a constant weight") {
        OnnxModel m = tiny_conv_model();
        m.node("Identity", {"w"}, {"w2"});
        m.graph().mutable_node()->SwapElements(0, 2);
        m.graph().mutable_node(2)->set_input(1, "w2");
        ir::Graph g = import(m);
        CHECK(g.nodes.size() == 2);
        CHECK(g.find_constant("c.weight")->data() == random_values(18, 1));
    }
}
