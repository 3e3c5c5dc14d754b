// The sqzc command's int8 side end to end: bench with --calibrate on every engine (files, a
// folder, each calibration method), int8 export as QDQ and running that file back (the model's own
// scales, its warning line, no calibration), and the errors.
#include "compiler/file_io.h"
#include "tests/support.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

using namespace sqz;

namespace {

// Two calibration inputs of the tiny model (3x31x31), as .f32 files in a folder of their own.
std::string calibration_folder() {
    const auto dir = test::scratch_dir() / "calibration";
    std::filesystem::create_directories(dir);
    for (uint64_t seed = 1; seed <= 2; ++seed)
        compiler::write_f32_file((dir / ("input" + std::to_string(seed) + ".f32")).string(),
                                 test::random_values(3 * 31 * 31, seed, -120.0f, 130.0f));
    std::ofstream(dir / "notes.txt") << "not an input: skipped\n";
    return dir.string();
}

}  // namespace

TEST_CASE("sqzc bench --precision int8 --calibrate runs on every engine", "[cli][bench][int8]") {
    const std::string model = test::write_scratch("tiny_int8.sqz", test::kTinyFireSqz);
    const std::string folder = calibration_folder();
    const std::string file = (std::filesystem::path(folder) / "input1.f32").string();
    struct Run {
        const char* engine;
        std::string calibration;
    };
    for (const Run& run : {Run{"jit", "--calibrate " + file + " --calibration-method percentile --percentile 99.9"},
                           Run{"source", "--calibrate " + folder + " --calibration-method mse"},
                           Run{"reference", "--calibrate " + folder + " " + file}}) {
        INFO(run.engine << " " << run.calibration);
        const auto r = test::run_sqzc("bench " + model + " --precision int8 " + run.calibration + " --engine " +
                                          run.engine + " --iterations 2 --warmup 0 --json",
                                      600);
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        const auto j = nlohmann::json::parse(r.out);
        CHECK(j.at("engine") == run.engine);
        CHECK(j.at("precision") == "int8");
        CHECK(j.at("check_passed") == true);
        // The compiled engines also time their float32 variant, which must not inherit the calibration.
        if (std::string(run.engine) != "reference") CHECK(j.at("float32_median_ms").get<double>() > 0);
    }
}

TEST_CASE("sqzc info --accuracy --precision int8 compares each calibration method with float32", "[cli][info][int8]") {
    const std::string model = test::write_scratch("tiny_accuracy.sqz", test::kTinyFireSqz);
    auto r = test::run_sqzc("info " + model + " --accuracy --random 2 --engine reference --precision int8 --calibrate " +
                            calibration_folder());
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::Contains("int8 against float32 (reference engine), calibrated on "));
    for (const char* method : {"int8, max ", "int8, percentile 99.99% ", "int8, mse "}) CHECK_THAT(r.out, Catch::Contains(method));
    CHECK_THAT(r.out, Catch::Contains("2 random images"));
    r = test::run_sqzc("info " + model + " --accuracy --random 2 --engine reference --precision int8 --calibration-method mse");
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.out, !Catch::Contains("int8, max"));
    r = test::run_sqzc("info " + model + " --precision int8");
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.err, Catch::Contains("--precision int8 goes with --accuracy in sqzc info"));
}

TEST_CASE("int8 calibration options fail with one clear line", "[cli][int8][errors]") {
    const std::string model = test::write_scratch("tiny_cal.sqz", test::kTinyFireSqz);
    const auto empty = test::scratch_dir() / "empty_calibration";
    std::filesystem::create_directories(empty);
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"run " + model + " --calibrate " + model, "--calibrate applies to --precision int8 and --refine-codebooks only"},
        {"run " + model + " --calibration-method mse", "--calibration-method applies to --precision int8 only"},
        {"run " + model + " --precision int8 --calibration-method kl", "--calibration-method kl: choose max, percentile or mse"},
        {"run " + model + " --precision int8 --calibration-method percentile --percentile 0",
         "--percentile 0: must lie in (0, 100]"},
        {"run " + model + " --precision int8 --calibrate " + empty.string(),
         empty.string() + ": the folder has no .f32, PNG, JPEG or PPM files to calibrate on"},
    };
    for (const auto& [args, message] : cases) {
        INFO(args);
        const auto r = test::run_sqzc(args);
        CHECK(r.exit_code == 1);
        CHECK(r.signal == 0);
        CHECK_THAT(r.err, Catch::Contains(message));
    }
}

TEST_CASE("sqzc export --precision int8 writes a QDQ model that sqzc runs with its own scales", "[cli][export][int8]") {
    const std::string model = test::write_scratch("fires.sqz", test::kInt8FireSqz);
    const std::string onnx = (test::scratch_dir() / "fires_int8.onnx").string();
    const std::string folder = calibration_folder();
    auto r = test::run_sqzc("export " + model + " --precision int8 -o " + onnx);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::Contains("int8 in QDQ form"));

    // The QDQ file run as int8 computes what the model's own int8 form computes, and says once
    // what it approximates of ONNX's definition.
    const std::string input = (test::scratch_dir() / "fires_input.f32").string();
    compiler::write_f32_file(input, test::random_values(3 * 33 * 33, 5, -120.0f, 130.0f));
    const std::string a = (test::scratch_dir() / "fires_a.f32").string(), b = (test::scratch_dir() / "fires_b.f32").string();
    r = test::run_sqzc("run " + model + " --precision int8 --engine reference --input " + input + " --output " + a);
    REQUIRE(r.exit_code == 0);
    r = test::run_sqzc("run " + onnx + " --precision int8 --engine reference --input " + input + " --output " + b);
    REQUIRE(r.exit_code == 0);
    CHECK(test::read_f32(a) == test::read_f32(b));
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    CHECK_THAT(r.err, Catch::StartsWith("sqzc: warning: " + onnx + ": the int8 form of quantized model 'fires' "
                                        "approximates it: 7 int8 convolutions requantise in fixed point"));
    // Its float32 run is the dequantized float model; bench checks the int8 engines against it.
    r = test::run_sqzc("run " + onnx + " --input " + input + " --output " + b);
    REQUIRE(r.exit_code == 0);
    CHECK(r.err.empty());
    r = test::run_sqzc("bench " + onnx + " --precision int8 --iterations 2 --warmup 0 --json", 600);
    REQUIRE(r.exit_code == 0);
    CHECK(nlohmann::json::parse(r.out).at("check_passed") == true);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);  // the warning, once

    const std::vector<std::pair<std::string, std::string>> errors = {
        {"run " + onnx + " --precision int8 --calibrate " + folder,
         "model 'fires' is quantized (it carries its own int8 scales); --calibrate applies to float models only"},
        {"export " + model + " --precision int8 --opset 12 -o " + onnx + ".12",
         "cannot export int8 graph 'fires' at opset 12: its per-channel DequantizeLinear needs opset 13 or later"},
        {"export " + model + " --disable-pass fuse-bypass -o " + onnx + ".x",
         "--disable-pass and --print-after apply to --precision int8 only"},
        {"run " + onnx + " --precision int8 --prune 0.5", "the model is quantized; --prune and --codebook-bits apply"},
    };
    for (const auto& [args, message] : errors) {
        INFO(args);
        r = test::run_sqzc(args);
        CHECK(r.exit_code == 1);
        CHECK_THAT(r.err, Catch::Contains(message));
    }
    CHECK(!std::filesystem::exists(onnx + ".12"));
}
