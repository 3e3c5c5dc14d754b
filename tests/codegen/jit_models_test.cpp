// The JIT engine against the reference interpreter on whole networks: every example description,
// the three shared Caffe prototxts with seeded weights, an ONNX import, and the Deep Compression
// model with its real weights (also against its golden output); batch 1 and 4, input sizes 227
// and 224. Every convolution algorithm (direct, Winograd F2, F4, F6, each forced on every conv it
// can compute, and the cost model's choice, auto) runs on at least one whole network; per-layer
// coverage of each is in winograd_test.cpp. (All algorithms on every network took ten minutes.)
#include "codegen/jit_model.h"
#include "compiler/frontends/onnx_import.h"
#include "compiler/model_loader.h"
#include "compiler/pass_manager.h"
#include "ir/test_pattern.h"
#include "ir/interpreter.h"
#include "ir/resize.h"
#include "tests/compiler/onnx_test_models.h"
#include "tests/support.h"

using namespace sqz;

namespace {

constexpr double kTolerance = 1e-4;
using Algorithms = std::vector<const char*>;

// Compiles the graph with each of `algorithms` (after the passes, as sqzc does; or without them,
// `passes` false: direct only), runs each on two inputs (the test pattern and seeded noise) and
// compares with the reference; returns the largest error over inputs and algorithms.
double graph_error(const ir::Graph& graph, const Algorithms& algorithms, bool passes = true) {
    const ir::TensorType type = graph.type_of(graph.inputs[0].name);
    const std::vector<ir::Tensor> inputs = {ir::test_pattern(type), test::random_input(graph, 3, -100, 100)};
    std::vector<std::vector<ir::TensorF64>> want;
    for (const ir::Tensor& input : inputs) want.push_back(ir::interpret(graph, {input}));
    double worst = 0;
    for (const char* algorithm : algorithms) {
        REQUIRE((passes || std::string(algorithm) == "direct"));
        compiler::PassOptions options;
        options.conv_algorithm = algorithm;
        const auto jit = codegen::make_jit_engine(passes ? compiler::optimize(graph, options) : graph, {});
        for (size_t k = 0; k < inputs.size(); ++k) {
            const auto got = jit->run({inputs[k]});
            REQUIRE(got.size() == want[k].size());
            for (size_t i = 0; i < got.size(); ++i) {
                REQUIRE(got[i].dims == want[k][i].dims);
                const double error = ir::max_relative_error(got[i].data, want[k][i].data);
                INFO(algorithm << ", input " << k << ", output " << i << ": error " << error);
                CHECK(error < kTolerance);
                worst = std::max(worst, error);
            }
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

double model_error(const compiler::ModelOptions& options, const Algorithms& algorithms, bool passes = true) {
    return graph_error(compiler::load_model(options), algorithms, passes);
}

std::string example(const char* name) { return (test::source_dir() / "examples" / name).string(); }
std::string shared_model(const char* path) { return (test::shared_dir() / "models" / path).string(); }

}  // namespace

TEST_CASE("JIT matches the reference on SqueezeNet v1.0: direct and Winograd F4", "[codegen][jit][models]") {
    CHECK(model_error(model(example("squeezenet_v1.0.sqz")), {"direct", "winograd-f4"}) < kTolerance);
}

TEST_CASE("JIT matches the reference on SqueezeNet v1.1: Winograd F2 and auto", "[codegen][jit][models]") {
    CHECK(model_error(model(example("squeezenet_v1.1.sqz")), {"winograd-f2", "auto"}) < kTolerance);
}

TEST_CASE("JIT matches the reference on the bypass examples: Winograd F6 and auto", "[codegen][jit][models]") {
    CHECK(model_error(model(example("squeezenet_v1.0_simple_bypass.sqz")), {"winograd-f6"}) < kTolerance);
    CHECK(model_error(model(example("squeezenet_v1.0_complex_bypass.sqz")), {"auto"}) < kTolerance);
}

TEST_CASE("JIT matches the reference without passes (NCHW, unfused)", "[codegen][jit][models]") {
    CHECK(model_error(model(example("squeezenet_v1.1.sqz")), {"direct"}, false) < kTolerance);
    CHECK(model_error(model(example("squeezenet_v1.0_complex_bypass.sqz"), 2, 113), {"direct"}, false) < kTolerance);
}

TEST_CASE("JIT matches the reference at batch 4 and at 224x224", "[codegen][jit][models]") {
    CHECK(model_error(model(example("squeezenet_v1.1.sqz"), 4), {"auto"}) < kTolerance);
    CHECK(model_error(model(example("squeezenet_v1.0.sqz"), 1, 224), {"auto"}) < kTolerance);
    CHECK(model_error(model(example("squeezenet_v1.1.sqz"), 2, 224), {"direct"}) < kTolerance);
}

TEST_CASE("JIT matches the reference on the shared Caffe prototxts with seeded weights", "[codegen][jit][models]") {
    SQZ_REQUIRE_SHARED();
    for (const char* path : {"squeezenet_v1.0/deploy.prototxt", "squeezenet_v1.1/deploy.prototxt",
                             "squeezenet_v1.0_deep_compression/deploy.prototxt"}) {
        INFO(path);
        CHECK(model_error(model(shared_model(path)), {"auto"}) < kTolerance);
    }
}

TEST_CASE("JIT matches the reference on an imported ONNX SqueezeNet v1.1 at batch 4", "[codegen][jit][models][onnx]") {
    const test::SqueezeNetSpec spec = test::squeezenet1_1_spec();
    ir::Graph g = compiler::parse_onnx(test::torch_squeezenet(spec, test::squeezenet_weights(spec, 4), 13, 224).bytes(),
                                       "v1_1.onnx");
    g = ir::with_batch(g, 4);
    CHECK(graph_error(g, {"auto"}) < kTolerance);
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
        const std::vector<double> reference = ir::interpret(graph, {input})[0].data;
        // Direct convolution keeps float32's 1e-5; Winograd's transforms cost some of it.
        using Run = std::pair<const char*, double>;
        const std::vector<Run> runs = batch == 1 ? std::vector<Run>{{"direct", 1e-5}, {"auto", 1e-4}, {"winograd-f4", 1e-4}}
                                                 : std::vector<Run>{{"auto", 1e-4}};
        for (const auto& [algorithm, golden_tolerance] : runs) {
            compiler::PassOptions passes;
            passes.conv_algorithm = algorithm;
            const auto jit = codegen::make_jit_engine(compiler::optimize(graph, passes), {});
            const auto got = jit->run({input});
            const double golden_error = ir::max_relative_error(got[0].data, expected);
            INFO("batch " << batch << ", " << algorithm << ": error against golden " << golden_error);
            CHECK(golden_error < golden_tolerance);
            CHECK(ir::max_relative_error(got[0].data, reference) < kTolerance);
            // Class 644 wins for every sample.
            for (int64_t n = 0; n < batch; ++n) {
                auto begin = got[0].data.begin() + n * 1000;
                CHECK(std::max_element(begin, begin + 1000) - begin == 644);
            }
        }
    }
}
