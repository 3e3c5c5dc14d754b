// Conventions every sqzc command keeps: --help exits 0 (for sqzc and each command), --version and
// `sqzc version` name sqzc, Halide, LLVM and the host target, and files written by default can be
// sent elsewhere (bench --sweep --out).
#include "tests/support.h"

#include <regex>

using namespace sqz;

namespace {

// Help text with its line wrapping undone (Boost wraps option descriptions at 80 columns).
std::string unwrapped(const std::string& help) { return std::regex_replace(help, std::regex("\\s+"), " "); }

}  // namespace

TEST_CASE("sqzc --help and every COMMAND --help exit 0 and print the usage", "[cli]") {
    auto r = test::run_sqzc("--help");
    REQUIRE(r.exit_code == 0);
    for (const char* command : {"info", "compile", "run", "bench", "export", "graph", "version"}) {
        CHECK_THAT(r.out, Catch::Contains(std::string("  ") + command + " "));
        INFO(command);
        auto c = test::run_sqzc(std::string(command) + " --help");
        CHECK(c.exit_code == 0);
        CHECK_THAT(c.out, Catch::Contains(std::string("usage: sqzc ") + command));
        CHECK(c.err.empty());
    }
    CHECK(test::run_sqzc("run -h").exit_code == 0);
    r = test::run_sqzc("");
    CHECK(r.exit_code == 2);  // no command at all: usage, as a usage error
}

TEST_CASE("sqzc --version and sqzc version name the versions and the host target", "[cli]") {
    for (const char* args : {"--version", "version"}) {
        auto r = test::run_sqzc(args);
        INFO(args << ": " << r.out << r.err);
        REQUIRE(r.exit_code == 0);
        CHECK_THAT(r.out, Catch::Matches("sqzc [0-9]+\\.[0-9]+\\.[0-9]+\n"
                                         "Halide 14\\.[0-9]+\\.[0-9]+ \\(LLVM 14\\.[0-9]+\\.[0-9]+\\)\n"
                                         "host target: [a-z0-9_]+-64-[a-z]+.*\n"));
    }
    auto r = test::run_sqzc("version --verbose");
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.err, Catch::Contains("sqzc version takes no arguments, got '--verbose'"));
}

TEST_CASE("bench --out goes with --sweep, whose --help names the files it writes", "[cli][bench]") {
    auto r = test::run_sqzc("bench --help");
    CHECK_THAT(unwrapped(r.out), Catch::Contains("writes PREFIX.json and PREFIX.png"));
    CHECK_THAT(unwrapped(r.out), Catch::Contains("sweep.json and sweep.png in the current folder"));
    r = test::run_sqzc("bench " + (test::source_dir() / "examples/squeezenet_v1.1.sqz").string() + " --out x");
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.err, Catch::Contains("--out goes with --sweep"));
}

TEST_CASE("every compiling command takes --conv-algorithm once (info shows the choice)", "[cli]") {
    const std::string model = (test::source_dir() / "examples/squeezenet_v1.1.sqz").string();
    auto r = test::run_sqzc("info " + model + " --conv-algorithm direct");
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::Contains("direct"));
    CHECK_THAT(r.out, !Catch::Contains("winograd"));
    r = test::run_sqzc("info " + model + " --conv-algorithm winograd-f2");
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::Contains("winograd-f2"));
    for (const char* command : {"run", "bench", "compile", "export", "graph"}) {
        INFO(command);
        r = test::run_sqzc(std::string(command) + " " + model + " --conv-algorithm nope");
        CHECK(r.exit_code == 1);
        CHECK_THAT(r.err, !Catch::Contains("ambiguous"));
    }
}
