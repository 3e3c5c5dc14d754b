// --threads is honoured exactly: a JIT model with N threads runs its loops on N threads in all
// (the caller and N - 1 pool workers) and Halide starts no threads of its own.
#include "codegen/jit_model.h"
#include "compiler/random_weights.h"
#include "ir/builder.h"
#include "tests/support.h"

#include <filesystem>

using namespace sqz;
using namespace sqz::ir;

namespace {

int process_threads() {
    int n = 0;
    for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/task")) ++n;
    return n;
}

Graph parallel_graph() {
    GraphBuilder b("threads");
    auto x = b.input("x", {DType::F32, {16, 56, 56}});
    auto c = b.conv("c", x, 64, square_window(3, 1, 1));
    b.output(b.max_pool("p", c, square_window(3, 2), Rounding::Ceil));
    Graph g = b.finish();
    compiler::bind_random_weights(g, 1);
    return g;
}

}  // namespace

TEST_CASE("a JIT model with N threads adds exactly N - 1 threads to the process", "[codegen][jit][threads]") {
    const Graph g = parallel_graph();
    const Tensor input = test::random_input(g, 2);
    for (int threads : {1, 2, 3}) {
        const int before = process_threads();
        codegen::JitOptions options;
        options.threads = threads;
        const auto jit = codegen::make_jit_engine(g, options);
        CHECK(jit->threads() == threads);
        for (int i = 0; i < 5; ++i) jit->run({input});
        INFO("threads " << threads);
        CHECK(process_threads() - before == threads - 1);
    }
}
