// The JIT engine against the reference interpreter, one operator at a time, on odd sizes: channel
// counts that are not multiples of the vector width, spatial sizes 1, 7, 13 and 55.
#include "codegen/jit_model.h"
#include "codegen/lowering.h"
#include "compiler/random_weights.h"
#include "compiler/pass_manager.h"
#include "ir/builder.h"
#include "ir/interpreter.h"
#include "ir/resize.h"
#include "tests/support.h"

using namespace sqz;
using namespace sqz::ir;

namespace {

// Max |jit - reference| / max |reference| over the first output, the worse of the graph as given
// (NCHW, unfused) and after all passes (channels innermost, fused).
double jit_error(Graph graph, int threads = 2) {
    compiler::bind_random_weights(graph, 7);
    Tensor input = test::random_input(graph, 11);
    codegen::JitOptions options;
    options.threads = threads;
    std::vector<TensorF64> want = interpret(graph, {input});
    double worst = 0;
    for (const Graph& g : {graph, compiler::optimize(graph)}) {
        const auto jit = codegen::make_jit_engine(g, options);
        std::vector<Tensor> got = jit->run({input});
        REQUIRE(got.at(0).dims == want.at(0).dims);
        worst = std::max(worst, max_relative_error(got[0].data, want[0].data));
    }
    return worst;
}

}  // namespace

TEST_CASE("conv matches the reference across shapes", "[codegen][jit][conv]") {
    struct Case {
        int in_c, size, out_c, kernel, stride, pad;
        bool relu, bias;
    };
    const Case cases[] = {
        {3, 13, 7, 3, 1, 1, true, true},      // fewer channels than a vector
        {5, 7, 16, 1, 1, 0, false, true},     // exactly one vector
        {17, 13, 33, 3, 1, 1, true, false},   // two vectors and a tail, no bias
        {3, 55, 96, 7, 2, 0, true, true},     // conv1 of v1.0 at a smaller size
        {24, 1, 40, 1, 1, 0, false, true},    // a 1x1 map
        {9, 7, 20, 1, 1, 1, true, true},      // SqueezeNet v1.0's conv10: 1x1 kernel, pad 1
        {16, 55, 64, 3, 2, 0, false, true},   // strided 3x3
    };
    for (const Case& k : cases) {
        GraphBuilder b("conv");
        auto x = b.input("x", {DType::F32, {k.in_c, k.size, k.size}});
        auto c = b.conv("c", x, k.out_c, square_window(k.kernel, k.stride, k.pad), k.bias);
        b.output(c);
        Graph g = b.finish();
        g.nodes[0].conv().relu = k.relu;
        INFO("in " << k.in_c << " size " << k.size << " out " << k.out_c << " k" << k.kernel << " s" << k.stride
                   << " p" << k.pad);
        CHECK(jit_error(g) < 1e-5);
    }
}

TEST_CASE("asymmetric padding and rectangular windows", "[codegen][jit][conv]") {
    GraphBuilder b("asym");
    auto x = b.input("x", {DType::F32, {6, 9, 11}});
    auto c = b.conv("c", x, 10, Window{3, 1, 2, 1, 1, 0, 0, 2});
    b.output(b.max_pool("p", c, Window{2, 3, 1, 2, 1, 0, 0, 1}, Rounding::Ceil));
    CHECK(jit_error(b.finish()) < 1e-5);
}

