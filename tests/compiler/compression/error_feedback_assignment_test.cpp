// Error-feedback code assignment (compiler/compression/error_feedback_assignment.h): on a layer
// whose inputs are correlated it finds the codes that cancel each other's rounding, where nearest
// rounding cannot, and over random layers it does better than nearest rounding; pruned weights
// stay pruned; the result does not depend on the threads.
#include "compiler/compression/codebook_least_squares.h"
#include "compiler/compression/error_feedback_assignment.h"
#include "compiler/compression/layer_quadratic.h"
#include "tests/support.h"

#include <random>

using namespace sqz;

namespace {

// Samples of a layer without bias whose original weights are `weights` [O, F], on `positions`
// input patches whose F elements are `mix` parts a shared value and 1 - mix parts their own.
compiler::LayerSamples correlated_samples(const std::vector<float>& weights, int64_t f, int64_t positions, double mix,
                                          uint64_t seed) {
    const int64_t o_count = static_cast<int64_t>(weights.size()) / f;
    compiler::LayerSamples s(f, o_count);
    s.positions = positions;
    const std::vector<float> shared = test::random_values(static_cast<size_t>(positions), seed);
    const std::vector<float> own = test::random_values(static_cast<size_t>(f * positions), seed + 1);
    s.patches.resize(static_cast<size_t>(f * positions));
    for (int64_t i = 0; i < f; ++i)
        for (int64_t p = 0; p < positions; ++p)
            s.patches[i * positions + p] = mix * shared[p] + (1 - mix) * own[i * positions + p];
    s.targets.assign(static_cast<size_t>(o_count * positions), 0.0);
    for (int64_t o = 0; o < o_count; ++o)
        for (int64_t p = 0; p < positions; ++p)
            for (int64_t i = 0; i < f; ++i) s.targets[o * positions + p] += weights[o * f + i] * s.patches[i * positions + p];
    s.input.assign(static_cast<size_t>(positions), 0);
    return s;
}

std::vector<uint8_t> nearest_codes(const std::vector<float>& weights, const std::vector<double>& codebook) {
    std::vector<uint8_t> out;
    for (float w : weights) out.push_back(w == 0.0f ? 0 : compiler::nearest_code(codebook, w));
    return out;
}

}  // namespace

TEST_CASE("nearest_code takes the nearest non-zero entry, the lowest on a tie", "[compression][refine]") {
    const std::vector<double> codebook = {0.0, -1.0, 0.2, 0.8, 0.2};
    CHECK(compiler::nearest_code(codebook, 0.0) == 2);   // entry 0 is never chosen
    CHECK(compiler::nearest_code(codebook, 0.5) == 2);   // 0.2 and 0.8 tie: the lower index
    CHECK(compiler::nearest_code(codebook, 0.51) == 3);
    CHECK(compiler::nearest_code(codebook, -7.0) == 1);
}

TEST_CASE("error feedback cancels rounding errors nearest rounding leaves (known answer)", "[compression][refine]") {
    // Two almost identical inputs, each with weight 0.5: the output is their sum. The codebook has
    // 0.2 and 0.8 but no 0.5, so nearest rounding gives 0.2 + 0.2 = 0.4, error feedback 0.2 + 0.8.
    const std::vector<float> weights = {0.5f, 0.5f};
    const compiler::LayerSamples s = correlated_samples(weights, 2, 64, 0.99, 1);
    const std::vector<uint8_t> start = {1, 1};
    const compiler::LayerQuadratic q(s, start, false, 1);
    const std::vector<double> codebook = {0.0, 0.2, 0.8};
    const std::vector<uint8_t> nearest = nearest_codes(weights, codebook);
    CHECK(nearest == std::vector<uint8_t>{1, 1});
    const std::vector<uint8_t> fed = compiler::assign_with_error_feedback(q, nearest, codebook, 1e-6, 1);
    CHECK(codebook[fed[0]] + codebook[fed[1]] == Approx(1.0));
    CHECK(q.error_with_best_bias(fed, codebook) < 1e-3 * q.error_with_best_bias(nearest, codebook));
}

TEST_CASE("error feedback does better than nearest rounding on random layers", "[compression][refine]") {
    const std::vector<double> codebook = {0.0, -0.9, -0.5, -0.25, -0.1, 0.1, 0.25, 0.5, 0.9};
    double nearest_total = 0, fed_total = 0;
    int better = 0;
    for (uint64_t seed = 1; seed <= 8; ++seed) {
        INFO("seed " << seed);
        std::vector<float> weights = test::random_values(6 * 20, 100 + seed);
        for (size_t i = 0; i < weights.size(); i += 3) weights[i] = 0.0f;  // pruned
        const compiler::LayerSamples s = correlated_samples(weights, 20, 200, 0.6, seed);
        const std::vector<uint8_t> nearest = nearest_codes(weights, codebook);
        const compiler::LayerQuadratic q(s, nearest, false, 1);
        const std::vector<uint8_t> fed = compiler::assign_with_error_feedback(q, nearest, codebook, 0.01, 1);
        for (size_t i = 0; i < fed.size(); ++i) REQUIRE((fed[i] == 0) == (weights[i] == 0.0f));
        // The same codes on any number of threads.
        CHECK(compiler::assign_with_error_feedback(q, nearest, codebook, 0.01, 3) == fed);
        const double e_nearest = q.error_with_best_bias(nearest, codebook), e_fed = q.error_with_best_bias(fed, codebook);
        nearest_total += e_nearest;
        fed_total += e_fed;
        better += e_fed < e_nearest;
        // Coordinate descent from either start never raises the error.
        std::vector<uint8_t> polished = fed;
        compiler::reassign_codes(q, polished, codebook, 2);
        CHECK(q.error_with_best_bias(polished, codebook) <= e_fed * (1 + 1e-12));
    }
    CHECK(better == 8);
    CHECK(fed_total < 0.5 * nearest_total);
}
