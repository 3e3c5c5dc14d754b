// A layer's output error as a quadratic in its weights (see layer_quadratic.h).
//
// Algorithm note. Channel o's error, with the bias as one more weight on a constant input 1, is a
// quadratic in (ŵ_S, b̂) with matrix [[A, m], [mᵀ, P]], linear term (Σ_p y_p x_S, Σ_p y_p) and
// constant Σ_p y_p² (A = Σ_p x xᵀ, m = Σ_p x, P positions). Minimising over b̂ (at
// b* = (Σ_p y_p - ŵ·m) / P) leaves Q = A - m mᵀ / P, r = Σ_p y_p x_S - m_S Σ_p y_p / P and
// k = Σ_p y_p² - (Σ_p y_p)² / P: the centred sums. A is one Gram matrix of the sampled patches
// (F²P/2 multiply-adds); r costs one dot product over the positions per support entry.
#include "compiler/compression/layer_quadratic.h"

#include "compiler/compression/gram.h"
#include "ir/error.h"
#include "ir/parallel.h"

namespace sqz::compiler {

LayerQuadratic::LayerQuadratic(const LayerSamples& samples, const std::vector<uint8_t>& codes, bool has_bias,
                               int threads)
    : out_channels_(samples.out_channels), fan_in_(samples.fan_in), positions_(samples.positions),
      has_bias_(has_bias) {
    const auto f = static_cast<size_t>(fan_in_), o_count = static_cast<size_t>(out_channels_);
    const auto p_count = static_cast<size_t>(positions_);
    SQZ_ASSERT(codes.size() == o_count * f, "layer of {} x {} weights given {} codes", o_count, f, codes.size());
    SQZ_ASSERT(p_count > 0, "layer samples with no positions");
    const double p = static_cast<double>(positions_);

    // Q: the Gram matrix of the patches, in row blocks on the threads, then centred.
    q_.assign(f * f, 0.0);
    gram(samples.patches.data(), fan_in_, positions_, q_.data(), threads);
    sum_.assign(f, 0.0);
    const std::vector<double> ones(p_count, 1.0);
    for (size_t i = 0; i < f; ++i) sum_[i] = dot(&samples.patches[i * p_count], ones.data(), positions_);
    if (has_bias_)
        for (size_t i = 0; i < f; ++i)
            for (size_t j = 0; j < f; ++j) q_[i * f + j] -= sum_[i] * sum_[j] / p;

    support_start_.push_back(0);
    for (size_t o = 0; o < o_count; ++o) {
        for (size_t i = 0; i < f; ++i)
            if (codes[o * f + i] != 0) support_.push_back(static_cast<uint32_t>(i));
        support_start_.push_back(support_.size());
    }
    linear_.assign(support_.size(), 0.0);
    constant_.assign(o_count, 0.0);
    target_sum_.assign(o_count, 0.0);
    parallel_for_each(o_count, threads, [&](size_t o) {
        const double* y = &samples.targets[o * p_count];
        const double y_sum = dot(y, ones.data(), positions_);
        double k = dot(y, y, positions_);
        if (has_bias_) k -= y_sum * y_sum / p;
        double* r = &linear_[support_start_[o]];
        const uint32_t* support = this->support(o);
        for (size_t a = 0; a < support_size(o); ++a) {
            r[a] = dot(&samples.patches[support[a] * p_count], y, positions_);
            if (has_bias_) r[a] -= sum_[support[a]] * y_sum / p;
        }
        constant_[o] = k;
        target_sum_[o] = y_sum;
    });
    for (double k : constant_) spread_ += k;
}

LayerQuadratic LayerQuadratic::shrunk_towards(const std::vector<float>& weights, double amount) const {
    const auto f = static_cast<size_t>(fan_in_), o_count = static_cast<size_t>(out_channels_);
    SQZ_ASSERT(weights.size() == o_count * f, "{} weights for a layer of {} x {}", weights.size(), o_count, f);
    SQZ_ASSERT(amount >= 0 && amount <= 1, "shrinkage {} outside [0, 1]", amount);
    LayerQuadratic out = *this;
    for (size_t i = 0; i < f; ++i)
        for (size_t j = 0; j < f; ++j)
            if (i != j) out.q_[i * f + j] *= 1 - amount;
    out.spread_ = 0;
    for (size_t o = 0; o < o_count; ++o) {
        double k = (1 - amount) * constant_[o];
        const uint32_t* support = this->support(o);
        for (size_t a = 0; a < support_size(o); ++a) {
            const double d = q_[support[a] * f + support[a]], w = weights[o * f + support[a]];
            out.linear_[support_start_[o] + a] = (1 - amount) * linear_[support_start_[o] + a] + amount * d * w;
            k += amount * d * w * w;
        }
        out.constant_[o] = k;
        out.spread_ += k;
    }
    return out;
}

double LayerQuadratic::channel_error(size_t o, const std::vector<uint8_t>& codes,
                                     const std::vector<double>& codebook) const {
    const size_t s = support_size(o), f = static_cast<size_t>(fan_in_);
    const uint32_t* support = this->support(o);
    const double* r = linear(o);
    std::vector<double> w(s);
    for (size_t a = 0; a < s; ++a) w[a] = codebook[codes[o * f + support[a]]];
    double total = constant_[o];
    for (size_t a = 0; a < s; ++a) {
        const double* row = &q_[support[a] * f];
        double qw = 0;
        for (size_t b = 0; b < s; ++b) qw += row[support[b]] * w[b];
        total += w[a] * (qw - 2 * r[a]);
    }
    return total;
}

double LayerQuadratic::error_with_best_bias(const std::vector<uint8_t>& codes, const std::vector<double>& codebook) const {
    double total = 0;
    for (size_t o = 0; o < static_cast<size_t>(out_channels_); ++o) total += channel_error(o, codes, codebook);
    return total;
}

std::vector<double> LayerQuadratic::best_bias(const std::vector<uint8_t>& codes, const std::vector<double>& codebook) const {
    std::vector<double> out;
    if (!has_bias_) return out;
    const auto f = static_cast<size_t>(fan_in_);
    for (size_t o = 0; o < static_cast<size_t>(out_channels_); ++o) {
        double mean = 0;
        const uint32_t* support = this->support(o);
        for (size_t a = 0; a < support_size(o); ++a) mean += codebook[codes[o * f + support[a]]] * sum_[support[a]];
        out.push_back((target_sum_[o] - mean) / static_cast<double>(positions_));
    }
    return out;
}

double LayerQuadratic::error(const CodebookLayer& layer) const {
    SQZ_ASSERT(layer.bias.size() == (has_bias_ ? static_cast<size_t>(out_channels_) : 0u),
               "layer with {} biases, the fit has {}", layer.bias.size(), has_bias_ ? out_channels_ : 0);
    double total = error_with_best_bias(layer.codes, layer.codebook);
    if (has_bias_) {
        // E as a function of the bias: its best value's error plus P (b̂ - b*)².
        const std::vector<double> best = best_bias(layer.codes, layer.codebook);
        for (size_t o = 0; o < best.size(); ++o)
            total += static_cast<double>(positions_) * (layer.bias[o] - best[o]) * (layer.bias[o] - best[o]);
    }
    return total;
}

}  // namespace sqz::compiler
