// The ONNX writer: graphs exported at every opset pass ONNX's own checker and shape inference,
// import back to the same graph (structure and values), compute the same outputs, and what ONNX
// cannot express is refused with a message naming the node.
#include "compiler/exporters/onnx_export.h"
#include "compiler/frontends/onnx_import.h"
#include "ir/error.h"
#include "ir/interpreter.h"
#include "tests/compiler/onnx_test_models.h"

#include <onnx/checker.h>
#include <onnx/shape_inference/implementation.h>

#include <map>

using namespace sqz;
using namespace sqz::test;
using compiler::export_onnx;
using compiler::OnnxExportOptions;
using compiler::parse_onnx;

namespace {

void bind_random(ir::Graph& g, uint64_t seed) {
    for (ir::Constant& c : g.constants) {
        float a = c.type.rank() == 4 ? 1.0f / std::sqrt(static_cast<float>(c.type.numel() / c.type.dims[0])) : 0.1f;
        c.bind(random_values(static_cast<size_t>(c.type.numel()), seed++, -a, a));
    }
}

// A small SqueezeNet-like net: Fire modules with a bypass Add, ceil-mode max pools, dropout, a
// padded final conv, an average pool that counts its padding, reshape, flatten and softmax.
ir::Graph fire_net(ir::Rounding rounding = ir::Rounding::Ceil) {
    ir::GraphBuilder b("fire_net");
    auto fire = [&](const std::string& p, const std::string& x) {
        std::string sq = b.relu(p + "/relu_squeeze1x1", b.conv(p + "/squeeze1x1", x, 8, ir::square_window(1)));
        std::string e1 = b.relu(p + "/relu_expand1x1", b.conv(p + "/expand1x1", sq, 16, ir::square_window(1)));
        std::string e3 = b.relu(p + "/relu_expand3x3", b.conv(p + "/expand3x3", sq, 16, ir::square_window(3, 1, 1)));
        return b.concat(p + "/concat", {e1, e3});
    };
    std::string x = b.input("input.1", {ir::DType::F32, {3, 33, 33}});
    x = b.relu("onnx::Relu_1", b.conv("conv1", x, 16, ir::square_window(3, 2)));  // 16x16
    x = b.max_pool("pool1", x, ir::square_window(3, 2), rounding);                 // ceil 8, floor 7
    std::string f2 = fire("fire2", x);
    std::string f3 = fire("fire3", f2);
    x = b.add("fire3/bypass", f3, f2);
    x = b.max_pool("pool3", x, ir::square_window(3, 2), rounding);
    x = b.identity("fire4/in", fire("fire4", x));
    x = b.dropout("drop9", x);
    x = b.relu("relu_conv10", b.conv("conv10", x, 10, ir::square_window(1, 1, 1)));
    x = b.avg_pool("pool10", x, ir::square_window(2, 2, 1), ir::Rounding::Floor, true);
    x = b.global_avg_pool("gap", x);
    x = b.flatten("flatten", b.reshape("reshape", x, {5, 2}));
    b.output(b.softmax("prob", x));
    ir::Graph g = b.finish();
    g.preprocess = ir::Preprocess{};  // Caffe's BGR means, which the ONNX import would not assume
    bind_random(g, 3);
    return g;
}

std::vector<double> run(const ir::Graph& g, const ir::Tensor& x) { return ir::interpret(g, {x}).at(0).data; }

onnx::ModelProto parse_model(const std::string& bytes) {
    onnx::ModelProto m;
    REQUIRE(m.ParseFromString(bytes));
    return m;
}

// ONNX's checker and strict shape inference accept the model, and every node output's inferred
// shape is [N, per-sample dims of the IR node].
void check_with_onnx(const std::string& bytes, const ir::Graph& g) {
    onnx::ModelProto m = parse_model(bytes);
    REQUIRE_NOTHROW(onnx::checker::check_model(m));
    REQUIRE_NOTHROW(onnx::shape_inference::InferShapes(m, onnx::OpSchemaRegistry::Instance(),
                                                       onnx::ShapeInferenceOptions(true, 1, false)));
    std::map<std::string, const onnx::TypeProto*> inferred;
    for (const onnx::ValueInfoProto& v : m.graph().value_info()) inferred[v.name()] = &v.type();
    for (const onnx::ValueInfoProto& v : m.graph().output()) inferred[v.name()] = &v.type();
    int checked = 0;
    for (const ir::Node& n : g.nodes) {
        auto it = inferred.find(n.name);
        if (it == inferred.end()) continue;
        const onnx::TensorShapeProto& shape = it->second->tensor_type().shape();
        INFO("node " << n.name);
        REQUIRE(shape.dim_size() == n.type.rank());
        CHECK(shape.dim(0).dim_param() == "N");
        for (int i = 1; i < shape.dim_size(); ++i)
            CHECK(shape.dim(i).dim_value() == n.type.dims[static_cast<size_t>(i)]);
        ++checked;
    }
    CHECK(checked == static_cast<int>(g.nodes.size()));
}

const onnx::NodeProto& find_node(const onnx::ModelProto& m, const std::string& output) {
    for (const onnx::NodeProto& n : m.graph().node())
        if (n.output(0) == output) return n;
    FAIL("no node writes " << output);
    throw;
}

std::vector<int64_t> ints(const onnx::NodeProto& n, const std::string& name) {
    for (const onnx::AttributeProto& a : n.attribute())
        if (a.name() == name) return {a.ints().begin(), a.ints().end()};
    return {};
}

int64_t int_attr(const onnx::NodeProto& n, const std::string& name, int64_t fallback) {
    for (const onnx::AttributeProto& a : n.attribute())
        if (a.name() == name) return a.i();
    return fallback;
}

std::string export_error(const ir::Graph& g, int opset) {
    try {
        export_onnx(g, {opset, true});
    } catch (const Error& e) {
        return e.what();
    }
    return "no error";
}

}  // namespace

