// sqzc's host targets: only features whose instruction sets the CPU has, for the kind of code
// (Halide 14 calls a CPU with AVX-512 VNNI and BF16 Sapphire Rapids and lets LLVM use AVX-VNNI,
// which AMD Zen 4 lacks; packages enable the EVEX dot products only), and the refusal of targets
// the machine cannot run.
#include "codegen/target.h"
#include "runtime/cpu_features.h"
#include "tests/support.h"

using namespace sqz;

TEST_CASE("the host target asks only for instruction sets this CPU has", "[codegen][target]") {
    for (const codegen::CodeKind kind : {codegen::CodeKind::Jit, codegen::CodeKind::Package}) {
        const Halide::Target host = codegen::host_target(kind);
        for (const std::string& f : codegen::required_cpu_features(host, kind)) {
            INFO(f);
            CHECK(runtime::cpu_has(f.c_str()));
        }
        CHECK(codegen::parse_target("host", kind) == host);
        CHECK(codegen::runnable_target("", kind) == host);
    }
    const Halide::Target jit = codegen::host_target();
    if (!runtime::cpu_has(runtime::CpuFeature::AVXVNNI)) CHECK_FALSE(jit.has_feature(Halide::Target::AVX512_SapphireRapids));
    // Packages keep Halide's name for a CPU with AVX-512 VNNI and BF16, with or without AVX-VNNI.
    const bool evex_dot = runtime::cpu_has(runtime::CpuFeature::AVX512VNNI) && runtime::cpu_has(runtime::CpuFeature::AVX512BF16);
    if (Halide::get_host_target().has_feature(Halide::Target::AVX512_SapphireRapids))
        CHECK(codegen::host_target(codegen::CodeKind::Package).has_feature(Halide::Target::AVX512_SapphireRapids) == evex_dot);
}

TEST_CASE("every feature of a full x86 target is known to the CPU check", "[codegen][target]") {
    const Halide::Target t("x86-64-linux-sse41-avx-avx2-fma-f16c-avx512-avx512_skylake-avx512_cannonlake-avx512_sapphirerapids");
    const std::vector<std::string> needs = codegen::required_cpu_features(t, codegen::CodeKind::Jit);
    CHECK(needs.size() == 15);
    for (const std::string& f : needs) {
        INFO(f);
        bool known = false;
        for (int i = 0; i < static_cast<int>(runtime::CpuFeature::Count); ++i)
            known = known || f == runtime::cpu_feature_name(static_cast<runtime::CpuFeature>(i));
        CHECK(known);
    }
    // A package enables (and checks) what its kernels use: AVX-512 VNNI, not AVX-VNNI.
    CHECK(codegen::required_cpu_features(t).size() == 14);
    CHECK(codegen::gcc_target_isa(t).find("avx512vnni") != std::string::npos);
    CHECK(codegen::gcc_target_isa(t).find("avxvnni") == std::string::npos);
    CHECK(codegen::required_cpu_features(Halide::Target("arm-64-linux")).empty());
    CHECK(codegen::required_cpu_features(Halide::Target("arm-64-linux-arm_dot_prod")) == std::vector<std::string>{"dotprod"});
    CHECK(codegen::gcc_target_isa(Halide::Target("arm-64-linux-arm_dot_prod")) == "arch=armv8.2-a+dotprod");
}

TEST_CASE("the JIT refuses a target with instruction sets this CPU lacks", "[codegen][target]") {
    const Halide::Target host = codegen::host_target();
    if (host.has_feature(Halide::Target::AVX512_SapphireRapids)) SQZ_SKIP("this CPU has every x86 feature sqzc knows");
    CHECK_THROWS_WITH(codegen::runnable_target("x86-64-linux-avx512_sapphirerapids"),
                      Catch::Contains("needs the CPU feature 'avx512_sapphirerapids'"));
}
