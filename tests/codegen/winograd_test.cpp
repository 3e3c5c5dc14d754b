// Winograd convolution: its matrices and weight transform (runtime/winograd.h), and every
// Winograd algorithm through the JIT against the float64 reference, layer by layer, on odd sizes,
// with and without padding, with a fused ReLU and bypass residual, writing into an in-place concat
// slice, at batch 1 and 3, with channel counts that are not multiples of the vector width, and with
// V of a row on the stack or (rows too wide) of the whole map in a workspace.
#include "codegen/jit_model.h"
#include "codegen/winograd_workspace.h"
#include "compiler/random_weights.h"
#include "compiler/frontends/sqz_description.h"
#include "compiler/pass_manager.h"
#include "ir/builder.h"
#include "ir/interpreter.h"
#include "ir/resize.h"
#include "runtime/winograd.h"
#include "tests/support.h"

#include <cmath>

using namespace sqz;
using ir::ConvAlgorithm;

namespace {

constexpr ConvAlgorithm kWinograd[] = {ConvAlgorithm::WinogradF2, ConvAlgorithm::WinogradF4, ConvAlgorithm::WinogradF6};

// Max |jit - reference| / max |reference| of the graph after the passes, with `algorithm` forced.
double jit_error(ir::Graph graph, ConvAlgorithm algorithm, int threads = 2, int64_t batch = 1) {
    if (batch != 1) graph = ir::with_batch(graph, batch);
    compiler::bind_random_weights(graph, 7);
    const ir::Tensor input = test::random_input(graph, 11, 0.0f, 1.0f);
    compiler::PassOptions passes;
    passes.conv_algorithm = std::string(ir::conv_algorithm_name(algorithm));
    const ir::Graph optimized = compiler::optimize(graph, passes);
    int winograd_convs = 0;
    for (const ir::Node& n : optimized.nodes)
        winograd_convs += n.op == ir::OpKind::Conv && n.conv().algorithm == algorithm;
    if (algorithm != ConvAlgorithm::Direct) REQUIRE(winograd_convs > 0);
    codegen::JitOptions options;
    options.threads = threads;
    const auto jit = codegen::make_jit_engine(optimized, options);
    const std::vector<ir::Tensor> got = jit->run({input});
    const std::vector<ir::TensorF64> want = ir::interpret(graph, {input});
    REQUIRE(got.at(0).dims == want.at(0).dims);
    return ir::max_relative_error(got[0].data, want[0].data);
}

// A 1x1 squeeze (so that the 3x3 conv reads a bordered arena slot, as in a Fire module) and the
// 3x3 conv under test.
ir::Graph squeeze_expand(int in_c, int size, int out_c, ir::Window window, bool relu) {
    ir::GraphBuilder b("layer");
    auto x = b.input("x", {ir::DType::F32, {in_c, size, size}});
    auto s = b.relu("s_relu", b.conv("s", x, in_c, ir::square_window(1)));
    auto e = b.conv("e", s, out_c, window);
    b.output(relu ? b.softmax("prob", b.relu("e_relu", e)) : e);
    return b.finish();
}

// Tolerance for one layer: the transforms' rounding grows with the tile.
double layer_tolerance(ConvAlgorithm a) { return a == ConvAlgorithm::WinogradF6 ? 3e-5 : 1e-5; }

}  // namespace

TEST_CASE("Winograd matrices: F(2,3) and F(4,3) are Lavin and Gray's, and every tile is exact", "[winograd]") {
    const runtime::WinogradMatrices f2 = runtime::winograd_matrices(2);
    const double bt2[4][4] = {{-1, 0, 1, 0}, {0, 1, 1, 0}, {0, -1, 1, 0}, {0, -1, 0, 1}};
    for (int i = 0; i < 4; ++i)
        for (int j = 0; j < 4; ++j) CHECK(f2.BT[i][j] == bt2[i][j]);
    const runtime::WinogradMatrices f4 = runtime::winograd_matrices(4);
    const double bt4[6][6] = {{4, 0, -5, 0, 1, 0},  {0, -4, -4, 1, 1, 0}, {0, 4, -4, -1, 1, 0},
                              {0, -2, -1, 2, 1, 0}, {0, 2, -1, -2, 1, 0}, {0, 4, 0, -5, 0, 1}};
    const double at4[4][6] = {{1, 1, 1, 1, 1, 0}, {0, 1, -1, 2, -2, 0}, {0, 1, 1, 4, 4, 0}, {0, 1, -1, 8, -8, 1}};
    for (int i = 0; i < 6; ++i)
        for (int j = 0; j < 6; ++j) CHECK(f4.BT[i][j] == bt4[i][j]);
    for (int i = 0; i < 4; ++i)
        for (int j = 0; j < 6; ++j) CHECK(f4.AT[i][j] == at4[i][j]);
    CHECK(f4.G[0][0] == 0.25);
    CHECK(f4.G[1][0] == -1.0 / 6);
    CHECK(f4.G[3][0] == 1.0 / 24);
    CHECK(runtime::winograd_matrices(3).n == 0);

    // The 1-D identity y = AT [(G g) .* (BT d)] in double, for every supported tile.
    for (int m : {2, 4, 6}) {
        const runtime::WinogradMatrices w = runtime::winograd_matrices(m);
        REQUIRE(w.n == m + 2);
        const std::vector<float> g = test::random_values(3, 1), d = test::random_values(w.n, 2);
        for (int i = 0; i < m; ++i) {
            double direct = 0, fast = 0;
            for (int k = 0; k < 3; ++k) direct += static_cast<double>(g[k]) * d[i + k];
            for (int j = 0; j < w.n; ++j) {
                double gg = 0, dd = 0;
                for (int k = 0; k < 3; ++k) gg += w.G[j][k] * g[k];
                for (int l = 0; l < w.n; ++l) dd += w.BT[j][l] * d[l];
                fast += w.AT[i][j] * gg * dd;
            }
            INFO("F(" << m << ",3), output " << i);
            CHECK(std::fabs(fast - direct) < 1e-12);
        }
    }
}

