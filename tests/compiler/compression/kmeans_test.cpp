// Weight sharing by k-means: a known mixture is recovered, zeros stay zero, B = 1..8 give at most
// 2^B entries with error shrinking as B grows, few distinct values are kept exactly, and the
// result is deterministic.
#include "compiler/compression/kmeans.h"
#include "tests/support.h"

#include <algorithm>
#include <cmath>
#include <random>

using namespace sqz;
using compiler::cluster_weights;

namespace {

std::vector<float> normal_values(size_t n, uint64_t seed, double zero_fraction) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<float> normal(0.0f, 0.05f);
    std::uniform_real_distribution<double> unit(0, 1);
    std::vector<float> v(n);
    for (float& x : v) x = unit(rng) < zero_fraction ? 0.0f : normal(rng);
    return v;
}

double max_error(const std::vector<float>& a, const std::vector<float>& b) {
    double e = 0;
    for (size_t i = 0; i < a.size(); ++i) e = std::max(e, std::fabs(static_cast<double>(a[i]) - b[i]));
    return e;
}

}  // namespace

TEST_CASE("k-means recovers the centres of a well-separated mixture", "[compression][kmeans]") {
    const std::vector<double> centres{-0.6, 0.1, 0.8};
    std::mt19937_64 rng(1);
    std::normal_distribution<double> noise(0.0, 0.01);
    std::vector<float> values;
    std::vector<int> cluster;
    for (int i = 0; i < 3000; ++i) {
        const int k = i % 4;
        values.push_back(k == 3 ? 0.0f : static_cast<float>(centres[k] + noise(rng)));
        cluster.push_back(k);
    }
    const ir::CodebookWeights w = cluster_weights(values, {2, 4, 100});
    REQUIRE(w.codebook.size() == 4);
    CHECK(w.codebook[0] == 0.0f);
    double mean[3] = {0, 0, 0};
    for (size_t i = 0; i < values.size(); ++i)
        if (cluster[i] < 3) mean[cluster[i]] += values[i] / 750.0;
    for (int k = 0; k < 3; ++k) {
        INFO("cluster " << k);
        CHECK(std::fabs(w.codebook[k + 1] - mean[k]) < 1e-6);  // the exact cluster mean
    }
    const std::vector<float> q = w.decode(static_cast<int64_t>(values.size()));
    for (size_t i = 0; i < values.size(); ++i)
        REQUIRE(q[i] == (cluster[i] == 3 ? 0.0f : w.codebook[cluster[i] + 1]));
}

TEST_CASE("zeros stay zero and every non-zero weight stays non-zero", "[compression][kmeans]") {
    const std::vector<float> values = normal_values(20000, 2, 0.6);
    for (int bits : {2, 4, 6, 8}) {
        const ir::CodebookWeights w = cluster_weights(values, {bits, 4, 100});
        const std::vector<float> q = w.decode(static_cast<int64_t>(values.size()));
        for (size_t i = 0; i < values.size(); ++i) REQUIRE((q[i] == 0.0f) == (values[i] == 0.0f));
    }
}

TEST_CASE("B bits give at most 2^B entries and a smaller error as B grows", "[compression][kmeans]") {
    const std::vector<float> values = normal_values(50000, 3, 0.3);
    double previous = 1e9;
    for (int bits = 1; bits <= 8; ++bits) {
        INFO("bits " << bits);
        const ir::CodebookWeights w = cluster_weights(values, {bits, 4, 100});
        CHECK(w.bits == bits);
        CHECK(w.gap_bits == 4);
        CHECK(w.codebook.size() <= (size_t{1} << bits));
        CHECK(w.codebook.size() >= 2);
        CHECK(std::is_sorted(w.codebook.begin() + 1, w.codebook.end()));
        for (uint8_t c : w.codes) REQUIRE(c < w.codebook.size());
        for (uint8_t g : w.gaps) REQUIRE(g < 16);
        const double error = max_error(w.decode(static_cast<int64_t>(values.size())), values);
        CHECK(error < previous);
        previous = error;
    }
    CHECK(previous < 0.01);  // 255 centroids over about +-0.25
}

TEST_CASE("few distinct values are kept exactly", "[compression][kmeans]") {
    std::vector<float> values;
    for (int i = 0; i < 1000; ++i) values.push_back(static_cast<float>((i * 37) % 15 - 7) * 0.1f);  // 15 levels, one is 0
    const ir::CodebookWeights w = cluster_weights(values, {4, 4, 100});
    CHECK(w.codebook.size() == 15);  // 0 plus 14 non-zero levels
    const std::vector<float> q = w.decode(1000);
    for (size_t i = 0; i < values.size(); ++i) REQUIRE(q[i] == values[i]);
}

