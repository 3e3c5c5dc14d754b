// The sqzc command end to end: info (table and JSON), run (engines agree, images, outputs),
// bench (the JSON schema, on a tiny model so it stays fast), export, and clear failures.
#include "compiler/file_io.h"
#include "tests/support.h"

#include <nlohmann/json.hpp>

#include <fstream>

using namespace sqz;

namespace {

std::string example(const char* name) { return (test::source_dir() / "examples" / name).string(); }

}  // namespace

TEST_CASE("sqzc info prints the layer table and exact totals", "[cli][info]") {
    auto r = test::run_sqzc(example("squeezenet_v1.0.sqz"));
    REQUIRE(r.exit_code == 2);  // no command: usage
    r = test::run_sqzc("info " + example("squeezenet_v1.0.sqz"));
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::Contains("fire9/expand3x3"));
    CHECK_THAT(r.out, Catch::Contains("total: 1,248,424 parameters, 861,339,936 MACs"));
    r = test::run_sqzc("info --json " + example("squeezenet_v1.1.sqz"));
    REQUIRE(r.exit_code == 0);
    const auto j = nlohmann::json::parse(r.out);
    CHECK(j.at("params").get<int64_t>() == 1235496);
    CHECK(j.at("macs").get<int64_t>() == 387747520);
    REQUIRE(j.at("layers").is_array());
    CHECK(j.at("layers").size() > 60);
    CHECK(j["layers"][0].at("name") == "conv1");
    CHECK(j["layers"][0].at("macs").get<int64_t>() == 64 * 3 * 9 * 113 * 113);
    r = test::run_sqzc("info --json --set SR=0.25 " + example("squeezenet_v1.1.sqz"));
    REQUIRE(r.exit_code == 0);
    CHECK(nlohmann::json::parse(r.out).at("params").get<int64_t>() > 1235496);
}

TEST_CASE("sqzc run: the JIT and reference engines agree, outputs are written", "[cli][run]") {
    const std::string model = test::write_scratch("tiny.sqz", test::kTinyFireSqz);
    const std::string ref_out = (test::scratch_dir() / "ref.f32").string();
    const std::string jit_out = (test::scratch_dir() / "jit.f32").string();
    auto r = test::run_sqzc("run " + model + " --engine reference --output " + ref_out);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::Contains("built-in test pattern"));
    r = test::run_sqzc("run " + model + " --engine jit --threads 2 --output " + jit_out);
    REQUIRE(r.exit_code == 0);
    const auto a = test::read_f32(ref_out);
    const auto b = test::read_f32(jit_out);
    REQUIRE(a.size() == 7);
    CHECK(ir::max_relative_error(b, a) < 1e-5);
    // A raw input file round-trips through --input.
    std::vector<float> input = test::random_values(3 * 31 * 31, 1, -50, 50);
    const std::string in_path = (test::scratch_dir() / "in.f32").string();
    compiler::write_f32_file(in_path, input);
    r = test::run_sqzc("run " + model + " --input " + in_path + " --top 3");
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::Contains("output [1,7,1,1]"));
}

TEST_CASE("sqzc run classifies an image file with labels", "[cli][run]") {
    // A 40x30 binary PPM: red left half, blue right half.
    std::string ppm = "P6\n40 30\n255\n";
    for (int y = 0; y < 30; ++y)
        for (int x = 0; x < 40; ++x) ppm += x < 20 ? std::string("\xff\x00\x00", 3) : std::string("\x00\x00\xff", 3);
    const std::string image = test::write_scratch("image.ppm", ppm);
    const std::string labels = test::write_scratch("labels.txt", "zero\none\ntwo\nthree\nfour\nfive\nsix\n");
    const std::string model = test::write_scratch("tiny_img.sqz", test::kTinyFireSqz);
    auto r = test::run_sqzc("run " + model + " --image " + image + " --labels " + labels + " --top 7");
    REQUIRE(r.exit_code == 0);
    for (const char* label : {"zero", "three", "six"}) CHECK_THAT(r.out, Catch::Contains(label));
    r = test::run_sqzc("run " + model + " --image " + model);
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.err, Catch::Contains("cannot decode image"));
}

TEST_CASE("sqzc bench --json has the documented fields", "[cli][bench]") {
    const std::string model = test::write_scratch("tiny_bench.sqz", test::kTinyFireSqz);
    auto r = test::run_sqzc("bench " + model + " --json --threads 2 --iterations 5 --warmup 1");
    REQUIRE(r.exit_code == 0);
    const auto j = nlohmann::json::parse(r.out);
    for (const char* key : {"engine", "threads", "median_ms", "p10_ms", "p90_ms", "gflops", "compile_ms", "max_rel_err"})
        CHECK(j.contains(key));
    CHECK(j.at("engine") == "jit");
    CHECK(j.at("threads") == 2);
    CHECK(j.at("median_ms").get<double>() > 0);
    CHECK(j.at("p10_ms").get<double>() <= j.at("median_ms").get<double>());
    CHECK(j.at("median_ms").get<double>() <= j.at("p90_ms").get<double>());
    CHECK(j.at("gflops").get<double>() > 0);
    CHECK(j.at("compile_ms").get<double>() > 0);
    CHECK(j.at("max_rel_err").get<double>() < 1e-4);
    CHECK(j.at("check_passed") == true);
    r = test::run_sqzc("bench " + model + " --threads 1 --iterations 3 --warmup 0 --profile");
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::Contains("fire2/expand3x3"));
    CHECK_THAT(r.out, Catch::Contains("GFLOP/s"));
}

