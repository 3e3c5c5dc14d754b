// The compression options of sqzc end to end: --prune, --codebook-bits and --cluster-init on run,
// bench, info and compile; --weights-format on compile; info --size and --accuracy; and a clear
// one-line error for every bad value.
#include "tests/support.h"

#include <cstring>
#include <fstream>

using namespace sqz;

namespace {

const char* kTiny = R"(sqz 1
name tinyz
input 3x31x31
layers
conv conv1 filters=20 kernel=3 stride=2 relu
maxpool pool1 kernel=3 stride=2
fire fire2 squeeze=6 expand1x1=10 expand3x3=10
conv conv10 filters=7 kernel=1 relu
global_avgpool pool10
softmax prob
)";

std::string tiny() {
    const auto path = test::scratch_dir() / "tinyz.sqz";
    std::ofstream(path) << kTiny;
    return path.string();
}

std::string deep_compression() {
    const auto dir = test::shared_dir() / "models" / "squeezenet_v1.0_deep_compression";
    return (dir / "deploy.prototxt").string() + " --weights " + (dir / "compressed_SqueezeNet.net").string();
}

void check_error(const std::string& args, const std::string& message) {
    const auto r = test::run_sqzc(args);
    INFO(args << "\n" << r.out << r.err);
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.err, Catch::Contains(message));
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);  // one line
}

}  // namespace

TEST_CASE("bad compression values give one clear line", "[cli][compression]") {
    const std::string m = tiny();
    const std::string out = (test::scratch_dir() / "never").string();
    check_error("run " + m + " --codebook-bits 1", "--codebook-bits must lie in 2..8, got 1");
    check_error("run " + m + " --codebook-bits 9", "--codebook-bits must lie in 2..8, got 9");
    check_error("bench " + m + " --codebook-bits 0", "--codebook-bits must lie in 2..8, got 0");
    check_error("info " + m + " --prune 1.5", "--prune must be a fraction in [0, 1), got 1.5");
    check_error("info " + m + " --prune 1", "--prune must be a fraction in [0, 1), got 1");
    check_error("compile " + m + " -o " + out + " --prune -0.25", "--prune must be a fraction in [0, 1), got -0.25");
    check_error("run " + m + " --prune half", "the argument ('half') for option '--prune' is invalid");
    check_error("run " + m + " --cluster-init random --codebook-bits 4", "--cluster-init random: choose linear or optimal");
    check_error("compile " + m + " -o " + out + " --weights-format zip",
                "unknown weights format 'zip' (expected dense, codebook, codebook-huffman or codebook-range)");
    check_error("compile " + m + " -o " + out + " --weights-format codebook",
                "weights format 'codebook' needs weights in codebook form, but 'conv1.weight' is dense (use a Deep "
                "Compression .net file, or --codebook-bits B to cluster the weights)");
    check_error("compile " + m + " -o " + out + " --weights-format codebook-huffman --codebook-bits 4 --precision int8",
                "--weights-format codebook-huffman stores float weights and cannot be combined with --precision int8");
    check_error("info " + m + " --package-library", "--package-library goes with --size");
    check_error("compile " + m + " -o " + out + " --optimize tiny", "unknown optimisation goal 'tiny' (choose speed or size)");
    check_error("bench " + m + " --optimize size --schedule adams2019",
                "--optimize size chooses the manual schedules; it cannot be combined with the adams2019 autoscheduler");
    check_error("info " + m + " --accuracy --random 0", "no inputs: give --photos DIR or --random N");
    check_error("run " + m + " --codebook-bits 4 --refine-codebooks",
                "--refine-codebooks needs --calibrate IMAGES (the images whose layer outputs it matches)");
    check_error("compile " + m + " -o " + out + " --refine-codebooks --calibrate " + m,
                "--refine-codebooks needs --codebook-bits B (the codebooks it refines)");
    check_error("bench " + m + " --prune 0.5 --refine-codebooks --calibrate " + m,
                "--refine-codebooks needs --codebook-bits B (the codebooks it refines)");
    CHECK_FALSE(std::filesystem::exists(out));
}

TEST_CASE("refine-codebooks refines on the calibration inputs, one progress line per layer", "[cli][compression]") {
    const std::string m = tiny();
    std::string raw(3 * 31 * 31 * 4, '\0');
    const std::vector<float> values = test::random_values(3 * 31 * 31, 5);
    std::memcpy(raw.data(), values.data(), raw.size());
    const std::string input = test::write_scratch("tinyz_calibration.f32", raw);
    const auto r = test::run_sqzc("run " + m + " --codebook-bits 3 --refine-codebooks --calibrate " + input +
                                  " --engine reference --top 1");
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    // conv1, fire2's three convolutions, conv10.
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 5);
    CHECK_THAT(r.err, Catch::Contains("refine-codebooks 1/5 conv1: output error"));
    CHECK_THAT(r.err, Catch::Contains("refine-codebooks 5/5 conv10: output error"));
}

TEST_CASE("run and bench take the compressed model, compile stores it", "[cli][compression]") {
    const std::string m = tiny();
    auto r = test::run_sqzc("run " + m + " --prune 0.5 --codebook-bits 3 --engine jit --top 1");
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    r = test::run_sqzc("bench " + m + " --codebook-bits 4 --cluster-init optimal --iterations 2 --warmup 0");
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);  // the JIT agrees with the reference on the compressed model
    const auto dir = test::scratch_dir() / "tinyz_pkg";
    r = test::run_sqzc("compile " + m + " -o " + dir.string() +
                       " --force --weights-format codebook-huffman --prune 0.5 --codebook-bits 4 --weights-storage file");
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::Contains("weights stored as codebook-huffman: 5 of 5 weight tensors compressed"));
    CHECK(std::filesystem::exists(dir / "tinyz.weights"));
    CHECK(std::filesystem::exists(dir / "tinyz_weight_codec.cpp"));
}

TEST_CASE("info --size prints the paper-style table", "[cli][compression][size]") {
    auto r = test::run_sqzc("info " + tiny() + " --size --prune 0.5 --codebook-bits 4");
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::Contains("dense float32"));
    CHECK_THAT(r.out, Catch::Contains("pruned 50%, 4-bit codebook + Huffman"));
    CHECK_THAT(r.out, Catch::Contains("AlexNet 240 MB"));
    CHECK_THAT(r.out, Catch::Contains("0.47 MB (6-bit)"));

    SQZ_REQUIRE_SHARED();
    r = test::run_sqzc("info " + deep_compression() + " --size");
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::Contains("parameters        1,248,424"));
    CHECK_THAT(r.out, Catch::Contains("codebook (as stored)"));
    CHECK_THAT(r.out, Catch::Contains("6-bit codebook + Huffman"));
}

TEST_CASE("info --accuracy compares 6-bit codebooks with the model as loaded", "[cli][compression][accuracy]") {
    SQZ_REQUIRE_SHARED();
    const auto r = test::run_sqzc("info " + deep_compression() + " --accuracy --random 3 --codebook-bits 6", 600);
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::Contains("6-bit codebook"));
    CHECK_THAT(r.out, Catch::Contains("3 random images"));
    CHECK_THAT(r.out, Catch::Contains("top-1 agree"));
}
