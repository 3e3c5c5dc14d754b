// The x86 instruction-set extensions that generated code may use, detected at run time with CPUID
// (and XGETBV, for whether the operating system saves the AVX and AVX-512 registers). A package
// checks the ones it was compiled for at create and refuses to run without them (ERROR_CPU), and
// sqzc uses the same detection for the JIT's host target. Depends on the C++ standard library
// only (it is copied into generated packages); on other architectures nothing is reported.
#pragma once

#include "prefix.h"

namespace SQZ_PACKAGE::runtime {

enum class CpuFeature {
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
    Count,
};

// True when this CPU (and the OS) supports the feature; always false off x86.
bool cpu_has(CpuFeature feature);

// The feature's name as GCC's target attributes spell it ("avx512vnni", "sse4.1").
const char* cpu_feature_name(CpuFeature feature);
// cpu_has by that name; false for a name that is not listed here.
bool cpu_has(const char* name);

}  // namespace SQZ_PACKAGE::runtime