TEST_CASE("a Fire net exported at opsets 10 to 17 imports back unchanged", "[compiler][onnx]") {
    const ir::Graph g = fire_net();
    const ir::Tensor x = random_input(g, 9);
    const std::vector<double> expected = run(g, x);
    for (int opset = 10; opset <= 17; ++opset) {
        for (bool raw : {true, false}) {
            INFO("opset " << opset << (raw ? " raw_data" : " float_data"));
            const std::string bytes = export_onnx(g, {opset, raw});
            check_with_onnx(bytes, g);
            ir::Graph back = parse_onnx(bytes, "fire_net.onnx");
            CHECK(ir::graphs_equal(g, back, true));
            CHECK(run(back, x) == expected);
        }
    }
}

TEST_CASE("the exported model's structure", "[compiler][onnx]") {
    const ir::Graph g = fire_net();
    const std::map<int, int64_t> ir_versions{{7, 3}, {8, 3}, {9, 4}, {10, 5}, {11, 6}, {12, 7}, {13, 7}, {17, 8}};
    for (auto [opset, ir_version] : ir_versions) {
        ir::Graph graph = opset < 10 ? fire_net(ir::Rounding::Floor) : g;
        onnx::ModelProto m = parse_model(export_onnx(graph, {opset, opset % 2 == 0}));
        INFO("opset " << opset);
        CHECK(m.ir_version() == ir_version);
        CHECK(m.producer_name() == "sqzc");
        REQUIRE(m.opset_import_size() == 1);
        CHECK(m.opset_import(0).domain().empty());
        CHECK(m.opset_import(0).version() == opset);
        CHECK(m.graph().name() == "fire_net");
        // Before IR version 4 every initializer is also a graph input.
        CHECK(m.graph().input_size() == 1 + (ir_version < 4 ? m.graph().initializer_size() : 0));
        const onnx::TensorShapeProto& in = m.graph().input(0).type().tensor_type().shape();
        REQUIRE(in.dim_size() == 4);
        CHECK(in.dim(0).dim_param() == "N");
        CHECK(in.dim(3).dim_value() == 33);
        CHECK(m.graph().output(0).name() == "prob");
        CHECK(m.graph().output(0).type().tensor_type().shape().dim(0).dim_param() == "N");
        CHECK(m.graph().initializer(0).has_raw_data() == (opset % 2 == 0));
        // 11 convs + the reshape's shape; Conv nodes carry their window.
        CHECK(m.graph().initializer_size() == 2 * 11 + 1);
        const onnx::NodeProto& conv10 = find_node(m, "conv10");
        CHECK(conv10.op_type() == "Conv");
        CHECK(conv10.input(1) == "conv10.weight");
        CHECK(ints(conv10, "pads") == std::vector<int64_t>{1, 1, 1, 1});
        CHECK(ints(conv10, "kernel_shape") == std::vector<int64_t>{1, 1});
        CHECK(int_attr(find_node(m, "pool1"), "ceil_mode", 0) == (opset >= 10 ? 1 : 0));
        CHECK(int_attr(find_node(m, "pool10"), "count_include_pad", -1) == 1);
        CHECK(find_node(m, "drop9").op_type() == "Dropout");
        CHECK(int_attr(find_node(m, "flatten"), "axis", -1) == 1);
        const onnx::NodeProto& reshape = find_node(m, "reshape");
        REQUIRE(reshape.input_size() == 2);
        ir::Graph back = parse_onnx(export_onnx(graph, {opset, true}), "x.onnx");
        CHECK(back.find_node("reshape")->reshape().shape == ir::Dims{5, 2});
        CHECK(back.preprocess == ir::Preprocess{});
    }
}