TEST_CASE("a conv's outputs that read only padding come from the bias and the rest from the interior", "[codegen][jit][conv]") {
    // Weights outweighing the input and at least four blocks of output channels, as for v1.0's
    // conv10: the lowering sums over the interior only (a Func named `..._interior`).
    struct Case {
        const char* what;
        int in_c, h, w, out_c;
        Window window;
        bool relu, bias;
        int64_t batch;
        int threads;
    };
    const Case cases[] = {
        {"1x1, pad 1, a channel tail", 40, 5, 5, 150, square_window(1, 1, 1), true, true, 1, 2},
        {"1x1, pads 2, 1, 0, 3, no bias", 40, 6, 4, 128, Window{1, 1, 1, 1, 2, 1, 0, 3}, false, false, 1, 2},
        {"1x3, pads 3 at the sides: a ring of one there", 20, 3, 4, 200, Window{1, 3, 1, 1, 0, 3, 0, 3}, true, true, 1, 2},
        {"1x1, pad 1, batch 2, three threads", 40, 5, 5, 150, square_window(1, 1, 1), true, true, 2, 3},
        {"1x1, pad 1, one thread", 40, 5, 5, 150, square_window(1, 1, 1), false, true, 1, 1},
    };
    for (const Case& k : cases) {
        INFO(k.what);
        GraphBuilder b("ring");
        auto x = b.input("x", {DType::F32, {k.in_c, k.h, k.w}});
        b.output(b.conv("c", x, k.out_c, k.window, k.bias));
        Graph g = b.finish();
        g.nodes[0].conv().relu = k.relu;
        if (k.batch != 1) g = with_batch(g, k.batch);
        CHECK(jit_error(g, k.threads) < 1e-5);
        compiler::bind_random_weights(g, 7);
        const codegen::LoweredModel lowered = codegen::lower(compiler::optimize(g), codegen::LoweringOptions{});
        bool interior = false;
        for (const auto& [func, node] : lowered.func_nodes) interior = interior || func.find("_interior") != std::string::npos;
        CHECK(interior);
    }
    // A conv whose input outweighs its weights (its tiles run per row) sums everywhere.
    GraphBuilder b("no_ring");
    auto x = b.input("x", {DType::F32, {8, 30, 30}});
    b.output(b.conv("c", x, 128, square_window(1, 1, 1), true));
    Graph g = b.finish();
    CHECK(jit_error(g) < 1e-5);
    compiler::bind_random_weights(g, 7);
    const codegen::LoweredModel lowered = codegen::lower(compiler::optimize(g), codegen::LoweringOptions{});
    for (const auto& [func, node] : lowered.func_nodes) CHECK(func.find("_interior") == std::string::npos);
}

TEST_CASE("pools match the reference in both rounding modes", "[codegen][jit][pool]") {
    for (Rounding rounding : {Rounding::Floor, Rounding::Ceil}) {
        for (int size : {7, 13, 55}) {
            GraphBuilder b("pool");
            auto x = b.input("x", {DType::F32, {19, size, size}});
            auto m = b.max_pool("m", x, square_window(3, 2), rounding);
            auto a1 = b.avg_pool("a1", x, square_window(3, 2, 1), rounding, true);
            auto a2 = b.avg_pool("a2", x, square_window(2, 2, 1), rounding, false);
            b.output(m);
            b.output(a1);
            b.output(a2);
            Graph g = b.finish();
            compiler::bind_random_weights(g, 1);
            Tensor input = test::random_input(g, 5);
            auto want = interpret(g, {input});
            for (const Graph& variant : {g, compiler::optimize(g)}) {
                const auto jit = codegen::make_jit_engine(variant, {});
                auto got = jit->run({input});
                for (size_t i = 0; i < 3; ++i) {
                    INFO("output " << i << " size " << size << " ceil " << (rounding == Rounding::Ceil));
                    CHECK(got[i].dims == want[i].dims);
                    CHECK(max_relative_error(got[i].data, want[i].data) < 1e-6);
                }
            }
        }
    }
}

TEST_CASE("element-wise ops, concat, global pool, flatten and softmax", "[codegen][jit][misc]") {
    GraphBuilder b("misc", 3);
    auto x = b.input("x", {DType::F32, {5, 13, 13}});
    auto c1 = b.conv("c1", x, 11, square_window(1));
    auto c3 = b.conv("c3", x, 18, square_window(3, 1, 1));
    auto cat = b.concat("cat", {c1, c3});
    auto r = b.relu("r", cat);
    auto byp = b.conv("byp", x, 29, square_window(1));
    auto sum = b.add("sum", r, byp);
    auto d = b.dropout("d", sum);
    auto g = b.global_avg_pool("g", d);
    auto f = b.flatten("f", g);
    b.output(b.softmax("s", f));
    CHECK(jit_error(b.finish()) < 1e-5);
}

TEST_CASE("reshape of a spatial map and a 1x1 spatial map", "[codegen][jit][misc]") {
    GraphBuilder b("reshape");
    auto x = b.input("x", {DType::F32, {4, 3, 5}});
    auto c = b.conv("c", x, 6, square_window(1));
    auto f = b.flatten("f", c);
    auto r = b.reshape("r", f, {10, 3, 3});
    b.output(b.softmax("s", r));
    CHECK(jit_error(b.finish()) < 1e-5);
}

TEST_CASE("one thread and three threads give the same result", "[codegen][jit][threads]") {
    GraphBuilder b("threads");
    auto x = b.input("x", {DType::F32, {8, 27, 27}});
    auto c = b.conv("c", x, 32, square_window(3, 1, 1));
    b.output(b.max_pool("p", c, square_window(3, 2), Rounding::Ceil));
    Graph g = b.finish();
    CHECK(jit_error(g, 1) < 1e-5);
    CHECK(jit_error(g, 3) < 1e-5);
}
