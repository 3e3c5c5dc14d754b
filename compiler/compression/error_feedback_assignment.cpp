// Error-feedback code assignment (see error_feedback_assignment.h).
//
// Algorithm note. Write H = Q_SS + λI = L Lᵀ (Cholesky, coordinates permuted so that the largest
// diagonal comes last). For ŵ = u + e, the channel's error above its minimum is eᵀ H e =
// Σ_k (Σ_{j≥k} L_jk e_j)²; term k involves only the weights k..s-1. Taking k = s-1 down to 0, the
// weight k that zeroes term k given the ones already fixed is
//   v_k = u_k - Σ_{j>k} L_jk e_j / L_kk,
// and it gets the centroid nearest v_k. Cost per channel: s³/3 for the factorisation, s² for the rest.
#include "compiler/compression/error_feedback_assignment.h"

#include "compiler/compression/gram.h"
#include "ir/error.h"
#include "ir/parallel.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace sqz::compiler {
namespace {

// In-place Cholesky of the n x n row-major `m` (lower triangle); false if not positive definite.
bool cholesky(std::vector<double>& m, size_t n) {
    for (size_t j = 0; j < n; ++j) {
        double* lj = &m[j * n];
        const double d = lj[j] - dot(lj, lj, static_cast<int64_t>(j));
        if (!(d > 0)) return false;
        lj[j] = std::sqrt(d);
        for (size_t i = j + 1; i < n; ++i) {
            double* li = &m[i * n];
            li[j] = (li[j] - dot(li, lj, static_cast<int64_t>(j))) / lj[j];
        }
    }
    return true;
}

void assign_channel(const LayerQuadratic& q, size_t o, const std::vector<double>& codebook, double damping,
                    uint8_t* code) {
    const size_t s = q.support_size(o);
    if (s == 0) return;
    const uint32_t* support = q.support(o);
    const auto f = static_cast<size_t>(q.fan_in());
    const double* qm = q.moments();
    const double* r = q.linear(o);
    auto qo = [&](size_t a, size_t b) { return qm[support[a] * f + support[b]]; };

    // The order: increasing diagonal, so the largest is assigned first.
    std::vector<size_t> order(s);
    std::iota(order.begin(), order.end(), size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return qo(a, a) < qo(b, b); });
    double mean_diagonal = 0;
    for (size_t a = 0; a < s; ++a) mean_diagonal += qo(a, a);
    mean_diagonal /= static_cast<double>(s);
    double lambda = damping * mean_diagonal;
    if (!(lambda > 0)) lambda = 1e-12;

    std::vector<double> h(s * s), u(s);
    for (int attempt = 0;; ++attempt) {
        for (size_t a = 0; a < s; ++a) {
            for (size_t b = 0; b < s; ++b) h[a * s + b] = qo(order[a], order[b]);
            h[a * s + a] += lambda;
            u[a] = r[order[a]] + lambda * codebook[code[support[order[a]]]];
        }
        if (cholesky(h, s)) break;
        SQZ_ASSERT(attempt < 40, "channel {}: no damping makes its quadratic positive definite", o);
        lambda *= 10;  // rounding made Q_o slightly indefinite
    }
    // u = H⁻¹ (r + λ ŵ): L y = b, then Lᵀ u = y.
    for (size_t i = 0; i < s; ++i) u[i] = (u[i] - dot(&h[i * s], u.data(), static_cast<int64_t>(i))) / h[i * s + i];
    for (size_t i = s; i-- > 0;) {
        double sum = u[i];
        for (size_t k = i + 1; k < s; ++k) sum -= h[k * s + i] * u[k];
        u[i] = sum / h[i * s + i];
    }
    // Babai: k = s-1 down to 0; e holds the rounding errors of the weights fixed so far.
    std::vector<double> e(s, 0.0);
    for (size_t k = s; k-- > 0;) {
        double feedback = 0;
        for (size_t j = k + 1; j < s; ++j) feedback += h[j * s + k] * e[j];
        const double v = u[k] - feedback / h[k * s + k];
        const uint8_t c = nearest_code(codebook, v);
        code[support[order[k]]] = c;
        e[k] = codebook[c] - u[k];
    }
}

}  // namespace

uint8_t nearest_code(const std::vector<double>& codebook, double v) {
    SQZ_ASSERT(codebook.size() >= 2, "a codebook of {} entries has no non-zero code", codebook.size());
    size_t best = 1;
    double best_distance = std::fabs(codebook[1] - v);
    for (size_t k = 2; k < codebook.size(); ++k)
        if (const double d = std::fabs(codebook[k] - v); d < best_distance) {
            best = k;
            best_distance = d;
        }
    return static_cast<uint8_t>(best);
}

std::vector<uint8_t> assign_with_error_feedback(const LayerQuadratic& q, const std::vector<uint8_t>& codes,
                                                const std::vector<double>& codebook, double damping, int threads) {
    const auto f = static_cast<size_t>(q.fan_in()), o_count = static_cast<size_t>(q.out_channels());
    SQZ_ASSERT(codes.size() == f * o_count, "{} codes for a layer of {} x {}", codes.size(), o_count, f);
    std::vector<uint8_t> out = codes;
    parallel_for_each(o_count, threads, [&](size_t o) { assign_channel(q, o, codebook, damping, &out[o * f]); });
    return out;
}

}  // namespace sqz::compiler