TEST_CASE("sqzc bench --sweep times each metaparameter value and writes JSON and a plot", "[cli][bench][sweep]") {
    const std::string model = test::write_scratch("tiny_meta.sqz", "sqz 1\nname tiny_meta\ninput 3x35x35\nclasses 10\n"
                                                             "conv1 filters=16 kernel=3 stride=2\nfire_modules 2\n"
                                                             "base_e 16\nincr_e 16\nmaxpool after=conv1\n");
    const std::string prefix = (test::scratch_dir() / "sweep").string();
    auto r = test::run_sqzc("bench " + model + " --sweep SR=0.25,0.5,1 --iterations 3 --warmup 1 --out " + prefix);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::Contains("median ms"));
    const auto j = nlohmann::json::parse(test::run_shell("cat " + prefix + ".json").out);
    REQUIRE(j.at("results").size() == 3);
    CHECK(j.at("key") == "SR");
    int64_t last = 0;
    for (const auto& row : j.at("results")) {
        CHECK(row.at("params").get<int64_t>() > last);  // larger squeeze layers, more parameters
        last = row.at("params").get<int64_t>();
        CHECK(row.at("median_ms").get<double>() > 0);
        CHECK(row.at("model_bytes").get<int64_t>() == 4 * last);
    }
    CHECK(std::filesystem::file_size(prefix + ".png") > 1000);
    r = test::run_sqzc("bench " + model + " --sweep SR=");
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.err, Catch::Contains("expected KEY=V1,V2"));
}

TEST_CASE("sqzc export writes ONNX that sqzc reads back to the same outputs", "[cli][export]") {
    const std::string model = test::write_scratch("tiny_export.sqz", test::kTinyFireSqz);
    const std::string onnx = (test::scratch_dir() / "tiny.onnx").string();
    auto r = test::run_sqzc("export " + model + " -o " + onnx);
    REQUIRE(r.exit_code == 0);
    const std::string a = (test::scratch_dir() / "a.f32").string(), b = (test::scratch_dir() / "b.f32").string();
    REQUIRE(test::run_sqzc("run " + model + " --output " + a).exit_code == 0);
    REQUIRE(test::run_sqzc("run " + onnx + " --output " + b).exit_code == 0);
    CHECK(test::read_f32(a) == test::read_f32(b));
}

TEST_CASE("sqzc fails with one clear line and a non-zero exit", "[cli][errors]") {
    struct Case {
        std::string args;
        std::string message;
    };
    const std::string bad_sqz = test::write_scratch("bad.sqz", "sqz 1\nconv1 filters=0\n");
    const std::string dir = test::scratch_dir().string();
    const std::vector<Case> cases = {
        {"info /nonexistent/model.sqz", "/nonexistent/model.sqz: no such file"},
        {"info " + test::write_scratch("x.caffemodel2", "x"), "unknown model format '.caffemodel2'"},
        {"info " + bad_sqz, "bad.sqz:2:15: conv1.filters must be an integer in [1, 1000000], found '0'"},
        {"info --set SR=0.5 " + (test::source_dir() / "tests/data/caffe/lrn.prototxt").string(),
         "--set applies to .sqz descriptions only"},
        {"run " + example("squeezenet_v1.1.sqz") + " --threads -1", "--threads -1: must not be negative"},
        {"run " + example("squeezenet_v1.1.sqz") + " --engine warp", "unknown engine 'warp'"},
        {"run " + example("squeezenet_v1.1.sqz") + " --input " + bad_sqz, "expected 618348"},
        {"bench " + example("squeezenet_v1.1.sqz") + " --iterations 0", "--iterations 0"},
        {"info " + dir, "is a directory"},
        {"run " + example("squeezenet_v1.1.sqz") + " --engine jit --target arm-64-linux", "cannot run on this machine"},
        {"run " + example("squeezenet_v1.1.sqz") + " --engine jit --target x86-64-linux-nosuchfeature", "invalid Halide target"},
        {"info", "the option '--model' is required"},
        {"frobnicate", "unknown command 'frobnicate'"},
    };
    for (const Case& c : cases) {
        INFO(c.args);
        auto r = test::run_sqzc(c.args);
        CHECK(r.exit_code != 0);
        CHECK(r.signal == 0);
        CHECK_THAT(r.err, Catch::Contains(c.message));
    }
}
