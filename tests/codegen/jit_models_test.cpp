// The JIT engine against the reference interpreter on whole networks: every example description,
// the three shared Caffe prototxts with seeded weights, and the Deep Compression model with its
// real weights (also against its golden output); batch 1 and 4, input sizes 227 and 224.
#include "codegen/jit_model.h"
#include "compiler/model_loader.h"
#include "compiler/pass_manager.h"
#include "ir/test_pattern.h"
#include "ir/interpreter.h"
#include "tests/support.h"

using namespace sqz;

namespace {

constexpr double kTolerance = 1e-4;

// Compiles (after the passes, as sqzc does, or without them), runs and compares on two inputs
// (the test pattern and seeded noise); returns the largest error.
double model_error(const compiler::ModelOptions& options, bool passes = true) {
    const ir::Graph graph = compiler::load_model(options);
    const auto jit = codegen::make_jit_engine(passes ? compiler::optimize(graph) : graph, {});
    const ir::TensorType type = graph.type_of(graph.inputs[0].name);
    double worst = 0;
    for (const ir::Tensor& input : {ir::test_pattern(type), test::random_input(graph, 3, -100, 100)}) {
        const auto got = jit->run({input});
        const auto want = ir::interpret(graph, {input});
        REQUIRE(got.size() == want.size());
        for (size_t i = 0; i < got.size(); ++i) {
            REQUIRE(got[i].dims == want[i].dims);
            worst = std::max(worst, ir::max_relative_error(got[i].data, want[i].data));
        }
    }
    return worst;
}

compiler::ModelOptions model(const std::string& path, int64_t batch = 1, std::optional<int64_t> size = {}) {
    compiler::ModelOptions o;
    o.model_path = path;
    o.batch = batch;
    o.input_size = size;
    return o;
}

std::string example(const char* name) { return (test::source_dir() / "examples" / name).string(); }
std::string shared_model(const char* path) { return (test::shared_dir() / "models" / path).string(); }

}  // namespace

TEST_CASE("JIT matches the reference on every example description", "[codegen][jit][models]") {
    for (const char* name : {"squeezenet_v1.0.sqz", "squeezenet_v1.1.sqz", "squeezenet_v1.0_simple_bypass.sqz",
                             "squeezenet_v1.0_complex_bypass.sqz"}) {
        INFO(name);
        CHECK(model_error(model(example(name))) < kTolerance);
    }
}

TEST_CASE("JIT matches the reference without passes (NCHW, unfused)", "[codegen][jit][models]") {
    CHECK(model_error(model(example("squeezenet_v1.1.sqz")), false) < kTolerance);
    CHECK(model_error(model(example("squeezenet_v1.0_complex_bypass.sqz"), 2, 113), false) < kTolerance);
}

TEST_CASE("JIT matches the reference at batch 4 and at 224x224", "[codegen][jit][models]") {
    CHECK(model_error(model(example("squeezenet_v1.1.sqz"), 4)) < kTolerance);
    CHECK(model_error(model(example("squeezenet_v1.0.sqz"), 1, 224)) < kTolerance);
    CHECK(model_error(model(example("squeezenet_v1.1.sqz"), 2, 224)) < kTolerance);
}

TEST_CASE("JIT matches the reference on the shared Caffe prototxts with seeded weights", "[codegen][jit][models]") {
    SQZ_REQUIRE_SHARED();
    for (const char* path : {"squeezenet_v1.0/deploy.prototxt", "squeezenet_v1.1/deploy.prototxt",
                             "squeezenet_v1.0_deep_compression/deploy.prototxt"}) {
        INFO(path);
        CHECK(model_error(model(shared_model(path))) < kTolerance);
    }
}

TEST_CASE("JIT runs the real Deep Compression model to its golden output", "[codegen][jit][models][golden]") {
    SQZ_REQUIRE_SHARED();
    const auto dir = test::shared_dir() / "models" / "squeezenet_v1.0_deep_compression";
    for (int64_t batch : {1, 4}) {
        compiler::ModelOptions o = model((dir / "deploy.prototxt").string(), batch);
        o.weights_path = (dir / "compressed_SqueezeNet.net").string();
        const ir::Graph graph = compiler::load_model(o);
        const std::vector<float> golden_in = test::read_f32(dir / "golden" / "input_1x3x227x227.f32");
        const std::vector<float> golden_out = test::read_f32(dir / "golden" / "output_1000.f32");
        ir::Tensor input{graph.type_of(graph.inputs[0].name).dims, {}};
        std::vector<float> expected;
        for (int64_t n = 0; n < batch; ++n) {
            input.data.insert(input.data.end(), golden_in.begin(), golden_in.end());
            expected.insert(expected.end(), golden_out.begin(), golden_out.end());
        }
        const auto jit = codegen::make_jit_engine(compiler::optimize(graph), {});
        const auto got = jit->run({input});
        const double golden_error = ir::max_relative_error(got[0].data, expected);
        INFO("batch " << batch << ": error against golden " << golden_error);
        CHECK(golden_error < 1e-5);
        CHECK(ir::max_relative_error(got[0].data, ir::interpret(graph, {input})[0].data) < kTolerance);
        // Class 644 wins for every sample.
        for (int64_t n = 0; n < batch; ++n) {
            auto begin = got[0].data.begin() + n * 1000;
            CHECK(std::max_element(begin, begin + 1000) - begin == 644);
        }
    }
}
