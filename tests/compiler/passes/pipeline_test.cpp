// The whole pass pipeline: every pass keeps the meaning of the full networks (reference
// interpreter, 1e-6), the fused structure is what the passes promise, the pass manager's options
// work, and the JIT gives the same answers with the passes on, off, and each one switched off.
#include "codegen/jit_model.h"
#include "compiler/model_loader.h"
#include "compiler/pass_manager.h"
#include "tests/compiler/passes/pass_test_support.h"

using namespace sqz;

namespace {

ir::Graph example(const char* name, int64_t size = 0) {
    compiler::ModelOptions o;
    o.model_path = (test::source_dir() / "examples" / name).string();
    if (size) o.input_size = size;
    return compiler::load_model(o);
}

int count(const ir::Graph& g, ir::OpKind op) {
    return static_cast<int>(std::count_if(g.nodes.begin(), g.nodes.end(), [&](const ir::Node& n) { return n.op == op; }));
}

}  // namespace

TEST_CASE("all passes keep v1.0, v1.1 and the bypass models equal in meaning", "[passes][pipeline]") {
    for (const char* name : {"squeezenet_v1.0.sqz", "squeezenet_v1.1.sqz", "squeezenet_v1.0_simple_bypass.sqz",
                             "squeezenet_v1.0_complex_bypass.sqz"}) {
        INFO(name);
        const ir::Graph before = example(name, 67);  // small maps keep the interpreter quick
        const ir::Graph after = compiler::optimize(before);
        CHECK(test::meaning_difference(before, after) < 1e-6);
        CHECK(count(after, ir::OpKind::Relu) == 0);
        CHECK(count(after, ir::OpKind::Dropout) == 0);
        CHECK(count(after, ir::OpKind::Add) == 0);
        CHECK(after.layout == ir::ActivationLayout::NHWC);
        for (const ir::Node& n : after.nodes)
            if (n.op == ir::OpKind::Concat) CHECK(n.concat().in_place);
    }
}

TEST_CASE("the pass manager prints after a pass, switches passes off by name, refuses unknown names",
          "[passes][manager]") {
    const ir::Graph g = example("squeezenet_v1.1.sqz", 35);
    std::vector<std::string> printed;
    compiler::PassOptions o;
    o.print_after = "all";
    o.print = [&](const std::string& pass, const std::string& text) {
        printed.push_back(pass);
        CHECK(text.rfind("sqzir 1\n", 0) == 0);
    };
    compiler::optimize(g, o);
    CHECK(printed.size() == compiler::passes().size());
    o.disabled = {"fuse-conv-relu"};
    printed.clear();
    const ir::Graph without = compiler::optimize(g, o);
    CHECK(std::find(printed.begin(), printed.end(), "fuse-conv-relu") == printed.end());
    CHECK(count(without, ir::OpKind::Relu) > 20);
    o.disabled = {"all"};
    CHECK(ir::graphs_equal(compiler::optimize(g, o), g, true));
    o.disabled = {"fuse-everything"};
    CHECK_THROWS_WITH(compiler::optimize(g, o), Catch::Contains("unknown pass 'fuse-everything'"));
}

TEST_CASE("the JIT agrees with the reference with each pass switched off in turn", "[passes][jit]") {
    const ir::Graph g = example("squeezenet_v1.0_complex_bypass.sqz", 83);
    const ir::Tensor input = test::random_input(g, 9, -50, 50);
    const auto want = ir::interpret(g, {input})[0].data;
    std::vector<std::string> configs{"", "all"};
    for (const compiler::PassInfo& p : compiler::passes()) configs.push_back(p.name);
    for (const std::string& disabled : configs) {
        compiler::PassOptions o;
        if (!disabled.empty()) o.disabled = {disabled};
        const auto jit = codegen::make_jit_engine(compiler::optimize(g, o), {});
        INFO("disabled: " << (disabled.empty() ? "none" : disabled));
        CHECK(ir::max_relative_error(jit->run({input})[0].data, want) < 1e-4);
    }
}
