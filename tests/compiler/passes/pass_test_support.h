// Helpers for the pass tests: graphs from the IR text form, the check that a pass keeps a graph's
// meaning (the reference interpreter agrees before and after), and, for passes that only mark a
// graph for code generation (flags the interpreter ignores), the code that reads the marks: the
// memory plan, and the JIT's outputs.
#pragma once

#include "codegen/jit_model.h"
#include "codegen/model_plan.h"
#include "compiler/random_weights.h"
#include "ir/interpreter.h"
#include "ir/text_form.h"
#include "tests/support.h"

#include <cmath>
#include <string>

namespace sqz::test {

// Parses IR text (without weights) and binds seeded random weights.
inline ir::Graph graph_from_text(const std::string& text, uint64_t seed = 1) {
    ir::Graph g = ir::parse_graph(text, "test.sqzir");
    compiler::bind_random_weights(g, seed);
    return g;
}

// The structure of `actual` equals the graph that `expected_text` describes (weights aside).
inline void check_structure(const ir::Graph& actual, const std::string& expected_text) {
    const ir::Graph expected = ir::parse_graph(expected_text, "expected.sqzir");
    INFO("actual:\n" << ir::print_graph(actual) << "expected:\n" << ir::print_graph(expected));
    CHECK(ir::graphs_equal(actual, expected, false));
}

// Max relative difference of the reference interpreter's outputs on two random inputs.
inline double meaning_difference(const ir::Graph& before, const ir::Graph& after) {
    double worst = 0;
    for (uint64_t seed : {3, 4}) {
        const ir::Tensor input = random_input(before, seed);
        const auto a = ir::interpret(before, {input});
        const auto b = ir::interpret(after, {input});
        REQUIRE(a.size() == b.size());
        for (size_t i = 0; i < a.size(); ++i) {
            REQUIRE(a[i].dims == b[i].dims);
            double diff = 0, ref = 0;
            for (size_t k = 0; k < a[i].data.size(); ++k) {
                diff = std::max(diff, std::fabs(a[i].data[k] - b[i].data[k]));
                ref = std::max(ref, std::fabs(a[i].data[k]));
            }
            worst = std::max(worst, ref > 0 ? diff / ref : diff);
        }
    }
    return worst;
}

// The planned kernel that computes IR node `node` (alone or in a fused group); null if none does.
inline const codegen::Kernel* kernel_of(const ir::Graph& graph, const codegen::ModelPlan& plan, const std::string& node) {
    for (const codegen::Kernel& k : plan.kernels)
        for (size_t i : k.nodes)
            if (graph.nodes[i].name == node) return &k;
    return nullptr;
}

// Max relative difference between the JIT's outputs for `after`, compiled as code generation
// reads its marks, and the reference interpreter's for `before`, on two random inputs.
inline double jit_difference(const ir::Graph& before, const ir::Graph& after) {
    codegen::JitOptions options;
    options.threads = 2;
    const auto jit = codegen::make_jit_engine(after, options);
    double worst = 0;
    for (uint64_t seed : {3, 4}) {
        const ir::Tensor input = random_input(before, seed);
        const auto want = ir::interpret(before, {input});
        const auto got = jit->run({input});
        REQUIRE(got.size() == want.size());
        for (size_t i = 0; i < got.size(); ++i) {
            REQUIRE(got[i].dims == want[i].dims);
            worst = std::max(worst, ir::max_relative_error(got[i].data, want[i].data));
        }
    }
    return worst;
}

}  // namespace sqz::test
