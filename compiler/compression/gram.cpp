// Dot products and Gram matrices (see gram.h). A 4 x 4 block of the Gram matrix is computed at
// once, so each row is read once per block instead of once per entry.
#include "compiler/compression/gram.h"

#include "ir/parallel.h"

#include <algorithm>

namespace sqz::compiler {
namespace {

constexpr int kLanes = 8;

double reduce(const double (&s)[kLanes], double tail) {
    return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7])) + tail;
}

// out[r * 4 + c] = dot(a[r], b[c]) for r, c < 4.
__attribute__((target_clones("avx512f", "avx2", "default")))
void dot_block(const double* const* a, const double* const* b, int64_t n, double* out) {
    double s[4][4][kLanes] = {};
    int64_t k = 0;
    for (; k + kLanes <= n; k += kLanes)
        for (int r = 0; r < 4; ++r)
            for (int c = 0; c < 4; ++c)
                for (int l = 0; l < kLanes; ++l) s[r][c][l] += a[r][k + l] * b[c][k + l];
    for (int r = 0; r < 4; ++r)
        for (int c = 0; c < 4; ++c) {
            double tail = 0;
            for (int64_t t = k; t < n; ++t) tail += a[r][t] * b[c][t];
            out[r * 4 + c] = reduce(s[r][c], tail);
        }
}

}  // namespace

__attribute__((target_clones("avx512f", "avx2", "default")))
double dot(const double* a, const double* b, int64_t n) {
    double s[kLanes] = {};
    int64_t k = 0;
    for (; k + kLanes <= n; k += kLanes)
        for (int l = 0; l < kLanes; ++l) s[l] += a[k + l] * b[k + l];
    double tail = 0;
    for (; k < n; ++k) tail += a[k] * b[k];
    return reduce(s, tail);
}

void gram(const double* rows, int64_t count, int64_t length, double* out, int threads) {
    const auto blocks = static_cast<size_t>((count + 3) / 4);
    // Job i computes the blocks (i, j >= i) and their mirror images: no two jobs write one entry.
    parallel_for_each(blocks, threads, [&](size_t job) {
        const auto i = static_cast<int64_t>(job) * 4;
        const double* a[4];
        const double* b[4];
        double block[16];
        const int ra = static_cast<int>(std::min<int64_t>(4, count - i));
        for (int r = 0; r < 4; ++r) a[r] = rows + (i + std::min(r, ra - 1)) * length;  // repeats at the edge
        for (int64_t j = i; j < count; j += 4) {
            const int rb = static_cast<int>(std::min<int64_t>(4, count - j));
            for (int c = 0; c < 4; ++c) b[c] = rows + (j + std::min(c, rb - 1)) * length;
            dot_block(a, b, length, block);
            for (int r = 0; r < ra; ++r)
                for (int c = 0; c < rb; ++c) {
                    out[(i + r) * count + j + c] = block[r * 4 + c];
                    out[(j + c) * count + i + r] = block[r * 4 + c];
                }
        }
    });
}

}  // namespace sqz::compiler
