// Halide targets for sqzc: the host as sqzc may compile for it, target strings from the command
// line, and the CPU features a target's code needs at run time.
//
// Halide 14 detects a CPU with AVX-512 VNNI and BF16 as `avx512_sapphirerapids`. LLVM then gets
// the whole Sapphire Rapids instruction set, which includes the VEX-encoded AVX-VNNI dot products
// that AMD Zen 4 lacks (it has the EVEX ones only): JIT kernels compiled that way die of an
// illegal instruction there, so the JIT's host target keeps a feature only when the CPU has every
// instruction set that LLVM may use for it. Packages are compiled by g++ or clang under sqzc's own
// target pragmas, which for avx512_sapphirerapids enable AVX-512 VNNI and BF16 but not AVX-VNNI
// (sqzc's kernels use the EVEX forms, c_backend.h): a package's host target keeps the feature on
// Zen 4, and its CPU check tests what its pragmas enable.
#pragma once

#include <Halide.h>

#include <string>
#include <vector>

namespace sqz::codegen {

// What turns a target into instructions: LLVM (the JIT), or a C++ compiler (packages).
enum class CodeKind { Jit, Package };

// The host's target with only the features this CPU supports in full for that kind of code.
Halide::Target host_target(CodeKind kind = CodeKind::Jit);

// Parses a Halide target string ("host", "x86-64-linux-avx2-fma", "arm-64-linux", ...).
Halide::Target parse_target(const std::string& text, CodeKind kind = CodeKind::Jit);
// The same, for code that runs here: refuses another architecture or missing CPU features.
Halide::Target runnable_target(const std::string& text, CodeKind kind = CodeKind::Jit);

// The instruction sets a package's kernels for the target may use, as GCC's target pragmas and the
// package's CPU check (runtime/cpu_features.h) name them: e.g. {"avx2", "fma"} on x86, {"dotprod"}
// for arm_dot_prod on 64-bit ARM; with CodeKind::Jit, what LLVM may use instead.
std::vector<std::string> required_cpu_features(const Halide::Target& target, CodeKind kind = CodeKind::Package);
// A package's as one string for `#pragma GCC target`: "avx,avx2,fma" (x86), "arch=armv8.2-a+dotprod".
std::string gcc_target_isa(const Halide::Target& target);

}  // namespace sqz::codegen
