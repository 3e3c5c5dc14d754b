// Targets (see target.h).
#include "codegen/target.h"

#include "ir/error.h"
#include "runtime/cpu_features.h"

#include <initializer_list>

namespace sqz::codegen {
namespace {

using runtime::CpuFeature;

// Halide's x86 features and the instruction sets each one lets g++ (through the package's target
// pragmas) use; LLVM (the JIT) may use `jit_also` as well.
struct IsaFeature {
    Halide::Target::Feature feature;
    std::initializer_list<CpuFeature> needs;
    std::initializer_list<CpuFeature> jit_also;
};

const IsaFeature kIsaFeatures[] = {
    {Halide::Target::SSE41, {CpuFeature::SSE41}, {}},
    {Halide::Target::AVX, {CpuFeature::AVX}, {}},
    {Halide::Target::AVX2, {CpuFeature::AVX2}, {}},
    {Halide::Target::FMA, {CpuFeature::FMA}, {}},
    {Halide::Target::F16C, {CpuFeature::F16C}, {}},
    {Halide::Target::AVX512, {CpuFeature::AVX512F, CpuFeature::AVX512CD}, {}},
    {Halide::Target::AVX512_Skylake, {CpuFeature::AVX512VL, CpuFeature::AVX512BW, CpuFeature::AVX512DQ}, {}},
    {Halide::Target::AVX512_Cannonlake, {CpuFeature::AVX512IFMA, CpuFeature::AVX512VBMI}, {}},
    {Halide::Target::AVX512_SapphireRapids, {CpuFeature::AVX512BF16, CpuFeature::AVX512VNNI}, {CpuFeature::AVXVNNI}},
};

}  // namespace

Halide::Target host_target(CodeKind kind) {
    Halide::Target t = Halide::get_host_target();
    if (t.arch != Halide::Target::X86) return t;
    for (const IsaFeature& f : kIsaFeatures) {
        if (!t.has_feature(f.feature)) continue;
        bool all = true;
        for (CpuFeature need : f.needs) all = all && runtime::cpu_has(need);
        if (kind == CodeKind::Jit)
            for (CpuFeature need : f.jit_also) all = all && runtime::cpu_has(need);
        if (!all) t = t.without_feature(f.feature);
    }
    return t;
}

Halide::Target parse_target(const std::string& text, CodeKind kind) {
    if (text.empty() || text == "host") return host_target(kind);
    if (!Halide::Target::validate_target_string(text))
        user_error("invalid Halide target '{}' (examples: host, x86-64-linux-avx2-fma, arm-64-linux)", text);
    return Halide::Target(text);
}

Halide::Target runnable_target(const std::string& text, CodeKind kind) {
    const Halide::Target host = host_target(kind);
    if (text.empty() || text == "host") return host;
    const Halide::Target t = parse_target(text, kind);
    if (t.arch != host.arch || t.bits != host.bits || t.os != host.os)
        user_error("target '{}' cannot run on this machine ({}); JIT engines need the host's architecture and OS "
                   "(use sqzc compile for other CPUs)",
                   text, host.to_string());
    for (int f = 0; f < Halide::Target::FeatureEnd; ++f) {
        const auto feature = static_cast<Halide::Target::Feature>(f);
        if (t.has_feature(feature) && !host.has_feature(feature))
            user_error("target '{}' needs the CPU feature '{}', which this machine ({}) lacks", text,
                       Halide::Target::feature_to_name(feature), host.to_string());
    }
    return t;
}

std::vector<std::string> required_cpu_features(const Halide::Target& target, CodeKind kind) {
    std::vector<std::string> out;
    if (target.arch == Halide::Target::ARM && target.bits == 64 && target.has_feature(Halide::Target::ARMDotProd))
        out.emplace_back(runtime::cpu_feature_name(CpuFeature::ARMDotProd));
    if (target.arch != Halide::Target::X86) return out;
    for (const IsaFeature& f : kIsaFeatures) {
        if (!target.has_feature(f.feature)) continue;
        for (CpuFeature need : f.needs) out.emplace_back(runtime::cpu_feature_name(need));
        if (kind == CodeKind::Jit)
            for (CpuFeature need : f.jit_also) out.emplace_back(runtime::cpu_feature_name(need));
    }
    return out;
}

std::string gcc_target_isa(const Halide::Target& target) {
    // GCC accepts +dotprod only on top of an architecture that has it (Armv8.2 and later).
    if (target.arch == Halide::Target::ARM)
        return required_cpu_features(target).empty() ? "" : "arch=armv8.2-a+dotprod";
    std::string isa;
    for (const std::string& f : required_cpu_features(target, CodeKind::Package)) isa += (isa.empty() ? "" : ",") + f;
    return isa;
}

}  // namespace sqz::codegen
