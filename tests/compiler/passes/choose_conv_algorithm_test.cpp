// Pass choose-conv-algorithm and its cost model: which convolutions may use Winograd, what each
// mode picks, and that the cost model ranks the algorithms as bench/algorithm-times measured them
// on SqueezeNet's layers. (That the chosen algorithms compute the same function is checked where
// they are lowered: tests/codegen/winograd_test.cpp and jit_models_test.cpp.)
#include "compiler/driver.h"
#include "compiler/model_loader.h"
#include "compiler/passes/choose_conv_algorithm.h"
#include "compiler/passes/conv_cost_model.h"
#include "tests/compiler/passes/pass_test_support.h"

#include <algorithm>

using namespace sqz;

namespace {

// Three convs over channels-innermost activations: a 3x3 stride-1 one (eligible), a 3x3 stride-2
// one and a 1x1 one (not eligible).
const char* kGraph = R"(sqzir 1
graph g batch=1 layout=nhwc
input x : f32[16,27,27]
const w1 : f32[32,16,3,3]
const w2 : f32[32,32,3,3]
const w3 : f32[8,32,1,1]
node a = conv(x, w1) [out=32 kernel=3x3 stride=1x1 pads=1,1,1,1 relu] : f32[1,32,27,27]
node b = conv(a, w2) [out=32 kernel=3x3 stride=2x2 pads=0,0,0,0 relu] : f32[1,32,13,13]
node c = conv(b, w3) [out=8 kernel=1x1 stride=1x1 pads=0,0,0,0] : f32[1,8,13,13]
output c
)";

ir::ConvAlgorithm algorithm_of(const ir::Graph& g, const std::string& node) {
    for (const ir::Node& n : g.nodes)
        if (n.name == node) return n.conv().algorithm;
    FAIL("no node " << node);
    return ir::ConvAlgorithm::Direct;
}

}  // namespace

TEST_CASE("each mode picks the algorithm of the eligible conv and leaves the others direct",
          "[passes][choose-conv-algorithm]") {
    const ir::Graph before = test::graph_from_text(kGraph);
    REQUIRE(compiler::winograd_eligible(before, before.nodes[0]));
    CHECK_FALSE(compiler::winograd_eligible(before, before.nodes[1]));
    CHECK_FALSE(compiler::winograd_eligible(before, before.nodes[2]));
    const std::pair<const char*, ir::ConvAlgorithm> modes[] = {
        {"direct", ir::ConvAlgorithm::Direct},          {"winograd-f2", ir::ConvAlgorithm::WinogradF2},
        {"winograd-f4", ir::ConvAlgorithm::WinogradF4}, {"winograd-f6", ir::ConvAlgorithm::WinogradF6},
        {"winograd", ir::ConvAlgorithm::WinogradF4},    {"auto", ir::ConvAlgorithm::WinogradF4},
    };
    for (const auto& [mode, want] : modes) {
        INFO(mode);
        const ir::Graph after = compiler::choose_conv_algorithm(before, mode);
        CHECK(algorithm_of(after, "a") == want);
        CHECK(algorithm_of(after, "b") == ir::ConvAlgorithm::Direct);
        CHECK(algorithm_of(after, "c") == ir::ConvAlgorithm::Direct);
        CHECK(test::meaning_difference(before, after) == 0);  // the interpreter ignores the algorithm
    }
}

TEST_CASE("NCHW activations and unknown modes", "[passes][choose-conv-algorithm]") {
    std::string nchw = kGraph;
    nchw.replace(nchw.find(" layout=nhwc"), 12, "");
    const ir::Graph g = test::graph_from_text(nchw);
    CHECK_FALSE(compiler::winograd_eligible(g, g.nodes[0]));
    CHECK(algorithm_of(compiler::choose_conv_algorithm(g, "winograd-f4"), "a") == ir::ConvAlgorithm::Direct);
    CHECK_THROWS_WITH(compiler::choose_conv_algorithm(g, "winograd-f3"),
                      Catch::Contains("unknown convolution algorithm 'winograd-f3'") &&
                          Catch::Contains("direct, winograd, winograd-f2, winograd-f4, winograd-f6, auto"));
}

