// Properties every package has: it includes nothing but itself and the C++ standard library; it
// allocates nothing during inference; instances of one model and of two models run concurrently
// in one program with correct results; its API refuses bad arguments; packages are byte-identical
// for the same inputs; and weights can live in a checked file instead of the source.
#include "compiler/random_weights.h"
#include "compiler/frontends/sqz_description.h"
#include "runtime/cpu_features.h"
#include "tests/codegen/package_support.h"

#include <algorithm>
#include <fstream>
#include <regex>
#include <sstream>

using namespace sqz;
namespace fs = std::filesystem;

namespace {

ir::Graph tiny(const std::string& name, int channels, const char* bypass) {
    std::ostringstream s;
    s << "sqz 1\nname " << name << "\ninput 3x33x29\nlayers\n"
      << "conv conv1 filters=" << channels << " kernel=3 stride=2 relu\n"
      << "maxpool pool1 kernel=3 stride=2\n"
      << "fire fire2 squeeze=5 expand1x1=" << channels / 2 << " expand3x3=" << channels / 2 << " bypass=" << bypass << "\n"
      << "conv conv10 filters=10 kernel=1 pad=1 relu\nglobal_avgpool pool10\nsoftmax prob\n";
    ir::Graph g = compiler::parse_sqz(s.str(), name + ".sqz");
    compiler::bind_random_weights(g, 3);
    return g;
}

// `text` as a regular expression that matches it literally.
std::string regex_literal(const std::string& text) {
    static const std::regex special(R"([.^$|()\[\]{}*+?\\])");
    return std::regex_replace(text, special, R"(\$&)");
}

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// A program with two models (two instances of A, one of B): counts heap allocations while it
// runs inference, then runs all three instances concurrently against the stored outputs.
const char* kTwoModels = R"(
#include "tinya.h"
#include "tinyb.h"
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

extern "C" void* __libc_malloc(size_t);
extern "C" void* __libc_calloc(size_t, size_t);
extern "C" void* __libc_realloc(void*, size_t);
static std::atomic<bool> counting{false};
static std::atomic<long> allocations{0};
extern "C" void* malloc(size_t n) { if (counting) ++allocations; return __libc_malloc(n); }
extern "C" void* calloc(size_t a, size_t b) { if (counting) ++allocations; return __libc_calloc(a, b); }
extern "C" void* realloc(void* p, size_t n) { if (counting) ++allocations; return __libc_realloc(p, n); }

extern const uint32_t tinya_selftest_input0[], tinya_selftest_expected0[];
extern const uint32_t tinyb_selftest_input0[], tinyb_selftest_expected0[];

template <typename Model>
bool matches(Model& m, const uint32_t* in, const uint32_t* want, size_t n) {
    std::vector<float> out(n);
    if (m.run(reinterpret_cast<const float*>(in), out.data()) != 0) return false;
    const float* w = reinterpret_cast<const float*>(want);
    double diff = 0, ref = 0;
    for (size_t i = 0; i < n; ++i) diff = std::fmax(diff, std::fabs(out[i] - w[i])), ref = std::fmax(ref, std::fabs(w[i]));
    return diff <= 1e-4 * ref;
}

int main() {
    tinya::Model a1, a2;
    tinyb::Model b;
    if (a1.init() || a2.init() || b.init()) return 10;
    std::vector<float> out_a(tinya::kOutput0Size), out_b(tinyb::kOutput0Size);
    counting = true;
    for (int i = 0; i < 20; ++i) {
        a1.run(reinterpret_cast<const float*>(tinya_selftest_input0), out_a.data());
        b.run(reinterpret_cast<const float*>(tinyb_selftest_input0), out_b.data());
    }
    counting = false;
    std::printf("allocations during inference: %ld\n", allocations.load());
    if (allocations != 0) return 11;

    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    threads.emplace_back([&] { for (int i = 0; i < 30; ++i) failures += !matches(a1, tinya_selftest_input0, tinya_selftest_expected0, tinya::kOutput0Size); });
    threads.emplace_back([&] { for (int i = 0; i < 30; ++i) failures += !matches(a2, tinya_selftest_input0, tinya_selftest_expected0, tinya::kOutput0Size); });
    threads.emplace_back([&] { for (int i = 0; i < 30; ++i) failures += !matches(b, tinyb_selftest_input0, tinyb_selftest_expected0, tinyb::kOutput0Size); });
    // One instance shared by two threads: calls are serialised by the model.
    threads.emplace_back([&] { for (int i = 0; i < 30; ++i) failures += !matches(a1, tinya_selftest_input0, tinya_selftest_expected0, tinya::kOutput0Size); });
    for (auto& t : threads) t.join();
    std::printf("concurrent failures: %d\n", failures.load());
    if (failures != 0) return 12;

    // The API refuses bad arguments with status codes.
    tinya_model* raw = nullptr;
    if (tinya_run_all(nullptr, nullptr, nullptr) != TINYA_ERROR_ARGUMENT) return 13;
    tinya_options small{};
    alignas(64) static unsigned char too_small[64];
    small.arena = too_small;
    small.arena_bytes = sizeof too_small;
    if (tinya_create(&small, &raw) != TINYA_ERROR_ARGUMENT || raw != nullptr) return 14;
    // Memory supplied by the caller.
    std::vector<unsigned char> memory(TINYA_ARENA_BYTES + 64);
    tinya_options mine{};
    mine.threads = 1;
    mine.arena = memory.data() + (64 - reinterpret_cast<uintptr_t>(memory.data()) % 64) % 64;
    mine.arena_bytes = TINYA_ARENA_BYTES;
    if (tinya_create(&mine, &raw) != TINYA_OK) return 15;
    const float* ins[] = {reinterpret_cast<const float*>(tinya_selftest_input0)};
    float* outs[] = {out_a.data()};
    if (tinya_run_all(raw, ins, outs) != TINYA_OK || tinya_threads(raw) != 1) return 16;
    tinya_destroy(raw);
    std::printf("ok\n");
    return 0;
}
)";

}  // namespace

