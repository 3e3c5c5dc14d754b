// The run-time CPU feature detection (runtime/cpu_features.h) against the kernel's own view of the
// CPU, /proc/cpuinfo's flags, which Linux derives from the same CPUID bits and the OS state.
#include "runtime/cpu_features.h"
#include "tests/support.h"

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

using sqz::runtime::CpuFeature;

namespace {

std::set<std::string> cpuinfo_flags() {
    std::ifstream in("/proc/cpuinfo");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("flags", 0) != 0) continue;
        std::istringstream words(line.substr(line.find(':') + 1));
        std::set<std::string> out;
        for (std::string w; words >> w;) out.insert(w);
        return out;
    }
    return {};
}

}  // namespace

TEST_CASE("cpu_has agrees with /proc/cpuinfo on every listed feature", "[runtime][cpu]") {
#if !(defined(__x86_64__) && defined(__linux__))
    SQZ_SKIP("x86-64 Linux only");
#else
    const std::set<std::string> flags = cpuinfo_flags();
    REQUIRE(flags.count("sse2"));
    // Linux's names where they differ from GCC's.
    const std::map<std::string, std::string> linux_name = {
        {"sse4.1", "sse4_1"}, {"avx512vnni", "avx512_vnni"}, {"avx512bf16", "avx512_bf16"}, {"avxvnni", "avx_vnni"}};
    for (int i = 0; i < static_cast<int>(CpuFeature::Count); ++i) {
        const auto f = static_cast<CpuFeature>(i);
        const std::string name = sqz::runtime::cpu_feature_name(f);
        const auto renamed = linux_name.find(name);
        const std::string flag = renamed == linux_name.end() ? name : renamed->second;
        INFO(name);
        CHECK(sqz::runtime::cpu_has(f) == (flags.count(flag) > 0));
        CHECK(sqz::runtime::cpu_has(name.c_str()) == sqz::runtime::cpu_has(f));
    }
#endif
}

TEST_CASE("cpu feature names are unique and unknown names are never supported", "[runtime][cpu]") {
    std::set<std::string> names;
    for (int i = 0; i < static_cast<int>(CpuFeature::Count); ++i)
        CHECK(names.insert(sqz::runtime::cpu_feature_name(static_cast<CpuFeature>(i))).second);
    CHECK_FALSE(sqz::runtime::cpu_has("avx1024"));
    CHECK_FALSE(sqz::runtime::cpu_has(""));
    CHECK_FALSE(sqz::runtime::cpu_has("avx2 "));
    CHECK(std::string(sqz::runtime::cpu_feature_name(CpuFeature::Count)).empty());
}