TEST_CASE("auto gives the expand3x3 convs of v1.0 and v1.1 Winograd, F2 on the smallest maps and F4 on the others, and int8 convs stay direct",
          "[passes][choose-conv-algorithm]") {
    for (const char* example : {"squeezenet_v1.0.sqz", "squeezenet_v1.1.sqz"}) {
        INFO(example);
        compiler::ModelOptions m;
        m.model_path = (test::source_dir() / "examples" / example).string();
        const ir::Graph loaded = compiler::load_model(m);
        compiler::CompileOptions options;
        const ir::Graph g = compiler::prepare(loaded, options);
        int winograd = 0;
        for (const ir::Node& n : g.nodes) {
            if (n.op != ir::OpKind::Conv) continue;
            INFO(n.name);
            const bool expand3x3 = n.name.find("expand3x3") != std::string::npos;
            const ir::ConvAlgorithm winograd_kind =
                n.type.dims[3] <= 14 ? ir::ConvAlgorithm::WinogradF2 : ir::ConvAlgorithm::WinogradF4;
            CHECK(n.conv().algorithm == (expand3x3 ? winograd_kind : ir::ConvAlgorithm::Direct));
            winograd += expand3x3;
        }
        CHECK(winograd == 8);
        options.precision = compiler::Precision::Int8;
        for (const ir::Node& n : compiler::prepare(loaded, options).nodes)
            if (n.op == ir::OpKind::Conv && n.conv().quant.any()) CHECK(n.conv().algorithm == ir::ConvAlgorithm::Direct);
    }
}

TEST_CASE("the cost model ranks the algorithms as measured on SqueezeNet's 3x3 layers", "[passes][cost-model]") {
    // bench/algorithm-times (conv_cost_model.cpp), each conv inside its model: F4 fastest at 27x27
    // and 55x55, F2 at 13x13 and 14x14 (where F4's weights are read once per tile row), F6 behind
    // both, direct slowest, by 1.4x to 2.5x.
    struct Case {
        compiler::ConvShape shape;
        ir::ConvAlgorithm fastest;
    };
    const Case cases[] = {{{1, 16, 64, 55, 55}, ir::ConvAlgorithm::WinogradF4},
                          {{1, 32, 128, 55, 55}, ir::ConvAlgorithm::WinogradF4},
                          {{1, 32, 128, 27, 27}, ir::ConvAlgorithm::WinogradF4},
                          {{1, 48, 192, 27, 27}, ir::ConvAlgorithm::WinogradF4},
                          {{1, 64, 256, 27, 27}, ir::ConvAlgorithm::WinogradF4},
                          {{1, 48, 192, 14, 14}, ir::ConvAlgorithm::WinogradF2},
                          {{1, 64, 256, 14, 14}, ir::ConvAlgorithm::WinogradF2},
                          {{1, 64, 256, 13, 13}, ir::ConvAlgorithm::WinogradF2}};
    for (const Case& c : cases) {
        const compiler::ConvShape& s = c.shape;
        INFO(s.in_channels << "->" << s.out_channels << " at " << s.out_width);
        const double direct = compiler::estimated_conv_us(s, ir::ConvAlgorithm::Direct);
        const double f2 = compiler::estimated_conv_us(s, ir::ConvAlgorithm::WinogradF2);
        const double f4 = compiler::estimated_conv_us(s, ir::ConvAlgorithm::WinogradF4);
        const double f6 = compiler::estimated_conv_us(s, ir::ConvAlgorithm::WinogradF6);
        const double best = compiler::estimated_conv_us(s, c.fastest);
        CHECK(best == std::min({f2, f4, f6, direct}));
        CHECK(f6 > std::min(f2, f4));
        CHECK(direct / best > 1.3);
        CHECK(direct / best < 3.0);
        // Winograd's time is affine in the tiles (the products, plus the weights read once),
        // direct convolution's in the pixels: maps of 1x, 2x and 4x the side.
        for (ir::ConvAlgorithm a : {ir::ConvAlgorithm::WinogradF4, ir::ConvAlgorithm::Direct}) {
            double t[3], units[3];
            for (int k = 0; k < 3; ++k) {
                compiler::ConvShape wider = s;
                wider.out_height = wider.out_width = s.out_width << k;
                t[k] = compiler::estimated_conv_us(wider, a);
                const double side = a == ir::ConvAlgorithm::Direct ? wider.out_width : std::ceil(wider.out_width / 4.0);
                units[k] = side * side;
            }
            CHECK(t[0] < t[1]);
            CHECK((t[2] - t[1]) / (t[1] - t[0]) == Approx((units[2] - units[1]) / (units[1] - units[0])));
        }
    }
}
