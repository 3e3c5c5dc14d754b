// The examples build and run: the CMake application that compiles a model at build time and
// classifies an image, and the minimal C program on the C API.
#include "tests/codegen/package_support.h"

#include <fstream>

using namespace sqz;

TEST_CASE("examples/classify compiles a model at build time and labels a photograph", "[examples]") {
    // Its default model, the Deep Compression SqueezeNet v1.0 of examples/models, compiled by the
    // sqzc of this build tree (its build-tree CMake package, build/sqzcConfig.cmake).
    const auto build = test::scratch_dir() / "classify";
    auto r = test::run_shell("cmake -S " + (test::source_dir() / "examples/classify").string() + " -B " + build.string() +
                             " -Dsqzc_DIR=" + test::binary_dir().string(), 900);
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    r = test::run_shell("cmake --build " + build.string() + " -j2", 900);
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);

    std::filesystem::path image = test::photo("data_coffee.png");
    if (image.empty()) {  // a generated gradient when the photographs are absent
        image = test::scratch_dir() / "gradient.ppm";
        std::ofstream ppm(image, std::ios::binary);
        ppm << "P6\n64 48\n255\n";
        for (int y = 0; y < 48; ++y)
            for (int x = 0; x < 64; ++x) ppm << static_cast<char>(x * 4) << static_cast<char>(y * 5) << '\x80';
    }
    const std::string labels = (test::source_dir() / "examples/models/imagenet_labels.txt").string();
    r = test::run_shell((build / "classify").string() + " --runs 3 --labels " + labels + " " + image.string() + " " +
                        image.string());
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::Contains("latency:"));
    CHECK_THAT(r.out, Catch::Contains("(median of 3 runs)"));
    CHECK(std::count(r.out.begin(), r.out.end(), '\n') == 13);  // per image its name and five classes; the latency
    CHECK(std::count(r.out.begin(), r.out.end(), '%') == 10);
    // The label is checked on the real photograph only.
    if (!test::photo("data_coffee.png").empty()) CHECK_THAT(r.out, Catch::Contains("espresso"));
    else SQZ_RECORD_SKIP("the classification of data_coffee.png was not checked: it needs the photographs (scripts/fetch-photos)");
    r = test::run_shell((build / "classify").string() + " --runs 2 --test-pattern");
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::Contains("test pattern:"));
    r = test::run_shell((build / "classify").string() + " /nonexistent.png");
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.err, Catch::Contains("cannot read /nonexistent.png"));
}

TEST_CASE("examples/c_api runs a package through the C API", "[examples]") {
    const ir::Graph g = compiler::load_model(test::model_at((test::source_dir() / "examples/squeezenet_v1.1.sqz").string()));
    const auto dir = test::write_package(g, "model");
    const auto exe = (test::scratch_dir() / "c_api").string();
    const std::string main_c = (test::source_dir() / "examples/c_api/main.c").string();
    auto r = test::run_shell("sh -c \"cd " + dir.string() + " && cc -std=c11 -O2 -Wall -Wextra -Werror -pedantic -I. -c " +
                             main_c + " -o main_c.o && ls *.cpp | grep -v _selftest | xargs -P2 -I{} c++ -std=c++17 -O2 -c {} -o {}.o && c++ main_c.o *.cpp.o -lpthread -o " +
                             exe + "\"", 900);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    r = test::run_shell(exe);
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::Contains("best class"));
    CHECK_THAT(r.out, Catch::Contains("on 2 thread(s)"));
}
