// Dot products and Gram matrices of rows of doubles: the hot loops of codebook refinement's fits
// (layer_quadratic.h). Each sum is taken in a fixed order (eight interleaved partial sums, then
// added pairwise), whatever the instruction set the code runs with (AVX-512, AVX2 or the base
// target, chosen at load time; no fused multiply-adds), so results are the same on every x86-64.
#pragma once

#include <cstdint>

namespace sqz::compiler {

// Σ_k a[k] b[k].
double dot(const double* a, const double* b, int64_t n);

// out[i * count + j] = dot(row i, row j) for the `count` rows of `length` values at `rows`
// (row-major, one after another); out is count x count, symmetric. Row blocks run on `threads`
// threads, with the same result for any number.
void gram(const double* rows, int64_t count, int64_t length, double* out, int threads = 1);

}  // namespace sqz::compiler
