// The IR text form: printing and parsing back gives an equal graph; malformed text is reported
// with file:line:col.
#include "ir/builder.h"
#include "ir/error.h"
#include "ir/text_form.h"
#include "tests/support.h"

using namespace sqz;
using namespace sqz::ir;

namespace {

// A graph using every operator at least once.
Graph every_op_graph() {
    GraphBuilder b("every op", 2);
    auto x = b.input("data", {DType::F32, {3, 17, 19}});
    auto c = b.conv("conv1", x, 8, Window{3, 3, 2, 2, 1, 0, 1, 0});
    auto r = b.relu("relu1", c);
    auto p = b.max_pool("pool1", r, square_window(3, 2), Rounding::Ceil);
    auto s = b.conv("fire/squeeze", p, 4, square_window(1), false);
    auto e1 = b.conv("fire/e1", s, 6, square_window(1));
    auto e3 = b.conv("fire/e3", s, 6, square_window(3, 1, 1));
    auto cat = b.concat("fire/concat", {e1, e3});
    auto byp = b.conv("bypass", p, 12, square_window(1));
    auto sum = b.add("fire/add", cat, byp);
    auto d = b.dropout("drop", sum);
    auto a = b.avg_pool("avg", d, square_window(2, 2, 1), Rounding::Floor, true);
    auto g = b.global_avg_pool("gap", a);
    auto f = b.flatten("flat", g);
    auto rs = b.reshape("\"odd\" name:1", f, {3, 4});
    auto i = b.identity("id", rs);
    b.output(b.softmax("prob", i, 2));
    Graph graph = b.finish();
    uint64_t seed = 1;
    for (Constant& k : graph.constants) k.bind(test::random_values(static_cast<size_t>(k.type.numel()), seed++));
    return graph;
}

}  // namespace

TEST_CASE("text form round-trips a graph with every operator", "[ir][text]") {
    Graph g = every_op_graph();
    std::string text = print_graph(g);
    Graph back = parse_graph(text, "every_op.sqzir");
    CHECK(graphs_equal(g, back, false));
    CHECK_FALSE(back.weights_bound());
    CHECK(print_graph(back) == text);
}

TEST_CASE("text form round-trips fused forms: residuals, in-place concat, groups, layout", "[ir][text]") {
    const std::string text = R"(sqzir 1
graph fused batch=1 layout=nhwc
preprocess order=rgb scale=0.00392156862745098 mean=0.485,0.456,0.406 std=0.229,0.224,0.225
input x : f32[4,6,6]
const w1 : f32[3,4,1,1]
const w2 : f32[1,4,3,3]
const b2 : f32[1]
node a = conv(x, w1, x) [out=3 kernel=1x1 stride=1x1 pads=0,0,0,0 relu residual_offset=1] {group=g1} : f32[1,3,6,6]
node b = conv(x, w2, b2, x) [out=1 kernel=3x3 stride=1x1 pads=1,1,1,1 residual_offset=0] {group=g1} : f32[1,1,6,6]
node c = concat(a, b) [axis=1 in_place] {group="odd group"} : f32[1,4,6,6]
output c
)";
    Graph g = parse_graph(text, "fused.sqzir");
    CHECK(g.layout == ActivationLayout::NHWC);
    CHECK(g.find_node("a")->conv().residual);
    CHECK(g.find_node("a")->conv().residual_offset == 1);
    CHECK(g.find_node("b")->has_bias());
    CHECK_FALSE(g.find_node("a")->has_bias());
    CHECK(g.find_node("c")->concat().in_place);
    CHECK(g.find_node("c")->group == "odd group");
    CHECK(print_graph(g) == text);
    CHECK_THROWS_WITH(parse_graph(text.substr(0, text.find("output")) + "node d = conv(x, w1, x) [out=3 kernel=1x1 "
                                  "stride=1x1 pads=0,0,0,0 residual_offset=2] : f32[1,3,6,6]\noutput d\n", "bad.sqzir"),
                      Catch::Contains("residual 'x' of type f32[1,4,6,6] has no channels 2..4"));
}

TEST_CASE("text form with values round-trips bit-exactly", "[ir][text]") {
    Graph g = every_op_graph();
    auto cb = std::make_shared<CodebookWeights>();
    cb->codebook = {0.0f, 0.5f, -0.25f};
    cb->codes = {1, 2, 0, 1};
    cb->gaps = {0, 2, 1, 1};
    Constant& bias = *g.find_constant("conv1.bias");
    bias.bind(cb->decode(bias.type.numel()));
    bias.codebook = cb;
    Graph back = parse_graph(print_graph(g, {true}), "values.sqzir");
    CHECK(graphs_equal(g, back, true));
    REQUIRE(back.find_constant("conv1.bias")->codebook);
    CHECK(*back.find_constant("conv1.bias")->codebook == *cb);
}

