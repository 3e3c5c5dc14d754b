// Kernels for size (codegen/optimize.h, --optimize size): layers of the same form lower to the
// same code and a package emits it once; the kernels still compute what the reference
// interpreter does, in the JIT and in packages; size builds carry -Os instead of -O3 and no
// unwind tables; the size schedules refuse an autoscheduler.
#include "codegen/engine.h"
#include "codegen/lowering.h"
#include "codegen/package_kernels.h"
#include "codegen/target.h"
#include "compiler/driver.h"
#include "ir/error.h"
#include "ir/interpreter.h"
#include "ir/test_pattern.h"
#include "tests/codegen/mini_model.h"
#include "tests/support.h"

#include <algorithm>
#include <regex>
#include <set>

using namespace sqz;

namespace {

// After the passes, convolutions direct (what --optimize size chooses).
ir::Graph direct(ir::Graph g) {
    compiler::CompileOptions o;
    o.passes.conv_algorithm = "direct";
    return compiler::prepare(g, o);
}

// Three Fire modules of a vector's width of channels and more, and a padded 1x1 classifier as in
// SqueezeNet v1.0: 13 kernels of 5 forms.
ir::Graph fires_model() {
    ir::Graph g = compiler::parse_sqz(R"(sqz 1
name fires
input 3x45x45
layers
conv    conv1 filters=32 kernel=3 stride=2 relu
maxpool pool1 kernel=3 stride=2
fire    fire2 squeeze=16 expand1x1=32 expand3x3=32
fire    fire3 squeeze=16 expand1x1=32 expand3x3=32
maxpool pool3 kernel=3 stride=2
fire    fire4 squeeze=32 expand1x1=64 expand3x3=64
conv    conv5 filters=16 kernel=1 pad=1 relu
global_avgpool pool5
)",
                                      "fires.sqz");
    compiler::bind_random_weights(g, 3);
    return direct(g);
}

// The model run by the JIT and as a package, both with size kernels, against the interpreter.
void check_against_reference(const ir::Graph& g) {
    const ir::Tensor input = ir::test_pattern(g.type_of(g.inputs[0].name));
    const std::vector<ir::TensorF64> want = ir::interpret(g, {input});
    codegen::EngineOptions options;
    options.optimize = codegen::Optimize::Size;
    options.threads = 2;
    for (const char* engine : {"jit", "source"}) {
        INFO(engine);
        const std::vector<ir::Tensor> got = codegen::make_engine(engine, g, options)->run({input});
        REQUIRE(got.size() == 1);
        CHECK(ir::max_relative_error(got[0].data, want[0].data) < 1e-5);
    }
}

codegen::EmittedKernel kernel(const std::string& name, const std::string& body) {
    return {name, "// Kernel " + name + "\nint " + name + "(int x) { return " + name + "_par_for_f_1(x) + " + body + "; }\n",
            "int " + name + "(int x);", ""};
}

// The next number Halide's counter of `t` names gives (drawing one).
int next_t() { return std::stoi(Halide::Internal::unique_name('t').substr(1)) + 1; }

// Draws `t` names until the next one is `n`.
void draw_t_until(int n) {
    while (next_t() < n) {}
}

// The numbers of the `t` names (Halide's counter) that a kernel's parallel loop closures capture,
// in a compilation by Halide alone.
std::vector<int> captured_t_numbers(codegen::LoweredKernel& k, const Halide::Target& target) {
    std::vector<Halide::Argument> args;
    for (const Halide::ImageParam& p : k.inputs) args.push_back(p);
    for (const codegen::PackedWeight& w : k.weights) args.push_back(w.param);
    const Halide::Module m = k.pipeline.compile_to_module(args, "probe_" + k.name, codegen::package_target(target));
    struct Captures : Halide::Internal::IRVisitor {
        std::vector<int> numbers;
        using IRVisitor::visit;
        void visit(const Halide::Internal::Call* op) override {
            if (op->is_intrinsic(Halide::Internal::Call::make_struct))
                for (const Halide::Expr& a : op->args)
                    if (const auto* v = a.as<Halide::Internal::Variable>())
                        if (std::regex_match(v->name, std::regex(R"(t\d+)"))) numbers.push_back(std::stoi(v->name.substr(1)));
            IRVisitor::visit(op);
        }
    } captures;
    for (const Halide::Internal::LoweredFunc& f : m.functions()) f.body.accept(&captures);
    return captures.numbers;
}

}  // namespace

