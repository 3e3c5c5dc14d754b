// Halide targets for sqzc: the host as sqzc may compile for it, target strings from the command
// line, and the CPU features a target's code needs at run time.
//
// Halide 14 detects a CPU with AVX-512 VNNI and BF16 as `avx512_sapphirerapids` and then asks LLVM
// for the whole Sapphire Rapids instruction set, which includes the VEX-encoded AVX-VNNI dot
// products that AMD Zen 4 lacks (it has the EVEX ones only): int8 kernels compiled that way die of
// an illegal instruction there. host_target() keeps such a feature only when the CPU has every
// instruction set that Halide's feature stands for.
#pragma once

#include <Halide.h>

#include <string>
#include <vector>

namespace sqz::codegen {

// The host's target with only the features this CPU really supports in full.
Halide::Target host_target();

// Parses a Halide target string ("host", "x86-64-linux-avx2-fma", "arm-64-linux", ...).
Halide::Target parse_target(const std::string& text);
// The same, for code that runs here (JIT): refuses another architecture or missing CPU features.
Halide::Target runnable_target(const std::string& text);

// The instruction sets the target's x86 code uses, as GCC's target pragmas and the package's CPU
// check (runtime/cpu_features.h) name them, e.g. {"avx2", "fma"}; empty for other architectures.
std::vector<std::string> required_cpu_features(const Halide::Target& target);
// The same as one string for `#pragma GCC target`, e.g. "avx,avx2,fma".
std::string gcc_target_isa(const Halide::Target& target);

}  // namespace sqz::codegen