TEST_CASE("clustering is deterministic and handles empty and all-zero layers", "[compression][kmeans]") {
    const std::vector<float> values = normal_values(30000, 4, 0.5);
    CHECK(cluster_weights(values, {6, 4, 100}) == cluster_weights(values, {6, 4, 100}));
    const ir::CodebookWeights zeros = cluster_weights(std::vector<float>(100, 0.0f), {6, 4, 100});
    CHECK(zeros.codebook == std::vector<float>{0.0f});
    CHECK(zeros.codes.empty());
    CHECK(cluster_weights({}, {6, 4, 100}).codes.empty());
    CHECK_THROWS_WITH(cluster_weights({1.0f, NAN}, {6, 4, 100}), "cannot cluster weights that are not finite (found nan)");
}

TEST_CASE("long runs of zeros get filler entries", "[compression][kmeans]") {
    std::vector<float> values(1000, 0.0f);
    values[100] = 0.5f;
    values[999] = -0.5f;
    const ir::CodebookWeights w = cluster_weights(values, {2, 4, 100});
    CHECK(w.codes.size() == 2 + 100 / 16 + 898 / 16);
    CHECK(w.decode(1000) == values);
}

namespace {

double squared_error(const std::vector<float>& values, const ir::CodebookWeights& w) {
    const std::vector<float> q = w.decode(static_cast<int64_t>(values.size()));
    double e = 0;
    for (size_t i = 0; i < values.size(); ++i) e += (static_cast<double>(q[i]) - values[i]) * (static_cast<double>(q[i]) - values[i]);
    return e;
}

// The least squared error of k clusters over sorted values, by the plain O(k n^2) recurrence.
double brute_force_optimum(std::vector<double> x, size_t k) {
    std::sort(x.begin(), x.end());
    const size_t n = x.size();
    auto cost = [&](size_t a, size_t b) {
        double mean = 0, e = 0;
        for (size_t i = a; i < b; ++i) mean += x[i] / static_cast<double>(b - a);
        for (size_t i = a; i < b; ++i) e += (x[i] - mean) * (x[i] - mean);
        return e;
    };
    std::vector<std::vector<double>> best(k + 1, std::vector<double>(n + 1, INFINITY));
    best[0][0] = 0;
    for (size_t j = 1; j <= k; ++j)
        for (size_t i = j; i <= n; ++i)
            for (size_t t = j - 1; t < i; ++t) best[j][i] = std::min(best[j][i], best[j - 1][t] + cost(t, i));
    return best[k][n];
}

}  // namespace

TEST_CASE("optimal initialisation reaches the least-squares optimum", "[compression][kmeans]") {
    std::mt19937_64 rng(21);
    for (int trial = 0; trial < 10; ++trial) {
        std::vector<float> values;
        std::vector<double> nonzero;
        for (int i = 0; i < 60; ++i) {
            const float v = std::uniform_real_distribution<float>(-1, 1)(rng) * (trial % 2 ? 1.0f : std::pow(0.1f, static_cast<float>(i % 3)));
            values.push_back(v);
            nonzero.push_back(v);
            values.push_back(0.0f);
        }
        const ir::CodebookWeights w = cluster_weights(values, {3, 4, 100, compiler::ClusterInit::Optimal});
        INFO("trial " << trial);
        CHECK(w.codebook.size() == 8);
        CHECK(squared_error(values, w) == Approx(brute_force_optimum(nonzero, 7)).epsilon(1e-5));
        CHECK(squared_error(values, w) <= squared_error(values, cluster_weights(values, {3, 4, 100})) * (1 + 1e-9));
    }
}

TEST_CASE("optimal initialisation on layers with many distinct values", "[compression][kmeans]") {
    const std::vector<float> values = normal_values(200000, 5, 0.2);  // far more than kOptimalRuns distinct values
    for (int bits : {4, 6}) {
        INFO("bits " << bits);
        const ir::CodebookWeights optimal = cluster_weights(values, {bits, 4, 100, compiler::ClusterInit::Optimal});
        const ir::CodebookWeights linear = cluster_weights(values, {bits, 4, 100});
        CHECK(optimal.codebook.size() == (size_t{1} << bits));
        CHECK(squared_error(values, optimal) < squared_error(values, linear));
        CHECK(optimal == cluster_weights(values, {bits, 4, 100, compiler::ClusterInit::Optimal}));
    }
}
