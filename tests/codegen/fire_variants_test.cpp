// The JIT engine against the reference on each Fire module variant (plain, simple bypass, complex
// bypass) with channel counts that are not multiples of the vector width.
#include "codegen/jit_model.h"
#include "compiler/random_weights.h"
#include "compiler/frontends/sqz_description.h"
#include "compiler/pass_manager.h"
#include "ir/interpreter.h"
#include "ir/resize.h"
#include "tests/support.h"

using namespace sqz;

namespace {

double fire_error(const std::string& input, const std::string& fire_line, int64_t batch) {
    const std::string text = "sqz 1\nname fire\ninput " + input + "\nlayers\n" + fire_line + "\n";
    ir::Graph graph = compiler::parse_sqz(text, "fire.sqz");
    graph.batch = batch;
    graph = ir::with_batch(graph, batch);
    compiler::bind_random_weights(graph, 5);
    const ir::Tensor in = test::random_input(graph, 9);
    const auto want = ir::interpret(graph, {in})[0].data;
    double worst = 0;
    for (const ir::Graph& g : {graph, compiler::optimize(graph)}) {
        const auto jit = codegen::make_jit_engine(g, {});
        worst = std::max(worst, ir::max_relative_error(jit->run({in})[0].data, want));
    }
    return worst;
}

}  // namespace

TEST_CASE("Fire modules: plain, simple bypass and complex bypass", "[codegen][jit][fire]") {
    for (int64_t batch : {1, 2}) {
        INFO("batch " << batch);
        CHECK(fire_error("19x13x13", "fire fire2 squeeze=5 expand1x1=11 expand3x3=13", batch) < 1e-5);
        CHECK(fire_error("24x7x7", "fire fire3 squeeze=6 expand1x1=12 expand3x3=12 bypass=simple", batch) < 1e-5);
        CHECK(fire_error("17x27x27", "fire fire2 squeeze=3 expand1x1=20 expand3x3=21 bypass=complex", batch) < 1e-5);
        CHECK(fire_error("64x55x55", "fire fire2 squeeze=16 expand1x1=64 expand3x3=64", batch) < 1e-5);
    }
}
