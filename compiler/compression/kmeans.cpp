// One-dimensional k-means for weight sharing (see kmeans.h).
//
// Algorithm note. The non-zero weights are sorted once; a cluster is then a run sorted[a, b) and
// prefix sums give any run's count, sum and sum of squares in O(1). Lloyd's iteration becomes:
// boundaries = lower bounds of the midpoints between consecutive centroids, centroids = run means.
// The optimal initialisation solves min over k runs of the total squared error exactly by dynamic
// programming, E(j, i) = min_t E(j-1, t) + cost(t, i), over runs of equal values (grouped into at
// most kOptimalRuns runs when there are more); the best split t is monotone in i, so each level is
// solved by divide and conquer in O(m log m) for m runs.
#include "compiler/compression/kmeans.h"

#include "compiler/compression/codebook_form.h"
#include "ir/error.h"

#include <algorithm>
#include <cmath>

namespace sqz::compiler {
namespace {

// Cluster boundaries over the sorted values: cluster j holds sorted[first[j] .. first[j + 1]).
std::vector<size_t> boundaries(const std::vector<float>& sorted, const std::vector<double>& centroids) {
    const size_t k = centroids.size();
    std::vector<size_t> first(k + 1);
    first[0] = 0;
    first[k] = sorted.size();
    for (size_t j = 1; j < k; ++j) {
        const double mid = 0.5 * (centroids[j - 1] + centroids[j]);
        first[j] = static_cast<size_t>(
            std::lower_bound(sorted.begin(), sorted.end(), mid, [](float v, double m) { return v < m; }) -
            sorted.begin());
        first[j] = std::max(first[j], first[j - 1]);
    }
    return first;
}

// Starts of at most `limit` runs of the sorted values, cut only where the value changes.
std::vector<size_t> run_starts(const std::vector<float>& sorted, size_t limit) {
    std::vector<size_t> starts;
    for (size_t i = 0; i < sorted.size(); ++i)
        if (i == 0 || sorted[i] != sorted[i - 1]) starts.push_back(i);
    if (starts.size() <= limit) return starts;
    std::vector<size_t> grouped;
    size_t next = 0;  // the next run starts at the first distinct value at or after this index
    for (size_t s : starts) {
        if (s < next) continue;
        grouped.push_back(s);
        next = grouped.size() * sorted.size() / limit;
    }
    return grouped;
}

// Least-squares optimal 1-D clustering of the sorted values into at most k clusters.
class OptimalClustering {
public:
    OptimalClustering(const std::vector<float>& sorted, size_t k) {
        const std::vector<size_t> starts = run_starts(sorted, kOptimalRuns);
        m_ = starts.size();
        count_.assign(m_ + 1, 0.0);
        sum_.assign(m_ + 1, 0.0);
        square_.assign(m_ + 1, 0.0);
        for (size_t g = 0; g < m_; ++g) {
            const size_t end = g + 1 < m_ ? starts[g + 1] : sorted.size();
            double s = 0, q = 0;
            for (size_t i = starts[g]; i < end; ++i) {
                s += sorted[i];
                q += static_cast<double>(sorted[i]) * sorted[i];
            }
            count_[g + 1] = count_[g] + static_cast<double>(end - starts[g]);
            sum_[g + 1] = sum_[g] + s;
            square_[g + 1] = square_[g] + q;
        }
        k_ = std::min(k, m_);
    }

    // Centroids (ascending) of the optimal clustering.
    std::vector<double> centroids() {
        if (k_ == 0) return {};
        split_.assign(k_ * (m_ + 1), 0);
        std::vector<double> previous(m_ + 1), current(m_ + 1);
        for (size_t i = 1; i <= m_; ++i) previous[i] = cost(0, i);
        for (size_t level = 2; level <= k_; ++level) {
            std::fill(current.begin(), current.end(), INFINITY);
            solve(level, level, m_, level - 1, m_ - 1, previous, current);
            std::swap(previous, current);
        }
        std::vector<double> out(k_);
        size_t end = m_;
        for (size_t level = k_; level >= 1; --level) {
            const size_t begin = level == 1 ? 0 : split_[(level - 1) * (m_ + 1) + end];
            out[level - 1] = (sum_[end] - sum_[begin]) / (count_[end] - count_[begin]);
            end = begin;
        }
        return out;
    }

private:
    // Squared error of one cluster holding runs [a, b).
    double cost(size_t a, size_t b) const {
        const double n = count_[b] - count_[a], s = sum_[b] - sum_[a];
        return std::max(0.0, square_[b] - square_[a] - s * s / n);
    }

