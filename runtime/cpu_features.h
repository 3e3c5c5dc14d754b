// The instruction-set extensions that generated code may use, detected at run time: on x86 with
// CPUID (and XGETBV, for whether the operating system saves the AVX and AVX-512 registers), on
// 64-bit ARM Linux from the kernel's hardware capabilities (getauxval). A package checks the ones
// it was compiled for at create and refuses to run without them (ERROR_CPU), and sqzc uses the
// same detection for the JIT's host target. Depends on the C++ standard library (and on ARM Linux
// <sys/auxv.h>) only: it is copied into generated packages. Elsewhere nothing is reported.
#pragma once

#include "prefix.h"

#include <cstdint>

namespace SQZ_PACKAGE::runtime {

enum class CpuFeature : uint8_t {
    SSE41,
    AVX,
    AVX2,
    FMA,
    F16C,
    AVX512F,
    AVX512CD,
    AVX512BW,
    AVX512DQ,
    AVX512VL,
    AVX512IFMA,
    AVX512VBMI,
    AVX512VNNI,
    AVX512BF16,
    AVXVNNI,  // the VEX-encoded dot products (vpdpbusd on ymm without EVEX); not on AMD Zen 4
    ARMDotProd,  // 64-bit ARM: sdot and udot (Armv8.2 dot products)
    Count,
};

// True when this CPU (and the OS) supports the feature; false for another architecture's.
bool cpu_has(CpuFeature feature);

// The feature's name as GCC's target attributes spell it ("avx512vnni", "sse4.1", "dotprod").
const char* cpu_feature_name(CpuFeature feature);
// cpu_has by that name; false for a name that is not listed here.
bool cpu_has(const char* name);

}  // namespace SQZ_PACKAGE::runtime
