// sqzc's C++ backend for package kernels: Halide's own C++ printer (Halide::Internal::CodeGen_C),
// except for the integer patterns of the int8 convolutions, which it prints as the target's
// instructions instead of the scalar code Halide 14 makes of them.
//
// The patterns:
// - A u8 x s8 dot product over groups of four: VectorReduce(Add) of int32 x L lanes over a value
//   of 4L lanes that is the widening product of a u8 and an s8 vector (what the int8 conv's
//   schedule makes of `atomic().vectorize()` over four-channel groups, lower_conv_int8.cpp), alone
//   or added to an accumulator. Halide's printer scalarises it (CodeGen_C::scalarize_vector_reduce);
//   here it becomes one call per vector of L int32 lanes, exact for every u8 and s8 value:
//     x86, AVX-512 VNNI (the target has avx512_sapphirerapids): vpdpbusd on zmm, ymm or xmm (EVEX);
//     x86 otherwise: the even and odd bytes widened to 16 bits (AND and shifts) and vpmaddwd twice,
//       on zmm (AVX-512BW, avx512_skylake), ymm (AVX2; two xmm halves with AVX only) or xmm (SSE2);
//     64-bit ARM with the dot-product extension (arm_dot_prod): sdot on (u8 - 128) and s8, plus
//       128 times the sum of the s8 group (a second sdot, on ones), since sdot is signed x signed;
//     64-bit ARM otherwise: widening multiplies and pairwise adds.
//   L must be the register's int32 lanes (16, 8 or 4 as above); other shapes stay Halide's.
// - rounding_shift_right(widening_mul(a, b), n) of int32 a, b into int64, with a constant n of at
//   most 62 (the int8 requantisation): printed as (a * b + 2^(n-1)) >> n, which cannot overflow
//   there; Halide's printer lowers it to an overflow-safe form three times as long.
// - Casts of float or 64-bit integer vectors to 8 or 16-bit integers (the u8 output of the float
//   conv1, the int8 convs' requantised sums): through int32, which g++ converts in one or two
//   instructions where it converts to u8 lane by lane.
// Everything else is Halide's printer's. On ARM, Halide's vector type names (int32x4_t, ...) are
// prefixed (vec_int32x4_t) because <arm_neon.h> declares the same names.
#pragma once

#include <Halide.h>

#include <string>

namespace sqz::codegen {

struct PrintedKernel {
    std::string source;     // the .cpp, as Halide's compile_to_c writes it but for the patterns above
    std::string header;     // the declarations, as compile_to_header writes them
    int dot_products = 0;   // dot-product patterns printed as instructions
    int rounding_shifts = 0;
    int narrowing_casts = 0;
};

// Prints a module from Pipeline::compile_to_module (a C++-mangled, NoRuntime target).
PrintedKernel print_kernel(const Halide::Module& module);

// Whether dot products of int32 x `lanes` vectors become instructions for this target, and which:
// "vpdpbusd", "vpmaddwd", "sdot", "smull", or "" (Halide's scalar code).
std::string dot_product_instruction(const Halide::Target& target, int lanes);

}  // namespace sqz::codegen