TEST_CASE("opsets 7 to 9: pools whose rounding matters need opset 10", "[compiler][onnx]") {
    const ir::Graph ceil = fire_net();
    const ir::Graph floor = fire_net(ir::Rounding::Floor);
    const ir::Tensor x = random_input(floor, 5);
    for (int opset : {7, 8, 9}) {
        INFO("opset " << opset);
        CHECK(export_error(ceil, opset) ==
              fmt::format("cannot export node 'pool1' (maxpool) of graph 'fire_net': it rounds its output size up "
                          "(ceil_mode), which ONNX supports from opset 10 on; asked for opset {}", opset));
        const std::string bytes = export_onnx(floor, {opset, true});
        check_with_onnx(bytes, floor);
        ir::Graph back = parse_onnx(bytes, "f.onnx");
        CHECK(ir::graphs_equal(floor, back, true));
        CHECK(run(back, x) == run(floor, x));
    }
    // A ceil pool on a size where rounding down gives the same windows is written without ceil_mode.
    ir::GraphBuilder b("same");
    b.output(b.max_pool("p", b.input("x", {ir::DType::F32, {2, 7, 7}}), ir::square_window(3, 2), ir::Rounding::Ceil));
    ir::Graph g = b.finish();
    ir::Graph back = parse_onnx(export_onnx(g, {9, true}), "same.onnx");
    CHECK(back.nodes[0].pool().rounding == ir::Rounding::Floor);
    CHECK(back.nodes[0].type == g.nodes[0].type);
    ir::Tensor in = random_input(g, 1);
    CHECK(run(back, in) == run(g, in));
}

TEST_CASE("torch-like SqueezeNets and the directly built ones round-trip", "[compiler][onnx]") {
    for (const SqueezeNetSpec& spec : {squeezenet1_0_spec(), squeezenet1_1_spec()}) {
        INFO(spec.name);
        const std::vector<ConvWeights> w = squeezenet_weights(spec, 2);
        const ir::Graph caffe_named = reference_squeezenet(spec, w, 64);
        const ir::Graph torch_named = parse_onnx(torch_squeezenet(spec, w, 17, 64).bytes(), "t.onnx");
        const ir::Tensor x = random_input(caffe_named, 6);
        const std::vector<double> expected = run(caffe_named, x);
        for (const ir::Graph* g : {&caffe_named, &torch_named}) {
            const std::string bytes = export_onnx(*g, {13, true});
            check_with_onnx(bytes, *g);
            ir::Graph back = parse_onnx(bytes, "s.onnx");
            CHECK(ir::graphs_equal(*g, back, true));
            CHECK(run(back, x) == expected);
        }
    }
}

TEST_CASE("a conv with fused relu exports as Conv then Relu", "[compiler][onnx]") {
    ir::GraphBuilder b("fused");
    std::string x = b.input("x", {ir::DType::F32, {3, 9, 9}});
    b.output(b.conv("c", b.conv("c_conv", x, 4, ir::square_window(3, 1, 1)), 5, ir::square_window(3, 2, 1)));
    ir::Graph g = b.finish();
    bind_random(g, 8);
    g.nodes[0].conv().relu = true;
    g.nodes[1].conv().relu = true;
    const std::string bytes = export_onnx(g);
    check_with_onnx(bytes, g);
    onnx::ModelProto m = parse_model(bytes);
    REQUIRE(m.graph().node_size() == 4);
    // "c_conv" is taken, so the first conv's pre-activation gets a fresh name.
    CHECK(m.graph().node(0).op_type() == "Conv");
    CHECK(m.graph().node(0).output(0) == "c_conv_conv");
    CHECK(m.graph().node(1).op_type() == "Relu");
    CHECK(m.graph().node(1).output(0) == "c_conv");
    CHECK(m.graph().node(2).output(0) == "c_conv_1");
    CHECK(m.graph().node(3).output(0) == "c");
    ir::Graph back = parse_onnx(bytes, "fused.onnx");
    REQUIRE(back.nodes.size() == 4);
    CHECK(back.nodes[3].op == ir::OpKind::Relu);
    ir::Tensor in = random_input(g, 2, -1, 1);
    std::vector<double> y = run(back, in);
    CHECK(y == run(g, in));
    CHECK(*std::min_element(y.begin(), y.end()) == 0.0);
}