TEST_CASE("a package includes only itself and the C++ standard library", "[package][isolation]") {
    const auto dir = test::write_package(tiny("tinyi", 12, "none"), "tinyi");
    // Third-party headers, and anything of this checkout or its build (a header the package should
    // have carried itself).
    const std::regex forbidden("halide14|/fmt/|boost|llvm|onnx|protobuf|nlohmann|/stb/|catch2|" +
                               regex_literal(test::source_dir().lexically_normal().string()) + "|" +
                               regex_literal(test::binary_dir().lexically_normal().string()));
    CHECK(std::regex_search((test::source_dir() / "runtime" / "arena.h").lexically_normal().string(), forbidden));
    for (const auto& entry : fs::directory_iterator(dir)) {
        if (entry.path().extension() != ".cpp") continue;
        const auto deps = test::run_shell("c++ -std=c++17 -M '" + entry.path().string() + "'");
        REQUIRE(deps.exit_code == 0);
        INFO(entry.path().filename().string());
        std::smatch m;
        const bool found = std::regex_search(deps.out, m, forbidden);
        CHECK_FALSE(found);
    }
    const auto build = test::build_package(dir, (dir / "selftest").string());
    REQUIRE(build.exit_code == 0);
    const auto run = test::run_shell((dir / "selftest").string());
    CHECK(run.exit_code == 0);
    CHECK_THAT(run.out, Catch::Contains("tinyi_selftest: passed"));
}

