// int8 packages: the kernels that sqzc's C++ backend (codegen/c_backend.h) prints with each
// target's dot-product instructions give exactly the interpreter's int8 evaluation (max |a-b| = 0)
// on the model of int8_model.h, at 1 and 2 threads, built with a bare compiler as users build
// them: AVX-512 VNNI (vpdpbusd; this CPU's package host target when it has AVX-512 VNNI),
// x86-64-linux-avx2 (vpmaddwd) and arm-64-linux-arm_dot_prod under qemu (sdot). Each package's
// kernels are checked for the instruction with objdump, and a package for a CPU this one is not
// refuses to start rather than crash (ERROR_CPU).
// The driver that runs the packages is tests/codegen/package_driver.cpp.
#include "codegen/package.h"
#include "compiler/file_io.h"
#include "ir/interpreter.h"
#include "runtime/cpu_features.h"
#include "tests/codegen/int8_model.h"
#include "tests/codegen/package_support.h"

#include <cmath>

using namespace sqz;

namespace {

const std::string kDriver = (test::source_dir() / "tests" / "codegen" / "package_driver.cpp").string();

struct Toolchain {
    std::string compiler = "c++";
    std::string objdump = "objdump";
    std::string runner;  // prefix of the command that runs a program ("qemu-aarch64 -L ...")
};

// The package of the int8 model for `target`, named mini (the driver calls mini_*), built with the
// driver as its main program.
struct Built {
    std::filesystem::path dir;
    std::string driver;
    test::Int8Model model;
    ir::Graph quantized;
};

Built build_int8_package(const std::string& target, const std::string& folder, const Toolchain& tools) {
    Built b{test::scratch_dir() / folder, "", test::int8_model(15), {}};
    b.quantized = test::quantized(b.model.graph, b.model.input);
    codegen::PackageOptions o;
    o.name = "mini";
    o.target = codegen::parse_target(target, codegen::CodeKind::Package);
    o.force = true;
    o.source_description = "int8 test";
    codegen::emit_package(b.quantized, o, b.dir.string());  // already optimised and quantised
    b.driver = (b.dir / "driver").string();
    const auto build = test::build_package(b.dir, b.driver, tools.compiler, kDriver, "_selftest.cpp");
    INFO(build.err);
    REQUIRE(build.exit_code == 0);
    return b;
}

// How often the kernels' object code holds `instruction`.
int count_instruction(const Built& b, const Toolchain& tools, const std::string& instruction) {
    const auto r = test::run_shell("cd '" + b.dir.string() + "' && " + tools.objdump + " -d mini_k*.o | grep -cw " + instruction);
    return std::atoi(r.out.c_str());
}

// Runs the model's input through the package at 1 and 2 threads: every output equals the
// interpreter's int8 evaluation exactly.
void check_exact(const Built& b, const Toolchain& tools) {
    const std::vector<double> want = ir::interpret(b.quantized, {b.model.input}).at(0).data;
    const std::string in = (b.dir / "in.f32").string(), out = (b.dir / "out.f32").string();
    compiler::write_f32_file(in, b.model.input.data);
    for (int threads : {1, 2}) {
        std::filesystem::remove(out);
        const auto run = test::run_shell(tools.runner + b.driver + " files " + std::to_string(threads) + " " + in + " " + out, 300);
        INFO(run.out << run.err);
        REQUIRE(run.exit_code == 0);
        const std::vector<float> got = test::read_f32(out);
        REQUIRE(got.size() == want.size());
        double worst = 0;
        for (size_t i = 0; i < got.size(); ++i) worst = std::max(worst, std::fabs(double(got[i]) - want[i]));
        INFO("threads " << threads);
        CHECK(worst == 0.0);
    }
}

}  // namespace

TEST_CASE("an AVX-512 VNNI int8 package uses vpdpbusd and equals the interpreter exactly", "[package][int8]") {
#if !defined(__x86_64__)
    SQZ_SKIP("x86-64 only");
#else
    // This CPU's package target where it has AVX-512 VNNI (Zen 4 included: packages enable the
    // EVEX dot products only), else one named explicitly, whose package must refuse this CPU.
    const bool vnni = runtime::cpu_has(runtime::CpuFeature::AVX512VNNI) && runtime::cpu_has(runtime::CpuFeature::AVX512BW);
    const std::string target = vnni ? "host" : "x86-64-linux-avx-avx2-fma-f16c-sse41-avx512-avx512_skylake-avx512_sapphirerapids";
    if (vnni) CHECK(codegen::host_target(codegen::CodeKind::Package).has_feature(Halide::Target::AVX512_SapphireRapids));
    const Toolchain tools;
    const Built b = build_int8_package(target, "int8_vnni", tools);
    CHECK(count_instruction(b, tools, "vpdpbusd") > 0);
    CHECK(count_instruction(b, tools, "vpmaddwd") == 0);
    if (!vnni) {
        const auto run = test::run_shell(b.driver + " files 1 /dev/null /dev/null");
        CHECK(run.signal == 0);
        CHECK_THAT(run.err, Catch::Contains("lacks an instruction set"));
        SQZ_SKIP("this CPU has no AVX-512 VNNI: the package was built and refused to start, as it should; "
                 "its results were not checked");
    }
    check_exact(b, tools);
#endif
}

TEST_CASE("an x86-64-linux-avx2 int8 package uses vpmaddwd and equals the interpreter exactly", "[package][int8]") {
    if (!runtime::cpu_has(runtime::CpuFeature::AVX2)) {
        SQZ_SKIP("this CPU has no AVX2");
    }
    const Toolchain tools;
    const Built b = build_int8_package("x86-64-linux-avx2", "int8_avx2", tools);
    CHECK(count_instruction(b, tools, "vpmaddwd") > 0);
    CHECK(count_instruction(b, tools, "vpdpbusd") == 0);
    check_exact(b, tools);
}

TEST_CASE("an arm-64-linux-arm_dot_prod int8 package uses sdot and equals the interpreter exactly under qemu",
          "[package][int8][cross]") {
    if (test::run_shell("which aarch64-linux-gnu-g++ aarch64-linux-gnu-objdump qemu-aarch64").exit_code != 0) {
        SQZ_SKIP("aarch64-linux-gnu-g++ or qemu-aarch64 is not installed (scripts/install-deps installs them)");
    }
    Toolchain tools;
    tools.compiler = "aarch64-linux-gnu-g++";
    tools.objdump = "aarch64-linux-gnu-objdump";
    tools.runner = "qemu-aarch64 -L /usr/aarch64-linux-gnu ";
    const Built b = build_int8_package("arm-64-linux-arm_dot_prod", "int8_arm_dot", tools);
    CHECK(count_instruction(b, tools, "sdot") > 0);
    check_exact(b, tools);
    // A CPU without the dot products (qemu's Cortex-A53, Armv8.0) gets ERROR_CPU, not SIGILL.
    const auto run = test::run_shell("qemu-aarch64 -cpu cortex-a53 -L /usr/aarch64-linux-gnu " + b.driver +
                                     " files 1 /dev/null /dev/null");
    CHECK(run.signal == 0);
    CHECK_THAT(run.err, Catch::Contains("lacks an instruction set"));
}
