// Least-squares centroids and coordinate-descent code assignment for one layer (see
// codebook_least_squares.h).
//
// Algorithm note. With ŵ_o = Σ_k c_k M_{o,k} in E_o = ŵ_Sᵀ Q ŵ_S - 2 ŵ_Sᵀ r_o + k_o, the normal
// equations in the centroids are
//   G c = h,  G_kl = Σ_o Σ_{a∈S_o: code k} Σ_{b∈S_o: code l} Q_ab,  h_k = Σ_o Σ_{a∈S_o: code k} (r_o)_a
// solved by Cholesky; gathering G costs Σ_o |S_o|² additions, done in fixed chunks of channels
// whose partial sums are added in chunk order, so the thread count does not change the result.
// Reassignment is coordinate descent on E_o: with g = Q ŵ_o - r_o (on S_o), moving weight a from u
// to v changes E_o by Q_aa ((v - v*)² - (u - v*)²), v* = u - g_a / Q_aa, so the best centroid is the
// one nearest v*, and the error never rises; g is updated in |S_o| steps after each move.
#include "compiler/compression/codebook_least_squares.h"

#include "ir/error.h"
#include "ir/parallel.h"

#include <cmath>

namespace sqz::compiler {
namespace {

constexpr size_t kChunk = 16;  // channels per partial sum of the normal equations

// Solves (symmetric positive definite) M x = b in place of b; false if M is not positive definite.
bool cholesky_solve(std::vector<double> m, std::vector<double>& b) {
    const size_t n = b.size();
    for (size_t j = 0; j < n; ++j) {
        double d = m[j * n + j];
        for (size_t k = 0; k < j; ++k) d -= m[j * n + k] * m[j * n + k];
        if (!(d > 0)) return false;
        d = std::sqrt(d);
        m[j * n + j] = d;
        for (size_t i = j + 1; i < n; ++i) {
            double s = m[i * n + j];
            for (size_t k = 0; k < j; ++k) s -= m[i * n + k] * m[j * n + k];
            m[i * n + j] = s / d;
        }
    }
    for (size_t i = 0; i < n; ++i) {  // L y = b
        double s = b[i];
        for (size_t k = 0; k < i; ++k) s -= m[i * n + k] * b[k];
        b[i] = s / m[i * n + i];
    }
    for (size_t i = n; i-- > 0;) {  // Lᵀ x = y
        double s = b[i];
        for (size_t k = i + 1; k < n; ++k) s -= m[k * n + i] * b[k];
        b[i] = s / m[i * n + i];
    }
    return true;
}

}  // namespace

std::vector<double> solve_centroids(const LayerQuadratic& q, const std::vector<uint8_t>& codes,
                                    const std::vector<double>& start, double ridge, int threads) {
    SQZ_ASSERT(!start.empty() && start[0] == 0.0, "a codebook must start with entry 0 = 0");
    const size_t n = start.size() - 1;  // unknowns: entries 1..K-1
    if (n == 0) return start;
    const auto f = static_cast<size_t>(q.fan_in()), o_count = static_cast<size_t>(q.out_channels());
    const size_t chunks = (o_count + kChunk - 1) / kChunk;
    std::vector<std::vector<double>> partial_g(chunks), partial_h(chunks);
    parallel_for_each(chunks, threads, [&](size_t chunk) {
        std::vector<double>& g = partial_g[chunk];
        std::vector<double>& h = partial_h[chunk];
        g.assign(n * n, 0.0);
        h.assign(n, 0.0);
        std::vector<size_t> k_of;
        for (size_t o = chunk * kChunk; o < std::min(o_count, (chunk + 1) * kChunk); ++o) {
            const size_t s = q.support_size(o);
            const uint32_t* support = q.support(o);
            const double* qm = q.moments();
            const double* r = q.linear(o);
            k_of.resize(s);
            for (size_t a = 0; a < s; ++a) {
                const uint8_t code = codes[o * f + support[a]];
                SQZ_ASSERT(code != 0 && code <= n, "code {} outside the codebook of {}", code, n + 1);
                k_of[a] = code - 1u;
            }
            for (size_t a = 0; a < s; ++a) {
                h[k_of[a]] += r[a];
                double* gk = &g[k_of[a] * n];
                const double* row = &qm[support[a] * f];
                for (size_t b = 0; b < s; ++b) gk[k_of[b]] += row[support[b]];
            }
        }
    });
    std::vector<double> g(n * n, 0.0), h(n, 0.0);
    for (size_t chunk = 0; chunk < chunks; ++chunk) {
        for (size_t i = 0; i < n * n; ++i) g[i] += partial_g[chunk][i];
        for (size_t k = 0; k < n; ++k) h[k] += partial_h[chunk][k];
    }
    double trace = 0;
    for (size_t k = 0; k < n; ++k) trace += g[k * n + k];
    const double floor = 0.01 * trace / static_cast<double>(n);
    for (size_t k = 0; k < n; ++k) {
        double lambda = ridge * (g[k * n + k] + floor);
        if (g[k * n + k] == 0.0) lambda = std::max(lambda, 1.0);  // no weights: the code keeps its start
        g[k * n + k] += lambda;
        h[k] += lambda * start[k + 1];
    }
    if (!cholesky_solve(std::move(g), h)) return start;
    std::vector<double> out{0.0};
    out.insert(out.end(), h.begin(), h.end());
    return out;
}

size_t reassign_codes(const LayerQuadratic& q, std::vector<uint8_t>& codes, const std::vector<double>& codebook,
                      int threads) {
    const auto f = static_cast<size_t>(q.fan_in()), o_count = static_cast<size_t>(q.out_channels());
    std::vector<size_t> moved(o_count, 0);
    parallel_for_each(o_count, threads, [&](size_t o) {
        const size_t s = q.support_size(o);
        const uint32_t* support = q.support(o);
        const double* qm = q.moments();
        const double* r = q.linear(o);
        uint8_t* code = &codes[o * f];
        std::vector<double> w(s), grad(s);
        for (size_t a = 0; a < s; ++a) w[a] = codebook[code[support[a]]];
        for (size_t a = 0; a < s; ++a) {
            const double* row = &qm[support[a] * f];
            double sum = 0;
            for (size_t b = 0; b < s; ++b) sum += row[support[b]] * w[b];
            grad[a] = sum - r[a];
        }
        for (size_t a = 0; a < s; ++a) {
            const double* row = &qm[support[a] * f];
            const double qaa = row[support[a]];
            if (!(qaa > 0)) continue;
            const uint8_t current = code[support[a]];
            const double ideal = w[a] - grad[a] / qaa;
            size_t best = current;
            double best_distance = std::fabs(w[a] - ideal);
            for (size_t k = 1; k < codebook.size(); ++k)
                if (const double d = std::fabs(codebook[k] - ideal); d < best_distance) {
                    best = k;
                    best_distance = d;
                }
            if (best == current) continue;
            const double delta = codebook[best] - w[a];
            for (size_t b = 0; b < s; ++b) grad[b] += row[support[b]] * delta;
            w[a] = codebook[best];
            code[support[a]] = static_cast<uint8_t>(best);
            ++moved[o];
        }
    });
    size_t total = 0;
    for (size_t m : moved) total += m;
    return total;
}

}  // namespace sqz::compiler