TEST_CASE("two models and two instances in one program: no allocation at inference, concurrent and correct",
          "[package][concurrency]") {
    const auto a = test::write_package(tiny("tinya", 12, "none"), "tinya");
    const auto b = test::write_package(tiny("tinyb", 16, "simple"), "tinyb");
    const auto app = test::scratch_dir() / "two_models";
    fs::create_directories(app);
    std::ofstream(app / "main.cpp") << kTwoModels;
    // Every library source of both packages (not their self-test mains) and the program.
    std::ofstream(app / "build.sh") << "set -e\ncd '" << app.string() << "'\nrm -f *.o\n"
                                    << "for f in '" << a.string() << "'/*.cpp '" << b.string() << "'/*.cpp main.cpp; do\n"
                                    << "  case $f in *_selftest.cpp) continue;; esac\n"
                                    << "  echo $f\ndone | xargs -P2 -I{} sh -c 'c++ -std=c++17 -O2 -I" << a.string()
                                    << " -I" << b.string() << " -c {} -o $(echo {} | tr / _).o'\n"
                                    << "c++ *.o -lpthread -o two_models\n";
    const auto build = test::run_shell("sh " + (app / "build.sh").string(), 900);
    INFO(build.err);
    REQUIRE(build.exit_code == 0);
    const auto run = test::run_shell((app / "two_models").string(), 120);
    INFO(run.out << run.err);
    CHECK(run.exit_code == 0);
    CHECK_THAT(run.out, Catch::Contains("allocations during inference: 0"));
    CHECK_THAT(run.out, Catch::Contains("concurrent failures: 0"));
    CHECK_THAT(run.out, Catch::Contains("ok"));
}

TEST_CASE("the same inputs give byte-identical packages", "[package][determinism]") {
    const std::string model = (test::source_dir() / "examples/squeezenet_v1.0_complex_bypass.sqz").string();
    const auto one = test::scratch_dir() / "same_one";
    const auto two = test::scratch_dir() / "nested" / "same_two";
    for (const auto& dir : {one, two}) {
        const auto r = test::run_sqzc("compile " + model + " --name same --force -o " + dir.string());
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
    }
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(one)) names.push_back(entry.path().filename().string());
    REQUIRE(names.size() > 10);
    for (const std::string& name : names) {
        INFO(name);
        CHECK(slurp(one / name) == slurp(two / name));
    }
    int files_two = 0;
    for ([[maybe_unused]] const auto& entry : fs::directory_iterator(two)) ++files_two;
    CHECK(files_two == static_cast<int>(names.size()));
    // Nothing names the folders it was written to, or the machine's paths.
    for (const std::string& name : names) {
        const std::string text = slurp(one / name);
        CHECK(text.find(test::scratch_dir().string()) == std::string::npos);
        CHECK(text.find(test::source_dir().string()) == std::string::npos);
    }
}

TEST_CASE("weights in a file: checked at set-up, refused when missing or damaged", "[package][weights]") {
    const auto dir = test::write_package(tiny("tinyw", 12, "none"), "tinyw", codegen::WeightsStorage::File);
    REQUIRE(fs::exists(dir / "tinyw.weights"));
    CHECK_FALSE(fs::exists(dir / "tinyw_weights.cpp"));
    const auto exe = (dir / "selftest").string();
    REQUIRE(test::build_package(dir, exe).exit_code == 0);
    const std::string weights = (dir / "tinyw.weights").string();
    auto run = test::run_shell(exe + " --weights " + weights);
    CHECK(run.exit_code == 0);
    run = test::run_shell(exe + " --weights /nonexistent.weights");
    CHECK(run.exit_code == 2);
    CHECK_THAT(run.err, Catch::Contains("weights file is missing, truncated or not this model's"));
    std::string bytes = slurp(weights);
    const std::string damaged = (dir / "damaged.weights").string();
    bytes[bytes.size() / 2] ^= 0x10;
    std::ofstream(damaged, std::ios::binary) << bytes;
    CHECK(test::run_shell(exe + " --weights " + damaged).exit_code == 2);
    std::ofstream(damaged, std::ios::binary) << bytes.substr(0, bytes.size() - 4);
    CHECK(test::run_shell(exe + " --weights " + damaged).exit_code == 2);
}

