// The side-by-side comparison with ONNX Runtime (bench/): the FMA peak tool, the benchmark
// server's line protocol and output (checked against the reference interpreter), an int8 model's
// QDQ export run by ONNX Runtime against sqzc's int8 engines, and bench/compare-ort end to end in
// --quick mode on SqueezeNet v1.1 with one thread (pinned to each core in turn), float32 and int8.
// The two that need ONNX Runtime are skipped (ctest reports them so) when node or gnuplot is missing or onnxruntime-node
// cannot be installed from npm.
#include "compiler/file_io.h"
#include "compiler/model_loader.h"
#include "ir/interpreter.h"
#include "ir/test_pattern.h"
#include "tests/support.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>

using namespace sqz;

namespace {

std::string bench_tool(const std::string& name) { return (test::binary_dir() / "bench" / name).string(); }

// bench/install-ort: the NODE_PATH folder of ONNX Runtime, or "" and why it cannot be installed.
std::string ort_node_path(std::string& why) {
    if (test::run_shell("command -v node").exit_code != 0) {
        why = "node is not installed";
        return "";
    }
    const auto r = test::run_shell((test::source_dir() / "bench" / "install-ort").string(), 600);
    if (r.exit_code == 77) {
        why = "ONNX Runtime (onnxruntime-node) cannot be installed here: " + r.err;
        return "";
    }
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return r.out.substr(0, r.out.find('\n'));
}

std::vector<nlohmann::json> json_lines(const std::string& text) {
    std::vector<nlohmann::json> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line));
    return out;
}

}  // namespace

TEST_CASE("fma_peak reports a positive peak per thread count", "[bench]") {
    auto r = test::run_shell(bench_tool("fma_peak") + " --threads 1,2 --ms 20 --repeats 2 --json", 60);
    REQUIRE(r.exit_code == 0);
    const auto j = nlohmann::json::parse(r.out);
    CHECK((j.at("isa") == "avx512f" || j.at("isa") == "avx2-fma" || j.at("isa") == "sse"));
    CHECK(j.at("accumulators") == 16);
    REQUIRE(j.at("peak").size() == 2);
    CHECK(j["peak"][0].at("threads") == 1);
    CHECK(j["peak"][1].at("threads") == 2);
    CHECK(j["peak"][0].at("gflops").get<double>() > 1.0);

    r = test::run_shell(bench_tool("fma_peak") + " --threads 0");
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("--threads 0: expected a whole number in [1, 256]"));
}

TEST_CASE("sqzc_bench_server times blocks on request and writes the engines' outputs", "[bench]") {
    const auto dir = test::scratch_dir();
    const std::string model = (dir / "tiny.sqz").string();
    std::ofstream(model) << test::kTinyFireSqz;
    const std::string input = (dir / "input.f32").string(), jit_out = (dir / "jit.f32").string();
    const std::string commands = "run jit 3 1\\nrun nope 1\\nrun jit x\\noutput jit " + jit_out + "\\nquit\\n";
    auto r = test::run_shell("printf '" + commands + "' | " + bench_tool("sqzc_bench_server") + " " + model +
                             " --threads 2 --engines jit --save-input " + input, 120);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto replies = json_lines(r.out);
    REQUIRE(replies.size() == 5);
    CHECK(replies[0].at("ready") == true);
    CHECK(replies[0].at("model") == "tiny");
    CHECK(replies[0].at("threads") == 2);
    CHECK(replies[0].at("input_dims") == nlohmann::json({1, 3, 31, 31}));
    CHECK(replies[0].at("output_dims") == nlohmann::json::array({{1, 7, 1, 1}}));
    CHECK(replies[1].at("engine") == "jit");
    REQUIRE(replies[1].at("ms").size() == 3);
    CHECK(replies[1]["ms"][0].get<double>() > 0);
    CHECK(replies[2].at("error") == "no engine 'nope' in this server");
    CHECK(replies[3].at("error") == "'x': expected a whole number in [1, 100000]");
    CHECK(replies[4].at("values") == 7);

    // The input written is the test pattern; the output matches the reference interpreter.
    compiler::ModelOptions options;
    options.model_path = model;
    const ir::Graph graph = compiler::load_model(options);
    const ir::Tensor pattern = ir::test_pattern(graph.type_of(graph.inputs[0].name));
    CHECK(test::read_f32(input) == pattern.data);
    const auto want = ir::interpret(graph, {pattern});
    CHECK(ir::max_relative_error(test::read_f32(jit_out), want.at(0).data) <= 1e-5);

    r = test::run_shell(bench_tool("sqzc_bench_server") + " " + model + " --threads 0 </dev/null");
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.err, Catch::Contains("sqzc_bench_server: error: --threads 0: must lie in [1, 256]"));
}

