// Least-squares centroids and error-aware code assignment for one layer (see
// codebook_least_squares.h).
//
// Algorithm note. With a bias, the best bias of channel o for weights ŵ_o is
// b_o + (w_o·m' - ŵ_o·m) / P; put back into the error (layer_moments.h), it leaves
//   E_o = ŵ_oᵀ Q ŵ_o - 2 ŵ_oᵀ R w_o + k_o,  Q = A - m mᵀ/P,  R = C - m m'ᵀ/P,  k_o = T_o - (w_o·m')²/P
// (without a bias, Q = A, R = C, k_o = T_o). Only the support S_o (weights with a non-zero code)
// of ŵ_o is free, so each channel needs Q on S_o x S_o and the vector (R w_o) on S_o, which is
// computed once. With ŵ_o = Σ_k c_k M_{o,k}, the normal equations in the centroids are
//   G c = r,  G_kl = Σ_o Σ_{i∈S_o, code k} Σ_{j∈S_o, code l} Q_ij,  r_k = Σ_o Σ_{i∈S_o, code k} (R w_o)_i
// solved by Cholesky: (K-1)^2 unknowns' worth of work after Σ_o |S_o|^2 additions to gather G.
// Reassignment is coordinate descent on E_o: with g = Q ŵ_o - R w_o, moving weight i from u to v
// changes E_o by Q_ii ((v - v*)^2 - (u - v*)^2), v* = u - g_i / Q_ii, so the best centroid is the one
// nearest v*, and the error never rises; g is updated in |S_o| steps after each move.
#include "compiler/compression/codebook_least_squares.h"

#include "ir/error.h"

#include <cmath>