TEST_CASE("average pools: count_include_pad is written only where ONNX means the same", "[compiler][onnx]") {
    auto pool_graph = [](int64_t size, ir::Window w, ir::Rounding r, bool include_pad) {
        ir::GraphBuilder b("avg");
        b.output(b.avg_pool("a", b.input("x", {ir::DType::F32, {2, size, size}}), w, r, include_pad));
        return b.finish();
    };
    // Caffe-style: ceil windows clipped at the unpadded edge divide by the elements inside, which
    // is ONNX's count_include_pad=0.
    ir::Graph caffe = pool_graph(4, ir::square_window(3, 2), ir::Rounding::Ceil, true);
    onnx::ModelProto m = parse_model(export_onnx(caffe));
    CHECK(int_attr(m.graph().node(0), "count_include_pad", -1) == 0);
    ir::Graph back = parse_onnx(export_onnx(caffe), "a.onnx");
    ir::Tensor x = random_input(caffe, 4);
    CHECK(run(back, x) == run(caffe, x));
    // Padding and no clipped window: count_include_pad=1 divides by the kernel size, as the IR does.
    ir::Graph padded = pool_graph(5, ir::square_window(3, 2, 1), ir::Rounding::Ceil, true);
    CHECK(int_attr(parse_model(export_onnx(padded)).graph().node(0), "count_include_pad", -1) == 1);
    x = random_input(padded, 4);
    CHECK(run(parse_onnx(export_onnx(padded), "p.onnx"), x) == run(padded, x));
    // Padding and a window past the padded input: ONNX has no exact equivalent.
    ir::Graph clipped = pool_graph(6, ir::square_window(3, 2, 1), ir::Rounding::Ceil, true);
    CHECK(export_error(clipped, 13) ==
          "cannot export node 'a' (avgpool) of graph 'avg': with count_include_pad, its last window runs past the "
          "padded input; ONNX does not define the divisor of such a window, so the pool cannot be written exactly");
    ir::Graph excluded = pool_graph(6, ir::square_window(3, 2, 1), ir::Rounding::Ceil, false);
    x = random_input(excluded, 4);
    CHECK(run(parse_onnx(export_onnx(excluded), "e.onnx"), x) == run(excluded, x));
}

TEST_CASE("onnx export refuses what it cannot write", "[compiler][onnx]") {
    ir::Graph g = fire_net();
    CHECK(export_error(g, 6) == "cannot export graph 'fire_net' at opset 6: sqzc writes ONNX opsets 7 to 17");
    CHECK(export_error(g, 18) == "cannot export graph 'fire_net' at opset 18: sqzc writes ONNX opsets 7 to 17");
    ir::Graph unbound = g;
    unbound.find_constant("fire3/expand3x3.weight")->values.reset();
    CHECK(export_error(unbound, 13) ==
          "cannot export graph 'fire_net': constant 'fire3/expand3x3.weight' has no values (weights must be bound)");

    ir::GraphBuilder b("soft");
    b.output(b.softmax("s", b.input("x", {ir::DType::F32, {4, 2, 2}}), 1));
    ir::Graph soft = b.finish();
    CHECK(export_error(soft, 12) ==
          "cannot export node 's' (softmax) of graph 'soft': before opset 13 ONNX's Softmax normalises all axes from "
          "1 on together, not axis 1 of [1,4,2,2] alone; export at opset 13 or later");
    ir::Tensor x = random_input(soft, 1);
    CHECK(run(parse_onnx(export_onnx(soft, {13, false}), "s.onnx"), x) == run(soft, x));
}
