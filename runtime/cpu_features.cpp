// Run-time detection of instruction sets (see cpu_features.h).
//
// CPUID leaf 1 (ECX), leaf 7 subleaf 0 (EBX, ECX) and leaf 7 subleaf 1 (EAX) give the
// instructions; XCR0 (XGETBV) says whether the OS saves the YMM state (bits 1-2) and the AVX-512
// opmask and ZMM state (bits 5-7), without which the AVX and AVX-512 instructions fault. On
// 64-bit ARM Linux, AT_HWCAP's bit 20 (HWCAP_ASIMDDP) says the kernel reports the dot products.
#include "cpu_features.h"

#include <cstdint>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif
#if defined(__aarch64__) && defined(__linux__)
#include <sys/auxv.h>
#endif

namespace SQZ_PACKAGE::runtime {
namespace {

struct Bit {
    int8_t leaf, subleaf;  // CPUID input
    int8_t reg;            // 0 EAX, 1 EBX, 2 ECX, 3 EDX
    int8_t bit;
    int8_t state;          // 0 none, 1 AVX state, 2 AVX-512 state; -1: not an x86 feature
};

// Indexed by CpuFeature.
constexpr Bit kBits[] = {
    {1, 0, 2, 19, 0},   // SSE41
    {1, 0, 2, 28, 1},   // AVX
    {7, 0, 1, 5, 1},    // AVX2
    {1, 0, 2, 12, 1},   // FMA
    {1, 0, 2, 29, 1},   // F16C
    {7, 0, 1, 16, 2},   // AVX512F
    {7, 0, 1, 28, 2},   // AVX512CD
    {7, 0, 1, 30, 2},   // AVX512BW
    {7, 0, 1, 17, 2},   // AVX512DQ
    {7, 0, 1, 31, 2},   // AVX512VL
    {7, 0, 1, 21, 2},   // AVX512IFMA
    {7, 0, 2, 1, 2},    // AVX512VBMI
    {7, 0, 2, 11, 2},   // AVX512VNNI
    {7, 1, 0, 5, 2},    // AVX512BF16
    {7, 1, 0, 4, 1},    // AVXVNNI
    {0, 0, 0, 0, -1},   // ARMDotProd (AT_HWCAP, below)
};
static_assert(sizeof(kBits) / sizeof(kBits[0]) == static_cast<int>(CpuFeature::Count),
              "one CPUID bit per CpuFeature, in enum order");

// Indexed by CpuFeature; apart from the bits, so that a package (which checks features by value)
// links none of the names.
constexpr const char* kNames[] = {"sse4.1",   "avx",      "avx2",       "fma",        "f16c",       "avx512f",
                                  "avx512cd", "avx512bw", "avx512dq",   "avx512vl",   "avx512ifma", "avx512vbmi",
                                  "avx512vnni", "avx512bf16", "avxvnni", "dotprod"};
static_assert(sizeof(kNames) / sizeof(kNames[0]) == static_cast<int>(CpuFeature::Count),
              "one name per CpuFeature, in enum order");

#if defined(__x86_64__) || defined(__i386__)
bool cpuid_bit(const Bit& b) {
    unsigned regs[4] = {0, 0, 0, 0};
    // GCC's cpuid.h declares __get_cpuid_max unsigned, clang's int: compare both as unsigned.
    if (static_cast<unsigned>(b.leaf) > static_cast<unsigned>(__get_cpuid_max(0, nullptr))) return false;
    // Whole registers in: cpuid's asm takes its operands as they come, and a byte sets AL alone.
    const unsigned leaf = static_cast<unsigned>(b.leaf), subleaf = static_cast<unsigned>(b.subleaf);
    __cpuid_count(leaf, subleaf, regs[0], regs[1], regs[2], regs[3]);
    return (regs[b.reg] >> b.bit) & 1u;
}

// XCR0, when the OS has enabled XSAVE (CPUID.1:ECX.OSXSAVE); else 0.
unsigned long long xcr0() {
    unsigned a, b, c, d;
    __cpuid(1, a, b, c, d);
    if (!((c >> 27) & 1u)) return 0;
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (static_cast<unsigned long long>(hi) << 32) | lo;
}
#endif

}  // namespace

bool cpu_has(CpuFeature feature) {
#if defined(__aarch64__) && defined(__linux__)
    return feature == CpuFeature::ARMDotProd && ((getauxval(AT_HWCAP) >> 20) & 1u);
#elif defined(__x86_64__) || defined(__i386__)
    const int index = static_cast<int>(feature);
    if (index < 0 || index >= static_cast<int>(CpuFeature::Count)) return false;
    const Bit& b = kBits[index];
    if (b.state < 0 || !cpuid_bit(b)) return false;
    const unsigned long long xcr = b.state ? xcr0() : 0;
    if (b.state >= 1 && (xcr & 0x6) != 0x6) return false;
    if (b.state == 2 && (xcr & 0xe0) != 0xe0) return false;
    return true;
#else
    (void)feature;
    return false;
#endif
}

const char* cpu_feature_name(CpuFeature feature) {
    const int index = static_cast<int>(feature);
    if (index < 0 || index >= static_cast<int>(CpuFeature::Count)) return "";
    return kNames[index];
}

bool cpu_has(const char* name) {
    for (int i = 0; i < static_cast<int>(CpuFeature::Count); ++i) {
        const char* a = kNames[i];
        const char* b = name;
        while (*a && *a == *b) ++a, ++b;
        if (*a == 0 && *b == 0) return cpu_has(static_cast<CpuFeature>(i));
    }
    return false;
}

}  // namespace SQZ_PACKAGE::runtime
