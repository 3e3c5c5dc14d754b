// sqzc's host target: only features whose every instruction set the CPU has (Halide 14 calls a
// CPU with AVX-512 VNNI and BF16 Sapphire Rapids and lets LLVM use AVX-VNNI, which AMD Zen 4
// lacks), and the refusal of targets the machine cannot run.
#include "codegen/target.h"
#include "runtime/cpu_features.h"
#include "tests/support.h"

using namespace sqz;

TEST_CASE("the host target asks only for instruction sets this CPU has", "[codegen][target]") {
    const Halide::Target host = codegen::host_target();
    for (const std::string& f : codegen::required_cpu_features(host)) {
        INFO(f);
        CHECK(runtime::cpu_has(f.c_str()));
    }
    if (!runtime::cpu_has(runtime::CpuFeature::AVXVNNI)) CHECK_FALSE(host.has_feature(Halide::Target::AVX512_SapphireRapids));
    CHECK(codegen::parse_target("host") == host);
    CHECK(codegen::runnable_target("") == host);
}

TEST_CASE("every feature of a full x86 target is known to the CPU check", "[codegen][target]") {
    const Halide::Target t("x86-64-linux-sse41-avx-avx2-fma-f16c-avx512-avx512_skylake-avx512_cannonlake-avx512_sapphirerapids");
    const std::vector<std::string> needs = codegen::required_cpu_features(t);
    CHECK(needs.size() == 15);
    for (const std::string& f : needs) {
        INFO(f);
        bool known = false;
        for (int i = 0; i < static_cast<int>(runtime::CpuFeature::Count); ++i)
            known = known || f == runtime::cpu_feature_name(static_cast<runtime::CpuFeature>(i));
        CHECK(known);
    }
    CHECK(codegen::gcc_target_isa(t).find("avxvnni") != std::string::npos);
    CHECK(codegen::required_cpu_features(Halide::Target("arm-64-linux")).empty());
}

TEST_CASE("the JIT refuses a target with instruction sets this CPU lacks", "[codegen][target]") {
    const Halide::Target host = codegen::host_target();
    if (host.has_feature(Halide::Target::AVX512_SapphireRapids)) SQZ_SKIP("this CPU has every x86 feature sqzc knows");
    CHECK_THROWS_WITH(codegen::runnable_target("x86-64-linux-avx512_sapphirerapids"),
                      Catch::Contains("needs the CPU feature 'avx512_sapphirerapids'"));
}