TEST_CASE("kernels of one form print the same code whatever Halide's name counter says", "[package][kernels][size]") {
    // Halide sorts the variables that a parallel loop's closure captures by name, and numbers its
    // lets from a process-wide counter: t998 and t999 sort after t1001. Two kernels of one form,
    // the second compiled with its captures straddling a power of ten, must still share a body
    // (before the fix, a size build emitted such a kernel twice; which kernel straddled depended
    // on what the process compiled before and on the timing of the parallel compilation).
    const ir::Graph g = fires_model();
    const Halide::Target target = codegen::parse_target("host", codegen::CodeKind::Package);
    codegen::LoweringOptions lowering;
    lowering.target = target;
    lowering.c_source = true;
    lowering.optimize = codegen::Optimize::Size;
    codegen::LoweredModel model = codegen::lower(g, lowering);
    // Three 1x1 convolutions of one form (fire2's expand1x1, fire3's squeeze and expand1x1).
    std::vector<size_t> ones;
    for (size_t k = 0; k < model.kernels.size(); ++k)
        if (model.kernels[k].name.find("fire2_expand1x1") != std::string::npos ||
            model.kernels[k].name.find("fire3_squeeze1x1") != std::string::npos ||
            model.kernels[k].name.find("fire3_expand1x1") != std::string::npos)
            ones.push_back(k);
    REQUIRE(ones.size() == 3);
    // Where the captured names fall, counted from the counter at the start of a compilation (of a
    // third kernel: a kernel compiled twice may be named otherwise the second time).
    const int start = next_t();
    const std::vector<int> captured = captured_t_numbers(model.kernels[ones[2]], target);
    REQUIRE(captured.size() >= 2);
    const int first = *std::min_element(captured.begin(), captured.end()) - start;
    const int last = *std::max_element(captured.begin(), captured.end()) - start;
    REQUIRE(first >= 0);
    REQUIRE(first < last);
    // The first kernel's captures below the next power of ten, the second's straddling it.
    int power = 10;
    while (power <= next_t() + 10 * (last + 1)) power *= 10;
    auto emit = [&](size_t k) {
        codegen::LoweredModel one;
        one.kernels = {model.kernels[k]};
        return codegen::emit_kernels(one, target, "mini", codegen::Optimize::Size)[0];
    };
    std::vector<codegen::EmittedKernel> kernels = {emit(ones[0])};
    draw_t_until(power - last);
    kernels.push_back(emit(ones[1]));
    codegen::share_equal_kernels(kernels, "mini");
    CHECK(kernels[1].shares == kernels[0].name);
}

TEST_CASE("kernels whose code differs only in their names share one body", "[package][kernels][size]") {
    std::vector<codegen::EmittedKernel> kernels = {kernel("k0_a", "1"), kernel("k1_b", "2"), kernel("k2_c", "1"),
                                                   kernel("k3_d", "2"), kernel("k4_e", "3")};
    codegen::share_equal_kernels(kernels, "pkg");
    CHECK(kernels[0].shares.empty());
    CHECK(kernels[1].shares.empty());
    CHECK(kernels[2].shares == "k0_a");
    CHECK(kernels[3].shares == "k1_b");
    CHECK(kernels[4].shares.empty());
    CHECK(kernels[2].function() == "k0_a");
    CHECK(kernels[4].function() == "k4_e");
    CHECK(kernels[2].prototype.empty());
    CHECK(kernels[2].source.find("int ") == std::string::npos);  // a comment only
    CHECK_THAT(kernels[2].source, Catch::Contains("the same code as kernel k0_a"));
}

TEST_CASE("a size lowering emits each kernel form once, at -Os, without unwind tables", "[package][kernels][size]") {
    const ir::Graph g = fires_model();
    const Halide::Target target = codegen::parse_target("host", codegen::CodeKind::Package);
    for (codegen::Optimize goal : {codegen::Optimize::Speed, codegen::Optimize::Size}) {
        INFO(codegen::optimize_name(goal));
        codegen::LoweringOptions lowering;
        lowering.target = target;
        lowering.c_source = true;
        lowering.optimize = goal;
        codegen::LoweredModel model = codegen::lower(g, lowering);
        const std::vector<codegen::EmittedKernel> kernels = codegen::emit_kernels(model, target, "mini", goal);
        std::set<std::string> bodies;
        for (const codegen::EmittedKernel& k : kernels) bodies.insert(k.function());
        if (goal == codegen::Optimize::Speed) {
            CHECK(bodies.size() == kernels.size());
            CHECK_THAT(kernels[0].source, Catch::Contains("#pragma GCC optimize(\"O3\""));
            continue;
        }
        // conv1 + pool1 (fused); the 1x1 convs (squeezes, expand1x1s, conv5); the expand3x3s; the
        // max pool; the global average pool.
        CHECK(kernels.size() == 13);
        CHECK(bodies.size() == 5);
        for (const codegen::EmittedKernel& k : kernels) {
            if (!k.shares.empty()) continue;
            CHECK_THAT(k.source, Catch::Contains("#pragma GCC optimize(\"Os\")"));
            CHECK_THAT(k.source, Catch::Contains(".cfi_sections .debug_frame"));
            CHECK(k.source.find("\"O3\"") == std::string::npos);
        }
    }
}

TEST_CASE("size kernels compute what the reference interpreter does, in the JIT and in a package",
          "[package][jit][size]") {
    // The mini model (channels under a vector's width, a bypass) and the Fire modules above.
    for (const ir::Graph& g : {direct(test::mini_model()), fires_model()}) {
        INFO(g.name);
        check_against_reference(g);
    }
}

TEST_CASE("the size schedules are manual schedules", "[package][jit][size]") {
    const ir::Graph g = direct(test::mini_model());
    codegen::EngineOptions options;
    options.optimize = codegen::Optimize::Size;
    options.schedule = "adams2019";
    CHECK_THROWS_WITH(codegen::make_engine("jit", g, options),
                      Catch::Contains("--optimize size chooses the manual schedules"));
}
