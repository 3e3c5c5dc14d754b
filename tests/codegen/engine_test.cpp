// The engine interface: every engine in the table runs the same graph through the same calls and
// agrees with the reference; names and options the engines cannot honour are user errors.
#include "codegen/engine.h"
#include "codegen/jit_model.h"
#include "compiler/pass_manager.h"
#include "ir/error.h"
#include "ir/interpreter.h"
#include "tests/codegen/mini_model.h"
#include "tests/support.h"

using namespace sqz;

TEST_CASE("the engine table lists every engine and rejects unknown names", "[codegen][engine]") {
    CHECK(codegen::engine_names() == "reference, jit, source");
    const ir::Graph g = test::mini_model();
    CHECK_THROWS_WITH(codegen::make_engine("llvm", g, {}),
                      "unknown engine 'llvm' (choose from reference, jit, source)");
    codegen::EngineOptions autoscheduled;
    autoscheduled.schedule = "adams2019";
    CHECK_THROWS_WITH(codegen::make_engine("source", g, autoscheduled),
                      "the source engine uses the manual schedules only");
    autoscheduled.schedule = "fastest";
    CHECK_THROWS_AS(codegen::make_engine("jit", g, autoscheduled), Error);
}

TEST_CASE("every engine runs a graph through the same interface", "[codegen][engine]") {
    const ir::Graph g = test::mini_model();
    const ir::Graph compiled = compiler::optimize(g);
    const ir::Tensor input = test::random_input(g, 3);
    const std::vector<ir::TensorF64> want = ir::interpret(g, {input});
    for (const char* name : {"reference", "jit", "source"}) {
        INFO("engine " << name);
        codegen::EngineOptions options;
        options.threads = 2;
        options.profile = std::string(name) != "reference";
        const std::unique_ptr<codegen::Engine> engine =
            codegen::make_engine(name, std::string(name) == "reference" ? g : compiled, options);
        CHECK(engine->threads() == (std::string(name) == "reference" ? 1 : 2));
        CHECK(engine->compile_ms() >= 0);
        const std::vector<ir::Tensor> once = engine->run({input});
        REQUIRE(once.size() == 1);
        CHECK(once[0].dims == want[0].dims);
        CHECK(ir::max_relative_error(once[0].data, want[0].data) < 1e-4);
        // set_inputs once, run in place, read the outputs: the same values.
        engine->set_inputs({input});
        engine->run_in_place();
        engine->run_in_place();
        CHECK(engine->outputs()[0].data == once[0].data);
        const std::vector<codegen::LayerTime> profile = engine->take_profile();
        if (!options.profile) {
            CHECK(profile.empty());
            continue;
        }
        REQUIRE_FALSE(profile.empty());
        double share = 0;
        for (const codegen::LayerTime& t : profile) {
            CHECK_FALSE(t.node.empty());
            CHECK(t.ms_per_run >= 0);
            share += t.share;
        }
        CHECK(share == Approx(1.0).margin(1e-6));
        CHECK(engine->take_profile().empty());  // taken: nothing since
    }
}

TEST_CASE("compiling engines reject inputs that do not fit the graph", "[codegen][engine]") {
    const ir::Graph g = test::mini_model();
    const auto jit = codegen::make_jit_engine(compiler::optimize(g), {});
    CHECK_THROWS_WITH(jit->set_inputs({}), "the model takes 1 inputs, 0 given");
    ir::Tensor small = test::random_input(g, 1);
    small.data.pop_back();
    CHECK_THROWS_WITH(jit->set_inputs({small}), Catch::StartsWith("input 0 has 3071 values"));
}
