// Generated packages under sanitizers: the package of a small model (tests/codegen/mini_model.h)
// built with AddressSanitizer + UndefinedBehaviorSanitizer passes its self-test and matches the
// reference interpreter on varied inputs with no finding; built with ThreadSanitizer, it runs
// eight threads with a model each, one model called from several threads at once (mini.h: calls
// on one model are serialised by the model), one shared through a mutex, and one with an internal
// pool of two threads, without a reported race and with the self-test's output every time.
// The driver is tests/codegen/package_driver.cpp.
#include "compiler/file_io.h"
#include "ir/interpreter.h"
#include "tests/codegen/mini_model.h"
#include "tests/codegen/package_support.h"

using namespace sqz;

namespace {

const std::string kDriver = (test::source_dir() / "tests" / "codegen" / "package_driver.cpp").string();

// Any finding ends the program with a non-zero status; leaks are findings too.
const std::string kAsanEnv =
    "ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=0 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ";
const std::string kTsanEnv = "TSAN_OPTIONS=halt_on_error=1:exitcode=66 ";

ir::Tensor filled(const ir::Graph& graph, float (*value)(size_t)) {
    ir::Tensor t = test::random_input(graph, 1);
    for (size_t i = 0; i < t.data.size(); ++i) t.data[i] = value(i);
    return t;
}

// The package of `graph` named 'mini' (the driver calls mini_*), copied to its own folder so that
// the ASan and TSan builds never share object files.
std::filesystem::path package_copy(const ir::Graph& graph, const std::string& folder) {
    const auto written = test::write_package(graph, "mini");
    const auto dir = test::scratch_dir() / folder;
    std::filesystem::remove_all(dir);
    std::filesystem::copy(written, dir, std::filesystem::copy_options::recursive);
    return dir;
}

}  // namespace

TEST_CASE("a package built with ASan and UBSan passes its self-test and matches the interpreter",
          "[package][sanitize]") {
    const ir::Graph graph = test::mini_model();
    const auto dir = package_copy(graph, "asan");
    const std::string cxx = "c++ -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -g";
    const std::string driver = (dir / "driver").string();
    const auto build = test::build_package(dir, driver, cxx, kDriver, "_selftest.cpp");
    INFO(build.err);
    REQUIRE(build.exit_code == 0);
    // The self-test program: its own main with the objects built above, minus the driver's.
    const auto selftest = test::run_shell("cd '" + dir.string() + "' && " + cxx +
                                          " -std=c++17 -O2 -I. -c mini_selftest.cpp -o selftest_main.o.x && " + cxx +
                                          " $(ls *.o | grep -v '^extra.o$') selftest_main.o.x -lpthread -o selftest");
    INFO(selftest.err);
    REQUIRE(selftest.exit_code == 0);

    for (int threads : {1, 2}) {
        const auto run = test::run_shell(kAsanEnv + (dir / "selftest").string() + " --threads " +
                                         std::to_string(threads) + " --runs 3");
        INFO(run.out << run.err);
        CHECK(run.exit_code == 0);
        CHECK(run.signal == 0);
        CHECK_THAT(run.out, Catch::Contains("passed"));
        CHECK(run.err.find("ERROR") == std::string::npos);
    }

    // Varied inputs, compared with the float64 reference interpreter.
    const std::vector<ir::Tensor> inputs = {
        test::random_input(graph, 11),
        test::random_input(graph, 12, -300.0f, 300.0f),
        filled(graph, [](size_t) { return 0.0f; }),
        filled(graph, [](size_t i) { return i % 2 ? 1000.0f : -1000.0f; }),
    };
    std::string args;
    for (size_t i = 0; i < inputs.size(); ++i) {
        const std::string in = (dir / ("in" + std::to_string(i) + ".f32")).string();
        compiler::write_f32_file(in, inputs[i].data);
        args += " " + in + " " + (dir / ("out" + std::to_string(i) + ".f32")).string();
    }
    for (int threads : {1, 2}) {
        const auto run = test::run_shell(kAsanEnv + driver + " files " + std::to_string(threads) + args);
        INFO("threads " << threads << ": " << run.out << run.err);
        REQUIRE(run.exit_code == 0);
        CHECK(run.signal == 0);
        for (size_t i = 0; i < inputs.size(); ++i) {
            const std::vector<float> got = test::read_f32(dir / ("out" + std::to_string(i) + ".f32"));
            const auto want = ir::interpret(graph, {inputs[i]}).at(0).data;
            REQUIRE(got.size() == want.size());
            INFO("input " << i);
            CHECK(ir::max_relative_error(got, want) < 1e-4);
        }
    }
}

TEST_CASE("a package built with ThreadSanitizer has no data race across models, threads and callers",
          "[package][sanitize][threads]") {
    const auto dir = package_copy(test::mini_model(), "tsan");
    const std::string cxx = "c++ -fsanitize=thread -g";
    const std::string driver = (dir / "driver").string();
    const auto build = test::build_package(dir, driver, cxx, kDriver, "_selftest.cpp");
    INFO(build.err);
    REQUIRE(build.exit_code == 0);
    const auto run = test::run_shell(kTsanEnv + driver + " threads");
    INFO(run.out << run.err);
    CHECK(run.exit_code == 0);
    CHECK(run.signal == 0);
    CHECK_THAT(run.out, Catch::Contains("threads: ok"));
    CHECK(run.err.find("WARNING: ThreadSanitizer") == std::string::npos);
}