namespace sqz::compiler {
namespace {

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

LayerQuadratic::LayerQuadratic(const LayerMoments& moments, const std::vector<float>& target_weights,
                               const std::vector<float>& target_bias, const std::vector<uint8_t>& codes)
    : q_(moments.xx), sum_(moments.sum), bias_(target_bias), out_channels_(moments.out_channels),
      fan_in_(moments.fan_in), positions_(moments.positions) {
    const auto f = static_cast<size_t>(fan_in_), o_count = static_cast<size_t>(out_channels_);
    SQZ_ASSERT(target_weights.size() == o_count * f && codes.size() == o_count * f,
               "layer of {} x {} weights given {} weights and {} codes", o_count, f, target_weights.size(), codes.size());
    SQZ_ASSERT(target_bias.empty() || target_bias.size() == o_count, "{} biases for {} channels", target_bias.size(),
               o_count);
    SQZ_ASSERT(positions_ > 0, "layer moments over no positions");
    const bool centred = !bias_.empty();
    const double p = static_cast<double>(positions_);
    std::vector<double> r = moments.xt;
    if (centred)
        for (size_t i = 0; i < f; ++i)
            for (size_t j = 0; j < f; ++j) {
                q_[i * f + j] -= moments.sum[i] * moments.sum[j] / p;
                r[i * f + j] -= moments.sum[i] * moments.sum_target[j] / p;
            }

    support_start_.push_back(0);
    shift_.resize(o_count);
    constant_.resize(o_count);
    std::vector<uint32_t> target_support;
    for (size_t o = 0; o < o_count; ++o) {
        const float* w = &target_weights[o * f];
        target_support.clear();
        double shift = 0;
        for (size_t j = 0; j < f; ++j)
            if (w[j] != 0.0f) {
                target_support.push_back(static_cast<uint32_t>(j));
                shift += w[j] * moments.sum_target[j];
            }
        for (size_t i = 0; i < f; ++i) {
            if (codes[o * f + i] == 0) continue;
            support_.push_back(static_cast<uint32_t>(i));
            const double* row = &r[i * f];
            double v = 0;
            for (uint32_t j : target_support) v += row[j] * w[j];
            linear_.push_back(v);
        }
        support_start_.push_back(support_.size());
        shift_[o] = shift;
        constant_[o] = moments.target_square[o] - (centred ? shift * shift / p : 0.0);
        spread_ += constant_[o];
    }
}

void LayerQuadratic::channel_terms(size_t o, const std::vector<uint8_t>& codes, const std::vector<double>& codebook,
                                   double& centred, double& mean_term) const {
    const auto f = static_cast<size_t>(fan_in_);
    double quadratic = 0, linear = 0, mean = 0;
    for (size_t a = support_start_[o]; a < support_start_[o + 1]; ++a) {
        const uint32_t i = support_[a];
        const double wi = codebook[codes[o * f + i]];
        const double* row = &q_[i * f];
        double s = 0;
        for (size_t b = support_start_[o]; b < support_start_[o + 1]; ++b) s += row[support_[b]] * codebook[codes[o * f + support_[b]]];
        quadratic += wi * s;
        linear += wi * linear_[a];
        mean += wi * sum_[i];
    }
    centred = quadratic - 2 * linear + constant_[o];
    mean_term = mean;
}

double LayerQuadratic::error(const CodebookLayer& layer) const {
    SQZ_ASSERT(layer.bias.size() == bias_.size(), "layer with {} biases against a target with {}", layer.bias.size(),
               bias_.size());
    const double p = static_cast<double>(positions_);
    double total = 0;
    for (size_t o = 0; o < static_cast<size_t>(out_channels_); ++o) {
        double centred, mean;
        channel_terms(o, layer.codes, layer.codebook, centred, mean);
        total += centred;
        if (!bias_.empty()) {
            const double d = mean - shift_[o] + p * (layer.bias[o] - bias_[o]);
            total += d * d / p;
        }
    }
    return total;
}

double LayerQuadratic::error_with_best_bias(const std::vector<uint8_t>& codes, const std::vector<double>& codebook) const {
    double total = 0;
    for (size_t o = 0; o < static_cast<size_t>(out_channels_); ++o) {
        double centred, mean;
        channel_terms(o, codes, codebook, centred, mean);
        total += centred;
    }
    return total;
}

std::vector<double> LayerQuadratic::best_bias(const std::vector<uint8_t>& codes, const std::vector<double>& codebook) const {
    std::vector<double> out;
    if (bias_.empty()) return out;
    const auto f = static_cast<size_t>(fan_in_);
    for (size_t o = 0; o < static_cast<size_t>(out_channels_); ++o) {
        double mean = 0;
        for (size_t a = support_start_[o]; a < support_start_[o + 1]; ++a)
            mean += codebook[codes[o * f + support_[a]]] * sum_[support_[a]];
        out.push_back(bias_[o] + (shift_[o] - mean) / static_cast<double>(positions_));
    }
    return out;
}

std::vector<double> LayerQuadratic::solve_centroids(const std::vector<uint8_t>& codes, const std::vector<double>& start,
                                                    double ridge) const {
    SQZ_ASSERT(!start.empty() && start[0] == 0.0, "a codebook must start with entry 0 = 0");
    const size_t n = start.size() - 1;  // unknowns: entries 1..K-1
    if (n == 0) return start;
    const auto f = static_cast<size_t>(fan_in_);
    std::vector<double> g(n * n, 0.0), r(n, 0.0);
    for (size_t o = 0; o < static_cast<size_t>(out_channels_); ++o) {
        const uint8_t* code = &codes[o * f];
        for (size_t a = support_start_[o]; a < support_start_[o + 1]; ++a) {
            const uint32_t i = support_[a];
            SQZ_ASSERT(code[i] != 0 && code[i] <= n, "code {} outside the codebook of {}", code[i], n + 1);
            const size_t k = code[i] - 1u;
            r[k] += linear_[a];
            const double* row = &q_[i * f];
            double* gk = &g[k * n];
            for (size_t b = support_start_[o]; b < support_start_[o + 1]; ++b) gk[code[support_[b]] - 1u] += row[support_[b]];
        }
    }
    double trace = 0;
    for (size_t k = 0; k < n; ++k) trace += g[k * n + k];
    const double floor = 0.01 * trace / static_cast<double>(n);
    for (size_t k = 0; k < n; ++k) {
        double lambda = ridge * (g[k * n + k] + floor);
        if (g[k * n + k] == 0.0) lambda = std::max(lambda, 1.0);  // no weights: the code keeps its start
        g[k * n + k] += lambda;
        r[k] += lambda * start[k + 1];
    }
    if (!cholesky_solve(std::move(g), r)) return start;
    std::vector<double> out{0.0};
    out.insert(out.end(), r.begin(), r.end());
    return out;
}

size_t LayerQuadratic::reassign(std::vector<uint8_t>& codes, const std::vector<double>& codebook) const {
    const auto f = static_cast<size_t>(fan_in_);
    size_t moved = 0;
    std::vector<double> grad;
    for (size_t o = 0; o < static_cast<size_t>(out_channels_); ++o) {
        uint8_t* code = &codes[o * f];
        const size_t begin = support_start_[o], end = support_start_[o + 1];
        grad.assign(end - begin, 0.0);
        for (size_t a = begin; a < end; ++a) {
            const double* row = &q_[support_[a] * f];
            double s = 0;
            for (size_t b = begin; b < end; ++b) s += row[support_[b]] * codebook[code[support_[b]]];
            grad[a - begin] = s - linear_[a];
        }
        for (size_t a = begin; a < end; ++a) {
            const uint32_t i = support_[a];
            const double qii = q_[i * f + i];
            if (!(qii > 0)) continue;
            const double u = codebook[code[i]];
            const double ideal = u - grad[a - begin] / qii;
            size_t best = code[i];
            double best_distance = std::fabs(u - ideal);
            for (size_t k = 1; k < codebook.size(); ++k)
                if (const double d = std::fabs(codebook[k] - ideal); d < best_distance) {
                    best = k;
                    best_distance = d;
                }
            if (best == code[i]) continue;
            const double delta = codebook[best] - u;
            const double* row = &q_[i * f];
            for (size_t b = begin; b < end; ++b) grad[b - begin] += row[support_[b]] * delta;
            code[i] = static_cast<uint8_t>(best);
            ++moved;
        }
    }
    return moved;
}

}  // namespace sqz::compiler