TEST_CASE("sqzc compile refuses to overwrite a package without --force and leaves nothing on failure",
          "[package][cli]") {
    const std::string model = (test::source_dir() / "examples/squeezenet_v1.1.sqz").string();
    const auto dir = test::scratch_dir() / "cli_pkg";
    fs::create_directories(dir);
    std::ofstream(dir / "keep.txt") << "a good package";
    auto r = test::run_sqzc("compile " + model + " -o " + dir.string() + " --input-size 67");
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.err, Catch::Contains("already exists; give --force"));
    CHECK(slurp(dir / "keep.txt") == "a good package");
    r = test::run_sqzc("compile " + model + " -o " + dir.string() + " --name 9lives --force");
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.err, Catch::Contains("must be a C identifier"));
    CHECK(fs::exists(dir / "keep.txt"));
    r = test::run_sqzc("compile " + model + " -o " + dir.string() + " --input-size 67 --force --name small");
    CHECK(r.exit_code == 0);
    CHECK_FALSE(fs::exists(dir / "keep.txt"));
    CHECK(fs::exists(dir / "small.h"));
    for (const auto& entry : fs::directory_iterator(dir.parent_path()))
        CHECK(entry.path().filename().string().find("sqzc-staging") == std::string::npos);
}

TEST_CASE("a package refuses at create a CPU without the instruction sets it was compiled for", "[package][cpu]") {
    // Every x86 feature sqzc knows; a CPU lacking one of them gets ERROR_CPU, not a crash.
    const std::string target = "x86-64-linux-sse41-avx-avx2-fma-f16c-avx512-avx512_skylake-avx512_cannonlake-"
                               "avx512_sapphirerapids";
    bool lacking = false;
    for (const std::string& f : codegen::required_cpu_features(Halide::Target(target)))
        lacking = lacking || !runtime::cpu_has(f.c_str());
    const auto dir = test::write_package(tiny("tinycpu", 12, "none"), "tinycpu", codegen::WeightsStorage::Embedded, target);
    if (!lacking) {
        // This CPU has all of them (AMD Zen 4 too: packages use AVX-512 VNNI, not AVX-VNNI). The
        // refusal still must work: the check of one feature becomes one no x86 CPU reports.
        // The list the package checks at create (kCpuFeatures, in the file that describes the model).
        bool patched = false;
        for (const auto& entry : fs::directory_iterator(dir)) {
            if (entry.path().extension() != ".cpp") continue;
            std::string text = slurp(entry.path());
            const auto list = text.find("kCpuFeatures[] = ");
            if (list == std::string::npos) continue;
            const std::string avx2_feature = "CpuFeature::AVX2,";
            const auto avx2 = text.find(avx2_feature, list);
            REQUIRE(avx2 != std::string::npos);
            text.replace(avx2, avx2_feature.size(), "CpuFeature::ARMDotProd,");
            std::ofstream(entry.path(), std::ios::binary) << text;
            patched = true;
        }
        REQUIRE(patched);
    }
    const auto exe = (dir / "selftest").string();
    REQUIRE(test::build_package(dir, exe).exit_code == 0);
    const auto run = test::run_shell(exe);
    CHECK(run.exit_code == 2);
    CHECK(run.signal == 0);
    CHECK_THAT(run.err, Catch::Contains("this CPU lacks an instruction set the package was compiled for"));
}

TEST_CASE("sqzc compile --list-files names exactly the files it writes, and writes nothing", "[package][cli]") {
    const std::string model = test::write_scratch("list_files.sqz", test::kTinyFireSqz);
    for (const char* storage : {"embedded", "file"}) {
        INFO(storage);
        const auto dir = test::scratch_dir() / (std::string("listed_") + storage);
        const std::string args = "compile " + model + " --name listed --weights-storage " + storage + " -o " + dir.string();
        auto r = test::run_sqzc(args + " --list-files");
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        CHECK_FALSE(fs::exists(dir));
        std::vector<std::string> listed;
        std::istringstream lines(r.out);
        for (std::string line; std::getline(lines, line);) listed.push_back(line);
        r = test::run_sqzc(args + " --force");
        REQUIRE(r.exit_code == 0);
        std::vector<std::string> written;
        for (const auto& entry : fs::directory_iterator(dir)) written.push_back(entry.path().filename().string());
        std::sort(listed.begin(), listed.end());
        std::sort(written.begin(), written.end());
        CHECK(listed == written);
        CHECK(std::count(listed.begin(), listed.end(), std::string(storage) == "file" ? "listed.weights" : "listed_weights.cpp") == 1);
    }
    // Without --list-files the folder is required.
    const auto r = test::run_sqzc("compile " + model);
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.err, Catch::Contains("the option '--output' is required"));
}