TEST_CASE("ONNX Runtime runs an int8 model's QDQ export as sqzc's int8 engines run the model", "[bench][ort][int8]") {
    std::string why;
    const std::string node_path = ort_node_path(why);
    if (node_path.empty()) SQZ_SKIP(why);
    const auto dir = test::scratch_dir() / "qdq_ort";
    std::filesystem::create_directories(dir);
    const std::string model = (dir / "fires.sqz").string(), onnx = (dir / "fires.onnx").string();
    std::ofstream(model) << test::kInt8FireSqz;
    auto r = test::run_sqzc("export " + model + " --precision int8 -o " + onnx);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    compiler::ModelOptions options;
    options.model_path = model;
    const ir::Graph graph = compiler::load_model(options);
    for (uint64_t seed = 1; seed <= 2; ++seed) {
        const std::string input = (dir / ("input" + std::to_string(seed) + ".f32")).string();
        const std::string sqzc_out = (dir / ("sqzc" + std::to_string(seed) + ".f32")).string();
        const std::string ort_out = (dir / ("ort" + std::to_string(seed) + ".f32")).string();
        compiler::write_f32_file(input, test::random_input(graph, seed, -120.0f, 130.0f).data);
        r = test::run_sqzc("run " + model + " --precision int8 --engine jit --input " + input + " --output " + sqzc_out);
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        r = test::run_shell("printf 'output ort " + ort_out + "\\nquit\\n' | NODE_PATH=" + node_path + " node " +
                            (test::source_dir() / "bench" / "ort_runner.js").string() + " --model " + onnx +
                            " --threads 1 --input " + input + " --dims 1,3,33,33", 120);
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        const std::vector<float> a = test::read_f32(sqzc_out), b = test::read_f32(ort_out);
        REQUIRE(a.size() == 10);
        REQUIRE(b.size() == 10);
        // The same quantized model: the same top class, within a few quantisation steps.
        CHECK(std::max_element(a.begin(), a.end()) - a.begin() == std::max_element(b.begin(), b.end()) - b.begin());
        CHECK(ir::max_relative_error(a, std::vector<double>(b.begin(), b.end())) <= 0.05);
    }
}

TEST_CASE("bench/compare-ort runs sqzc and ONNX Runtime side by side (v1.1, 1 thread, --quick)", "[bench][ort]") {
    if (test::run_shell("command -v node && command -v gnuplot").exit_code != 0)
        SQZ_SKIP("node or gnuplot is not installed");
    const std::string out = (test::scratch_dir() / "compare.json").string();
    const std::string script = (test::source_dir() / "bench" / "compare-ort").string();
    const auto r = test::run_shell(script + " --quick --models v1.1 --threads 1 --no-build --build-dir " +
                                       test::binary_dir().string() + " --out " + out, 900);
    if (r.exit_code == 77) SQZ_SKIP("onnxruntime-node could not be installed from npm: " << r.err);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::Contains("median ms"));
    CHECK_THAT(r.out, Catch::Contains("onnxruntime"));

    const auto j = nlohmann::json::parse(compiler::read_file(out));
    CHECK(j.at("tool") == "bench/compare-ort");
    CHECK(j.at("ort_version") == "1.30.0");
    CHECK(j.at("outputs_agree") == true);
    CHECK(j.at("machine").at("cores").get<int>() >= 1);
    CHECK(!j.at("machine").at("cpu").get<std::string>().empty());
    const double peak = j.at("peak").at("gflops").at("1").get<double>();
    CHECK(peak > 1.0);
    CHECK(j.at("settings").at("rounds") == 3);
    CHECK(j.at("settings").at("iterations") == 2);

    // One thread runs on every core in turn where there are two or more (3 rounds: both cores of two).
    const auto& pinned = j.at("settings").at("pinned_cpus");
    CHECK((pinned.is_null() || pinned.size() >= 2));

    const auto& rows = j.at("results");
    REQUIRE(rows.size() == 6);
    const char* engines[] = {"sqzc-jit", "sqzc-source", "onnxruntime"};
    for (size_t i = 0; i < 6; ++i) {
        const auto& row = rows[i];
        INFO(row.dump());
        CHECK(row.at("engine") == engines[i % 3]);
        CHECK(row.at("precision") == (i < 3 ? "float32" : "int8"));
        CHECK(row.at("model") == "v1.1");
        CHECK(row.at("threads") == 1);
        CHECK(row.at("runs") == 6);
        CHECK(row.at("macs") == 387747520);
        const double median = row.at("median_ms").get<double>();
        CHECK(median > 0);
        CHECK(row.at("p90_ms").get<double>() >= median);
        CHECK(row.at("p10_ms").get<double>() <= median);
        CHECK(row.at("gflops").get<double>() == Approx(2 * 387747520.0 / (median * 1e6)));
        CHECK(row.at("peak_share").get<double>() == Approx(row.at("gflops").get<double>() / peak));
        CHECK(row.at("max_rel_err_vs_ort").get<double>() <= (i < 3 ? 1e-4 : 0.05));
        CHECK(row.at("top1_agrees_with_ort") == true);
        CHECK(row.at("agrees") == true);
        CHECK(row.at("speedup").is_null());
        const auto& per_cpu = row.at("per_cpu_median_ms");
        if (pinned.is_null()) {
            CHECK(per_cpu.is_null());
        } else {
            REQUIRE(per_cpu.size() == std::min<size_t>(pinned.size(), 3));
            for (const auto& [cpu, ms] : per_cpu.items()) {
                CHECK(std::find(pinned.begin(), pinned.end(), std::stoi(cpu)) != pinned.end());
                CHECK(ms.get<double>() > 0);
            }
        }
    }
    CHECK(rows[2].at("ratio_to_ort") == 1.0);
    CHECK(rows[5].at("ratio_to_ort") == 1.0);
    CHECK(rows[3].at("ratio_to_ort").get<double>() ==
          Approx(rows[3].at("median_ms").get<double>() / rows[5].at("median_ms").get<double>()));
    CHECK(rows[0].at("ratio_to_ort").get<double>() ==
          Approx(rows[0].at("median_ms").get<double>() / rows[2].at("median_ms").get<double>()));

    // The chart: a PNG beside the JSON.
    const std::string png = compiler::read_file(out.substr(0, out.size() - 5) + ".png");
    CHECK(png.substr(0, 8) == "\x89PNG\r\n\x1a\n");
}
