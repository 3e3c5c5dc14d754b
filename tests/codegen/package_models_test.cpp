// Packages of whole networks build with a bare C++ compiler and pass their self-tests (the stored
// output is the float64 reference interpreter's, checked to 1e-4): v1.1 and v1.0 with complex
// bypass (whose Fire modules have simple bypasses too) from the example descriptions, and the
// shared v1.0 prototxt with seeded weights (the shared v1.1 prototxt is the v1.1 example's network,
// and the simple-bypass example adds no kernel kind that these lack, so they are left out to keep
// the suite's time; the JIT runs every one of them, jit_models_test). The Deep
// Compression model with its real weights matches its golden output to 1e-5 through the
// emitted-source engine. A package runs with the stack its README asks for.
#include "codegen/package_engine.h"
#include "compiler/file_io.h"
#include "ir/interpreter.h"
#include "tests/codegen/package_support.h"

using namespace sqz;

namespace {

void check_selftest(const std::string& model_path, const std::string& name) {
    const ir::Graph graph = compiler::load_model(test::model_at(model_path));
    const auto dir = test::write_package(graph, name);
    const auto exe = (dir / "selftest").string();
    const auto build = test::build_package(dir, exe);
    INFO(build.err);
    REQUIRE(build.exit_code == 0);
    for (int threads : {1, 2}) {
        const auto run = test::run_shell(exe + " --threads " + std::to_string(threads));
        INFO(model_path << ": " << run.out << run.err);
        CHECK(run.exit_code == 0);
        CHECK_THAT(run.out, Catch::Contains("passed"));
    }
    // The README's stack advice is enough: run with that much stack for the calling thread and
    // (glibc takes the limit as their default) the pool's.
    const std::string readme = compiler::read_file((dir / "README.md").string());
    const std::string before = "at least ", after = " KB of stack";
    const size_t end = readme.find(after), begin = readme.rfind(before, end);
    REQUIRE(end != std::string::npos);
    REQUIRE(begin != std::string::npos);
    const std::string kib = readme.substr(begin + before.size(), end - begin - before.size());
    REQUIRE(!kib.empty());
    REQUIRE(kib.find_first_not_of("0123456789") == std::string::npos);
    const auto limited = test::run_shell("ulimit -s " + kib + " && " + exe + " --threads 2 --runs 2");
    INFO(model_path << " with " << kib << " KB of stack: " << limited.out << limited.err);
    CHECK(limited.exit_code == 0);
    CHECK_THAT(limited.out, Catch::Contains("passed"));
}

std::string example(const char* name) { return (test::source_dir() / "examples" / name).string(); }

}  // namespace

TEST_CASE("packages of the example models pass their self-tests", "[package][models]") {
    check_selftest(example("squeezenet_v1.1.sqz"), "v11");
    check_selftest(example("squeezenet_v1.0_complex_bypass.sqz"), "v10_complex");
}

TEST_CASE("the package of the shared v1.0 prototxt passes its self-test", "[package][models]") {
    SQZ_REQUIRE_SHARED();
    check_selftest((test::shared_dir() / "models/squeezenet_v1.0/deploy.prototxt").string(), "caffe_v10");
}

TEST_CASE("the Deep Compression package reproduces the golden output", "[package][golden]") {
    SQZ_REQUIRE_SHARED();
    const auto dir = test::shared_dir() / "models" / "squeezenet_v1.0_deep_compression";
    compiler::ModelOptions o = test::model_at((dir / "deploy.prototxt").string());
    o.weights_path = (dir / "compressed_SqueezeNet.net").string();
    const ir::Graph graph = compiler::load_model(o);
    codegen::SourceOptions options;
    options.threads = 2;
    const auto model = codegen::make_source_engine(compiler::optimize(graph), options);
    const ir::Tensor input{{1, 3, 227, 227}, test::read_f32(dir / "golden" / "input_1x3x227x227.f32")};
    const auto out = model->run({input});
    const double error = ir::max_relative_error(out.at(0).data, test::read_f32(dir / "golden" / "output_1000.f32"));
    INFO("error against golden " << error);
    CHECK(error < 1e-5);
    CHECK(std::max_element(out[0].data.begin(), out[0].data.end()) - out[0].data.begin() == 644);
    CHECK(ir::max_relative_error(out[0].data, ir::interpret(graph, {input})[0].data) < 1e-4);
}