    // current[i] for i in [lo, hi], knowing the best split lies in [opt_lo, opt_hi].
    void solve(size_t level, size_t lo, size_t hi, size_t opt_lo, size_t opt_hi, const std::vector<double>& previous,
               std::vector<double>& current) {
        if (lo > hi) return;
        const size_t mid = lo + (hi - lo) / 2;
        size_t best = opt_lo;
        for (size_t t = opt_lo; t <= std::min(opt_hi, mid - 1); ++t) {
            const double e = previous[t] + cost(t, mid);
            if (e < current[mid]) {
                current[mid] = e;
                best = t;
            }
        }
        split_[(level - 1) * (m_ + 1) + mid] = static_cast<uint32_t>(best);
        if (mid > lo) solve(level, lo, mid - 1, opt_lo, best, previous, current);
        solve(level, mid + 1, hi, best, opt_hi, previous, current);
    }

    size_t m_ = 0, k_ = 0;
    std::vector<double> count_, sum_, square_;  // prefix sums over runs
    std::vector<uint32_t> split_;               // [level - 1][i]: where the last cluster of the best split of i starts
};

}  // namespace

ir::CodebookWeights cluster_weights(const std::vector<float>& values, const ClusterOptions& options) {
    SQZ_ASSERT(options.bits >= 1 && options.bits <= 8, "codebook bits {} outside 1..8", options.bits);
    const size_t max_centroids = (size_t{1} << options.bits) - 1;

    // Non-zero weights by value (ties by position, so the order is fully determined).
    std::vector<uint32_t> order;
    for (size_t i = 0; i < values.size(); ++i)
        if (values[i] != 0.0f) order.push_back(static_cast<uint32_t>(i));
    std::sort(order.begin(), order.end(),
              [&](uint32_t a, uint32_t b) { return values[a] != values[b] ? values[a] < values[b] : a < b; });
    std::vector<float> sorted(order.size());
    for (size_t i = 0; i < order.size(); ++i) sorted[i] = values[order[i]];
    for (float v : sorted)
        if (!std::isfinite(v)) user_error("cannot cluster weights that are not finite (found {})", v);

    std::vector<double> centroids;
    std::vector<size_t> first;
    std::vector<float> distinct(sorted.begin(), sorted.end());
    distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
    if (distinct.size() <= max_centroids) {
        // Few enough values: one exact entry each.
        centroids.assign(distinct.begin(), distinct.end());
        first = boundaries(sorted, centroids);
    } else {
        if (options.init == ClusterInit::Optimal) {
            centroids = OptimalClustering(sorted, max_centroids).centroids();
        } else {
            const double lo = sorted.front(), hi = sorted.back();
            for (size_t j = 0; j < max_centroids; ++j)
                centroids.push_back(max_centroids == 1 ? 0.5 * (lo + hi)
                                                       : lo + (hi - lo) * static_cast<double>(j) / (max_centroids - 1));
        }
        std::vector<double> prefix(sorted.size() + 1, 0.0);
        for (size_t i = 0; i < sorted.size(); ++i) prefix[i + 1] = prefix[i] + sorted[i];
        first = boundaries(sorted, centroids);
        for (int it = 0; it < options.max_iterations; ++it) {
            for (size_t j = 0; j < centroids.size(); ++j)
                if (first[j + 1] > first[j])
                    centroids[j] = (prefix[first[j + 1]] - prefix[first[j]]) / static_cast<double>(first[j + 1] - first[j]);
            std::vector<size_t> next = boundaries(sorted, centroids);
            if (next == first) break;
            first = std::move(next);
        }
    }

    // Codebook: 0, then the centroids that kept weights (ascending); codes per position.
    std::vector<float> codebook{0.0f};
    std::vector<uint8_t> codes(values.size(), 0);
    for (size_t j = 0; j < centroids.size(); ++j) {
        if (first[j + 1] == first[j]) continue;
        const auto code = static_cast<uint8_t>(codebook.size());
        codebook.push_back(static_cast<float>(centroids[j]));
        for (size_t i = first[j]; i < first[j + 1]; ++i) codes[order[i]] = code;
    }
    return sparse_codebook_weights(std::move(codebook), codes, options.bits, options.gap_bits);
}

}  // namespace sqz::compiler