TEST_CASE("text form reports errors with file, line and column", "[ir][text]") {
    const std::string head = "sqzir 1\ngraph g batch=1\ninput x : f32[3,8,8]\n";
    auto error_of = [](const std::string& text) {
        try {
            parse_graph(text, "bad.sqzir");
        } catch (const Error& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    CHECK(error_of("graph g batch=1\n") == "bad.sqzir:1:1: expected 'sqzir', found 'graph'");
    CHECK(error_of(head + "node r = frobnicate(x) : f32[1,3,8,8]\noutput r\n") ==
          "bad.sqzir:4:10: unknown operator 'frobnicate'");
    CHECK(error_of(head + "node r = relu(x) : f32[1,3,8,9]\noutput r\n") ==
          "bad.sqzir:4:1: node 'r' is written with type f32[1,3,8,9] but its inputs give f32[1,3,8,8]");
    CHECK(error_of(head + "node r = relu(y) : f32[1,3,8,8]\noutput r\n") ==
          "bad.sqzir:4:1: node 'r' reads 'y', which is not defined above it");
    CHECK(error_of(head + "node p = maxpool(x) [kernel=3x3 wobble] : f32[1,3,6,6]\n") ==
          "bad.sqzir:4:33: unknown attribute 'wobble' for operator 'maxpool'");
    CHECK(error_of(head + "const w : f32[2,3,1,1] = hex \"00\"\n") ==
          "bad.sqzir:4:30: constant values holds 1 bytes, expected 24 (6 float32 values)");
    CHECK(error_of(head + "input y : f32[0,3]\n") == "bad.sqzir:4:15: dimension 0 is out of range [1, 1000000]");
    CHECK(error_of(head + "input y : f32[1000000,1000000]\n") ==
          "bad.sqzir:4:11: tensor type has more than 1000000000 elements");
    CHECK(error_of(head + "node r = relu(x) : f32[1,3,8,8]\n") == "bad.sqzir: graph 'g' has no outputs");
    CHECK(error_of(head + "name \"unterminated\n") == "bad.sqzir:4:6: unterminated string");
    CHECK(error_of(head + "\x01") == "bad.sqzir:4:1: unexpected byte 0x01");
}

TEST_CASE("text form round-trips quantized forms: int8 weights, rounded inputs, 8-bit roundings", "[ir][text]") {
    GraphBuilder b("quantized");
    auto x = b.input("data", {DType::F32, {3, 5, 5}});
    auto c = b.conv("c", x, 2, square_window(3));
    b.output(b.relu("r", c));
    Graph g = b.finish();
    Int8Weights w;
    for (int i = 0; i < 54; ++i) w.values.push_back(static_cast<int8_t>((i * 5) % 255 - 127));
    w.scales = {0.01f, 0.0375f};
    g.find_constant("c.weight")->bind_int8(w);
    g.find_constant("c.bias")->bind({0.5f, -0.25f});
    g.find_node("c")->conv().quant.input_scale = 1.0 / 64;
    g.find_node("c")->conv().quant.input_zero_point = 128;
    g.activation_quant["data"] = {0.015625, 128};
    g.activation_quant["r"] = {0.031012345, 3};
    const std::string text = print_graph(g, {true});
    CHECK_THAT(text, Catch::Contains("input_quant_scale=0.015625 input_zero_point=128"));
    CHECK_THAT(text, Catch::Contains("\nquant r scale=0.031012345 zero_point=3\n"));
    CHECK_THAT(text, Catch::Contains(" int8 hex \"81"));
    const Graph back = parse_graph(text, "quantized.sqzir");
    CHECK(graphs_equal(g, back, true));
    REQUIRE(back.find_constant("c.weight")->int8);
    CHECK(*back.find_constant("c.weight")->int8 == w);
    CHECK(print_graph(back, {true}) == text);

    // The same conv quantising its float input and computing in integers (the first int8 conv).
    g.find_node("c")->conv().quant.int8_input = true;
    const std::string int8_text = print_graph(g, {true});
    CHECK_THAT(int8_text, Catch::Contains("int8_input_scale=0.015625 input_zero_point=128"));
    CHECK(graphs_equal(g, parse_graph(int8_text, "int8.sqzir"), true));

    // An int8 form must dequantise to the values written beside it.
    std::string broken = text;
    const size_t at = broken.find(" int8 hex \"81") + 11;
    broken[at] = '0';
    CHECK_THROWS_WITH(parse_graph(broken, "bad.sqzir"),
                      Catch::StartsWith("bad.sqzir: constant 'c.weight': value 0 is not its int8 form's 1 x 0.01"));
    std::string zero_point = text;
    zero_point.replace(zero_point.find("zero_point=3"), 12, "zero_point=256");
    CHECK_THROWS_WITH(parse_graph(zero_point, "bad.sqzir"), Catch::Contains("zero point 256 is out of range [0, 255]"));
}
