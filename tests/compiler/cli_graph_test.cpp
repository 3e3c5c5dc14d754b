// `sqzc graph`: DOT, SVG and PNG pictures of a model (before and after the passes), and clean
// failures that leave no file behind (bad extension, missing folder, no Graphviz, dot failing).
#include "tests/support.h"

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace sqz;
namespace fs = std::filesystem;

namespace {

std::string example(const char* name) { return (test::source_dir() / "examples" / name).string(); }

std::string slurp(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// A fresh, empty folder for one test case.
fs::path folder(const std::string& name) {
    const fs::path dir = test::scratch_dir() / name;
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

size_t entries(const fs::path& dir) {
    size_t n = 0;
    for (const auto& e : fs::directory_iterator(dir)) n += e.exists() ? 1 : 0;
    return n;
}

bool have_dot() { return test::run_shell("sh -c \"command -v dot\"").exit_code == 0; }

const std::string kSimple = example("squeezenet_v1.0_simple_bypass.sqz");

}  // namespace

TEST_CASE("sqzc graph writes DOT text of the model as loaded", "[cli][graph]") {
    const fs::path dir = folder("dot");
    const fs::path out = dir / "x.dot";
    auto r = test::run_sqzc("graph " + kSimple + " -o " + out.string());
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.out == "wrote " + out.string() + " (70 nodes)\n");
    const std::string dot = slurp(out);
    CHECK(dot.rfind("digraph \"squeezenet_v1.0_simple_bypass\" {", 0) == 0);
    CHECK(contains(dot, "batch 1, activations NCHW, 1,248,424 parameters"));
    for (int fire = 2; fire <= 9; ++fire)
        CHECK(contains(dot, "subgraph cluster_fire" + std::to_string(fire) + " {"));
    CHECK(contains(dot, "label=\"fire3/bypass\\nadd\""));
    CHECK(contains(dot, "[label=\"1x96x55x55\"]"));
    CHECK_FALSE(contains(dot, "+ReLU"));  // no passes ran
    CHECK(entries(dir) == 1);
    // Without --after-passes, pass options are a mistake.
    r = test::run_sqzc("graph " + kSimple + " --disable-pass all -o " + (dir / "y.dot").string());
    CHECK(r.exit_code == 1);
    CHECK(r.err == "sqzc graph: error: --disable-pass and --print-after need --after-passes\n");
}

TEST_CASE("sqzc graph --after-passes draws the fused graph as SVG and PNG", "[cli][graph]") {
    if (!have_dot()) SQZ_SKIP("Graphviz 'dot' is not installed");
    const fs::path dir = folder("svg");
    const fs::path svg = dir / "x.svg";
    auto r = test::run_sqzc("graph " + kSimple + " --after-passes -o " + svg.string());
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(contains(r.out, "after passes"));
    const std::string text = slurp(svg);
    CHECK(contains(text, "<svg"));
    CHECK(contains(text, ">fire3</text>"));
    CHECK(contains(text, ">fire9</text>"));
    CHECK(contains(text, ">+ReLU</text>"));
    CHECK(contains(text, "+ residual from fire2/concat [0, 64)"));
    CHECK(contains(text, "in place (no copy)"));
    CHECK(contains(text, "writes into [64, 128)"));
    CHECK(contains(text, "activations NHWC"));
    CHECK(entries(dir) == 1);  // no temporaries left

    // Switching the fusions off leaves nothing fused.
    r = test::run_sqzc("graph " + kSimple + " --after-passes --disable-pass all -o " + svg.string());
    REQUIRE(r.exit_code == 0);
    CHECK_FALSE(contains(slurp(svg), "+ReLU"));

    const fs::path png = dir / "x.PNG";
    r = test::run_sqzc("graph " + kSimple + " --after-passes -o " + png.string());
    REQUIRE(r.exit_code == 0);
    const std::string bytes = slurp(png);
    REQUIRE(bytes.size() > 1000);
    CHECK(bytes.compare(0, 8, "\x89PNG\r\n\x1a\n") == 0);
    CHECK(entries(dir) == 2);
}

TEST_CASE("sqzc graph fails cleanly and never leaves a file", "[cli][graph]") {
    const fs::path dir = folder("fail");
    auto r = test::run_sqzc("graph " + kSimple + " -o " + (dir / "x.jpg").string());
    CHECK(r.exit_code == 1);
    CHECK(r.err == "sqzc graph: error: " + (dir / "x.jpg").string() +
                       ": unknown picture format '.jpg'; use .dot, .svg or .png\n");
    r = test::run_sqzc("graph " + kSimple + " -o " + (dir / "x").string());
    CHECK(r.exit_code == 1);
    CHECK(contains(r.err, "unknown picture format '(none)'"));

    const fs::path missing = dir / "no" / "such";
    for (const char* ext : {".dot", ".svg", ".png"}) {
        r = test::run_sqzc("graph " + kSimple + " -o " + (missing / "x").string() + ext);
        CHECK(r.exit_code == 1);
        CHECK(r.err == "sqzc graph: error: " + (missing / "x").string() + ext + ": directory '" + missing.string() +
                           "' does not exist\n");
    }
    r = test::run_sqzc("graph " + (dir / "nope.sqz").string() + " -o " + (dir / "x.dot").string());
    CHECK(r.exit_code == 1);
    CHECK(contains(r.err, "nope.sqz: no such file"));
    CHECK(entries(dir) == 0);

    // No Graphviz on PATH: a clear hint, and still no file.
    const std::string sqzc = (test::binary_dir() / "sqzc").string();
    r = test::run_shell("env PATH=" + (dir / "empty").string() + " " + sqzc + " graph " + kSimple + " -o " +
                        (dir / "x.svg").string());
    CHECK(r.exit_code == 1);
    CHECK(contains(r.err, "Graphviz's 'dot' is not on PATH; install graphviz"));
    CHECK(entries(dir) == 0);

    // dot failing after writing part of its output: its message is passed on, nothing is left.
    const fs::path bin = folder("fake-dot");
    {
        std::ofstream script(bin / "dot");
        script << "#!/bin/sh\necho partial > \"$3\"\necho 'Error: fake dot gave up' >&2\nexit 3\n";
    }
    fs::permissions(bin / "dot", fs::perms::owner_all);
    r = test::run_shell("env PATH=" + bin.string() + ":/usr/bin:/bin " + sqzc + " graph " + kSimple + " -o " +
                        (dir / "x.png").string());
    CHECK(r.exit_code == 1);
    CHECK(r.err == "sqzc graph: error: dot -Tpng failed (exit code 3): Error: fake dot gave up\n");
    CHECK(entries(dir) == 0);
}