TEST_CASE("the weight transform computes G g G^T with output channels innermost", "[winograd]") {
    const int co = 3, ci = 2, m = 4, n = 6;
    const std::vector<float> w = test::random_values(co * ci * 9, 5);
    std::vector<float> u(co * ci * n * n);
    runtime::winograd_transform_weights(w.data(), co, ci, m, u.data());
    const runtime::WinogradMatrices t = runtime::winograd_matrices(m);
    for (int o = 0; o < co; ++o)
        for (int i = 0; i < ci; ++i)
            for (int e = 0; e < n; ++e)
                for (int f = 0; f < n; ++f) {
                    double want = 0;
                    for (int ky = 0; ky < 3; ++ky)
                        for (int kx = 0; kx < 3; ++kx) want += t.G[e][kx] * t.G[f][ky] * w[((o * ci + i) * 3 + ky) * 3 + kx];
                    CHECK(std::fabs(u[((f * n + e) * ci + i) * co + o] - want) <= 1e-6 * std::fabs(want) + 1e-7);
                }
}

TEST_CASE("Winograd convs match the reference on odd sizes, with and without padding", "[winograd][jit]") {
    struct Case {
        int in_c, size, out_c;
        ir::Window window;
    };
    const Case cases[] = {
        {16, 13, 64, ir::square_window(3, 1, 1)},
        {16, 27, 32, ir::square_window(3, 1, 1)},
        {16, 55, 64, ir::square_window(3, 1, 1)},
        {8, 27, 48, ir::square_window(3, 1, 0)},                // no padding
        {5, 13, 7, ir::square_window(3, 1, 1)},                 // narrower than a vector
        {17, 14, 33, ir::Window{3, 3, 1, 1, 2, 0, 1, 2}},       // asymmetric padding, odd channels
        {24, 9, 20, ir::square_window(3, 1, 2)},                // more padding than the kernel needs
    };
    for (const ConvAlgorithm a : kWinograd)
        for (const Case& k : cases) {
            INFO(ir::conv_algorithm_name(a) << ": in " << k.in_c << " size " << k.size << " out " << k.out_c << " pads "
                                            << k.window.pad_top << "," << k.window.pad_left << ","
                                            << k.window.pad_bottom << "," << k.window.pad_right);
            CHECK(jit_error(squeeze_expand(k.in_c, k.size, k.out_c, k.window, false), a) < layer_tolerance(a));
        }
}

TEST_CASE("Winograd convs whose rows are too wide for the stack transform the whole map first", "[winograd][jit]") {
    // 72 channels at 55x55: a row of V takes 129 KB (F2), 145 KB (F4), 184 KB (F6), over the 64 KB a
    // task keeps on its stack, so V of the whole map goes to the kernel's workspace; 16 channels at
    // 55x55 (above) take 28-40 KB and stay on the stack.
    const ir::Graph wide = squeeze_expand(72, 55, 16, ir::square_window(3, 1, 1), false);
    const ir::Graph narrow = squeeze_expand(16, 55, 64, ir::square_window(3, 1, 1), false);
    for (const ConvAlgorithm a : kWinograd) {
        INFO(ir::conv_algorithm_name(a));
        compiler::PassOptions passes;
        passes.conv_algorithm = std::string(ir::conv_algorithm_name(a));
        for (const auto& [graph, whole_map] : {std::pair{&wide, true}, std::pair{&narrow, false}}) {
            const ir::Graph optimized = compiler::optimize(*graph, passes);
            const ir::Node* conv = optimized.find_node("e");
            REQUIRE(conv);
            CHECK(codegen::needs_winograd_workspace(*conv, optimized.type_of(conv->inputs[0]).dims) == whole_map);
        }
        CHECK(jit_error(wide, a, 2) < layer_tolerance(a));
        CHECK(jit_error(wide, a, 1, 2) < layer_tolerance(a));
    }
}

TEST_CASE("Winograd convs with a fused ReLU, batch 3, one and three threads", "[winograd][jit]") {
    for (const ConvAlgorithm a : kWinograd) {
        INFO(ir::conv_algorithm_name(a));
        const ir::Graph g = squeeze_expand(16, 13, 32, ir::square_window(3, 1, 1), true);
        CHECK(jit_error(g, a, 1, 3) < layer_tolerance(a));
        CHECK(jit_error(g, a, 3, 1) < layer_tolerance(a));
    }
}

TEST_CASE("Winograd expand convs write into the concat slice and add the bypass residual", "[winograd][jit][fire]") {
    for (const ConvAlgorithm a : kWinograd)
        for (const char* fire : {"fire fire3 squeeze=6 expand1x1=12 expand3x3=12 bypass=simple",
                                 "fire fire2 squeeze=3 expand1x1=20 expand3x3=21 bypass=complex",
                                 "fire fire2 squeeze=16 expand1x1=64 expand3x3=64"}) {
            INFO(ir::conv_algorithm_name(a) << ": " << fire);
            const std::string text = std::string("sqz 1\nname fire\ninput 24x27x27\nlayers\n") + fire + "\n";
            ir::Graph g = compiler::parse_sqz(text, "fire.sqz");
            CHECK(jit_error(g, a, 2, 2) < layer_tolerance(a));
        }
}
