// The reference interpreter on small cases worked out by hand.
#include "ir/builder.h"
#include "ir/interpreter.h"
#include "tests/support.h"

using namespace sqz;
using namespace sqz::ir;

namespace {

std::vector<double> run1(const Graph& g, const std::vector<float>& input) {
    Tensor in{g.type_of(g.inputs[0].name).dims, input};
    return interpret(g, {in}).at(0).data;
}

std::vector<float> iota(int n) {
    std::vector<float> v(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) v[static_cast<size_t>(i)] = static_cast<float>(i);
    return v;
}

}  // namespace

TEST_CASE("conv: stride, asymmetric padding, bias and fused relu", "[ir][interpret]") {
    GraphBuilder b("conv");
    auto x = b.input("x", {DType::F32, {1, 3, 3}});
    b.output(b.conv("c", x, 2, Window{2, 2, 2, 1, 1, 0, 0, 1}));
    Graph g = b.finish();
    g.find_constant("c.weight")->bind({1, 0, 0, 1, /*second filter*/ -1, -1, -1, -1});
    g.find_constant("c.bias")->bind({0.5f, 1.0f});
    // Input 0..8 as 3x3; padded top 1, right 1: rows -1..2, cols 0..3; output 2x3 (stride 2 rows, 1 cols).
    auto y = run1(g, iota(9));
    // Filter 1: x[r][c] + x[r+1][c+1] over the padded map; row -1 is zero.
    std::vector<double> expected1 = {0.5 + 0 + 1, 0.5 + 0 + 2, 0.5 + 0 + 0, 0.5 + 3 + 7, 0.5 + 4 + 8, 0.5 + 5 + 0};
    std::vector<double> expected2 = {1 - 1, 1 - 3, 1 - 2, 1 - 3 - 4 - 6 - 7, 1 - 4 - 5 - 7 - 8, 1 - 5 - 8};
    for (size_t i = 0; i < 6; ++i) {
        CHECK(y[i] == Approx(expected1[i]));
        CHECK(y[6 + i] == Approx(expected2[i]));
    }
    g.nodes[0].conv().relu = true;
    auto yr = run1(g, iota(9));
    for (size_t i = 0; i < 6; ++i) CHECK(yr[6 + i] == Approx(std::max(0.0, expected2[i])));
}

TEST_CASE("max pool clips windows at the border in ceil mode", "[ir][interpret]") {
    GraphBuilder b("pool");
    auto x = b.input("x", {DType::F32, {1, 4, 4}});
    b.output(b.max_pool("p", x, square_window(3, 2), Rounding::Ceil));
    auto y = run1(b.finish(), iota(16));
    // Windows start at 0 and 2; the second is clipped to rows/cols 2..3.
    CHECK(y == std::vector<double>{10, 11, 14, 15});
}

TEST_CASE("average pool divisors with and without padding", "[ir][interpret]") {
    for (bool include_pad : {false, true}) {
        GraphBuilder b("avg");
        auto x = b.input("x", {DType::F32, {1, 3, 3}});
        b.output(b.avg_pool("a", x, square_window(2, 2, 1), Rounding::Ceil, include_pad));
        auto y = run1(b.finish(), std::vector<float>(9, 1.0f));
        REQUIRE(y.size() == 4);
        // Top-left window covers one input element and three padded ones.
        CHECK(y[0] == Approx(include_pad ? 0.25 : 1.0));
        // Bottom-right window covers rows 1..2: entirely inside.
        CHECK(y[3] == Approx(1.0));
    }
    // Caffe-style: a ceil-mode window running past the padded extent is clipped there.
    GraphBuilder b("caffe_avg");
    auto x = b.input("x", {DType::F32, {1, 4, 4}});
    b.output(b.avg_pool("a", x, square_window(3, 2), Rounding::Ceil, true));
    auto y = run1(b.finish(), std::vector<float>(16, 2.0f));
    CHECK(y == std::vector<double>{2, 2, 2, 2});
}

TEST_CASE("global average pool, concat, add, softmax, flatten", "[ir][interpret]") {
    GraphBuilder b("misc", 2);
    auto x = b.input("x", {DType::F32, {2, 2, 2}});
    auto g = b.global_avg_pool("g", x);
    auto c = b.concat("c", {g, g});
    auto a = b.add("a", c, c);
    auto f = b.flatten("f", a);
    b.output(b.softmax("s", f));
    b.output(f);
    Graph graph = b.finish();
    Tensor in{{2, 2, 2, 2}, iota(16)};
    auto outs = interpret(graph, {in});
    // Means per (n, c): 1.5, 5.5, 9.5, 13.5; concat doubles the channels; add doubles the values.
    CHECK(outs[1].dims == Dims{2, 4});
    CHECK(outs[1].data == std::vector<double>{3, 11, 3, 11, 19, 27, 19, 27});
    double z = 2 * std::exp(3.0) + 2 * std::exp(11.0);
    CHECK(outs[0].data[0] == Approx(std::exp(3.0) / z));
    CHECK(outs[0].data[1] == Approx(std::exp(11.0) / z));
    double sum = 0;
    for (int i = 4; i < 8; ++i) sum += outs[0].data[static_cast<size_t>(i)];
    CHECK(sum == Approx(1.0));
}

TEST_CASE("interpreter refuses inputs of the wrong shape", "[ir][interpret]") {
    GraphBuilder b("g");
    auto x = b.input("x", {DType::F32, {1, 2, 2}});
    b.output(b.relu("r", x));
    Graph g = b.finish();
    CHECK_THROWS_WITH(interpret(g, {Tensor{{1, 1, 2, 3}, std::vector<float>(6)}}),
                      "input 'x' has shape [1,1,2,3] with 6 values, expected [1,1,2,2]");
}

TEST_CASE("8-bit roundings: a rounded conv input and a rounded value, as QuantizeLinear then DequantizeLinear", "[ir][interpret]") {
    GraphBuilder b("rounded");
    auto x = b.input("x", {DType::F32, {1, 1, 6}});
    b.output(b.conv("c", x, 1, square_window(1), false));
    Graph g = b.finish();
    g.find_constant("c.weight")->bind({1.0f});
    const Tensor input{{1, 1, 1, 6}, {0.125f, 0.375f, -0.625f, 100.0f, -100.0f, 0.2f}};
    // Scale 0.25, zero point 2: half to even (0.5 -> 0, 1.5 -> 2 steps), saturation at q = 0 and 255.
    g.find_node("c")->conv().quant.input_scale = 0.25;
    g.find_node("c")->conv().quant.input_zero_point = 2;
    CHECK(interpret(g, {input}).at(0).data == std::vector<double>{0.0, 0.5, -0.5, 63.25, -0.5, 0.25});
    g.find_node("c")->conv().quant = {};
    g.activation_quant["c"] = {0.25, 2};
    CHECK(interpret(g, {input}).at(0).data == std::vector<double>{0.0, 0.5, -0.5, 63.25, -0.5, 0.25});
    g.activation_quant.clear();
    g.activation_quant["x"] = {0.5, 0};  // the input itself: negative values clamp at 0
    CHECK(interpret(g, {input}).at(0).data == std::vector<double>{0.0, 0.5, 0.0, 100.0, 0.0, 0.0});
}
