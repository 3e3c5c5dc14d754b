// sqzc in a user's build (cmake/, docs/cmake.md): `cmake --install` into a temporary prefix, then
// an out-of-tree project finds it (find_package(sqzc)), compiles a small model with
// sqzc_add_model under -Wall -Wextra -Werror, and runs it; its output must match the reference
// interpreter's (`sqzc run --engine reference`) on the same input. Then the model changes, and the
// next build must compile it again.
#include "tests/support.h"

#include "ir/shell.h"

#include <cmath>
#include <fstream>

using namespace sqz;
namespace fs = std::filesystem;

namespace {

const char* kProject = R"(cmake_minimum_required(VERSION 3.13)
project(user LANGUAGES CXX)
add_compile_options(-Wall -Wextra -Werror)
find_package(sqzc 0.1 REQUIRED)
sqzc_add_model(tiny_model MODEL ${CMAKE_CURRENT_SOURCE_DIR}/tiny.sqz NAME tiny THREADS 3)
add_executable(user main.cpp)
target_link_libraries(user PRIVATE tiny_model)
)";

// Runs the model on input.f32 into output.f32 and prints its thread count.
const char* kMain = R"(#include "tiny.h"
#include <cstdio>
#include <vector>

int main(int argc, char** argv) {
    if (argc != 3) return 2;
    std::vector<float> input(tiny::kInput0Size), output(tiny::kOutput0Size);
    std::FILE* in = std::fopen(argv[1], "rb");
    if (!in || std::fread(input.data(), sizeof(float), input.size(), in) != input.size()) return 3;
    std::fclose(in);
    tiny::Model model;
    if (int status = model.init()) {
        std::fprintf(stderr, "%s\n", tiny::Model::status_string(status));
        return 1;
    }
    if (int status = model.run(input.data(), output.data())) {
        std::fprintf(stderr, "%s\n", tiny::Model::status_string(status));
        return 1;
    }
    std::FILE* out = std::fopen(argv[2], "wb");
    if (!out || std::fwrite(output.data(), sizeof(float), output.size(), out) != output.size()) return 4;
    std::fclose(out);
    std::printf("threads %d\n", model.threads());
    return 0;
}
)";

void write(const fs::path& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

// The program's output for `input` against the reference interpreter's, within float rounding.
void check_against_reference(const fs::path& build, const fs::path& model, const fs::path& input) {
    const fs::path got = build / "got.f32", want = build / "want.f32";
    auto r = test::run_shell(shell_quote((build / "user").string()) + " " + shell_quote(input.string()) + " " +
                             shell_quote(got.string()));
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.out == "threads 3\n");  // THREADS 3: the default the package was built with
    r = test::run_sqzc("run " + shell_quote(model.string()) + " --engine reference --input " + shell_quote(input.string()) +
                       " --output " + shell_quote(want.string()));
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    const std::vector<float> a = test::read_f32(got), b = test::read_f32(want);
    REQUIRE(a.size() == b.size());
    double worst = 0, scale = 0;
    for (size_t i = 0; i < a.size(); ++i) worst = std::fmax(worst, std::fabs(a[i] - b[i])), scale = std::fmax(scale, std::fabs(b[i]));
    INFO("largest difference " << worst << " of " << scale);
    CHECK(scale > 0);
    CHECK(worst <= 1e-4 * scale);
}

}  // namespace

TEST_CASE("an installed sqzc builds a model in a user's CMake project with find_package and sqzc_add_model", "[cmake]") {
    const fs::path prefix = test::scratch_dir() / "prefix", project = test::scratch_dir() / "user",
                   build = test::scratch_dir() / "user-build";
    auto r = test::run_shell("cmake --install " + shell_quote(test::binary_dir().string()) + " --prefix " +
                             shell_quote(prefix.string()));
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    REQUIRE(fs::exists(prefix / "bin/sqzc"));
    REQUIRE(fs::exists(prefix / "lib/cmake/sqzc/sqzcConfig.cmake"));
    REQUIRE(fs::exists(prefix / "lib/cmake/sqzc/sqzcConfigVersion.cmake"));
    r = test::run_shell(shell_quote((prefix / "bin/sqzc").string()) + " compile --help");
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);  // the installed sqzc runs from the prefix

    fs::create_directories(project);
    write(project / "CMakeLists.txt", kProject);
    write(project / "main.cpp", kMain);
    write(project / "tiny.sqz", test::kTinyFireSqz);
    const fs::path input = test::scratch_dir() / "input.f32";
    {
        const std::vector<float> values = test::random_values(3 * 31 * 31, 7);
        std::ofstream(input, std::ios::binary).write(reinterpret_cast<const char*>(values.data()),
                                                     static_cast<std::streamsize>(values.size() * sizeof(float)));
    }
    r = test::run_shell("cmake -S " + shell_quote(project.string()) + " -B " + shell_quote(build.string()) +
                            " -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH=" + shell_quote(prefix.string()),
                        600);
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK_FALSE(fs::exists(build / "sqzc/tiny/tiny.h"));  // configuring only lists the files
    r = test::run_shell("cmake --build " + shell_quote(build.string()) + " -j2 -- VERBOSE=1", 900);
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::Contains((prefix / "bin/sqzc").string() + " compile"));  // the installed sqzc, not the build's
    CHECK_THAT(r.out, Catch::Contains("sqzc compile " + (project / "tiny.sqz").string() + " (package tiny)"));
    check_against_reference(build, project / "tiny.sqz", input);

    // Another model in the same file: the next build compiles it again (and only then).
    std::string changed = test::kTinyFireSqz;
    const std::string from = "conv conv10 filters=7", to = "conv conv10 filters=5";
    changed.replace(changed.find(from), from.size(), to);
    write(project / "tiny.sqz", changed);
    r = test::run_shell("cmake --build " + shell_quote(build.string()) + " -j2", 900);
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::Contains("(package tiny)"));
    check_against_reference(build, project / "tiny.sqz", input);
    CHECK(test::read_f32(build / "got.f32").size() == 5);
    r = test::run_shell("cmake --build " + shell_quote(build.string()) + " -j2", 900);
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.out, !Catch::Contains("(package tiny)"));  // nothing changed: not compiled again
}
