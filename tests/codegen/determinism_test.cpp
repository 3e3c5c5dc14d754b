// Determinism: the same model and input give bit-identical outputs run after run at a fixed thread
// count, through the JIT engine and through the generated package (the emitted-source engine,
// which runs the package's own C API), and also across thread counts 1, 2 and 3: every kernel
// parallelises over output rows or channels only, each output value is reduced by one thread in
// a fixed order, so the thread count changes who computes a value, never how. The JIT engine and
// the package agree to rounding, not to the bit (docs/hardening.md).
#include "codegen/jit_model.h"
#include "codegen/package_engine.h"
#include "compiler/pass_manager.h"
#include "tests/codegen/mini_model.h"
#include "tests/support.h"

#include <cstring>

using namespace sqz;

namespace {

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// Runs `engine` `runs` times on `input`; every output must have the first one's bits. Returns it.
std::vector<float> repeated_output(codegen::Engine& engine, const ir::Tensor& input, int runs) {
    const std::vector<float> first = engine.run({input}).at(0).data;
    for (int r = 1; r < runs; ++r) {
        INFO("run " << r);
        REQUIRE(same_bits(engine.run({input}).at(0).data, first));
    }
    return first;
}

}  // namespace

TEST_CASE("the JIT engine gives bit-identical outputs run after run and across thread counts",
          "[codegen][determinism]") {
    const ir::Graph graph = compiler::optimize(test::mini_model());
    const ir::Tensor input = test::random_input(graph, 3);
    std::vector<std::vector<float>> by_threads;
    for (int threads : {1, 2, 3}) {
        codegen::JitOptions options;
        options.threads = threads;
        const auto jit = codegen::make_jit_engine(graph, options);
        INFO("threads " << threads);
        by_threads.push_back(repeated_output(*jit, input, 20));
    }
    CHECK(same_bits(by_threads[0], by_threads[1]));
    CHECK(same_bits(by_threads[0], by_threads[2]));
}

TEST_CASE("the generated package gives bit-identical outputs run after run and across thread counts",
          "[codegen][determinism][package]") {
    const ir::Graph graph = compiler::optimize(test::mini_model());
    const ir::Tensor input = test::random_input(graph, 3);
    codegen::SourceOptions options;
    options.threads = 1;
    const auto one = codegen::make_source_engine(graph, options);
    const std::vector<float> single = repeated_output(*one, input, 20);
    options.threads = 2;
    const auto two = codegen::make_source_engine(graph, options);
    const std::vector<float> dual = repeated_output(*two, input, 20);
    CHECK(same_bits(single, dual));

    // The package and the JIT engine share schedules but not the compiler that turns them into
    // machine code (the system C++ compiler versus Halide's LLVM), which may contract a multiply
    // and an add into one FMA differently: close, not necessarily the same bits.
    codegen::JitOptions jit_options;
    jit_options.threads = 2;
    const auto jit = codegen::make_jit_engine(graph, jit_options);
    CHECK(ir::max_relative_error(jit->run({input}).at(0).data, single) < 1e-5);
}
