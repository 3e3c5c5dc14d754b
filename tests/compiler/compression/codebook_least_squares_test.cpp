// Least-squares centroids and coordinate-descent codes (compiler/compression/codebook_least_squares.h):
// the solve recovers the centroids a layer was built with, the same for any thread count, and
// re-assignment and the solve only lower the error.
#include "compiler/compression/codebook_least_squares.h"
#include "compiler/compression/codebook_form.h"
#include "compiler/compression/layer_quadratic.h"
#include "compiler/compression/layer_samples.h"
#include "compiler/compression/weight_coding.h"
#include "ir/builder.h"
#include "tests/compiler/compression/conv_layer_fixture.h"
#include "tests/support.h"

using namespace sqz;
using test::as_f64, test::decode, test::kCentroids, test::one_conv, test::random_codes;

namespace {

compiler::LayerSamples samples_of(const ir::Graph& g, int inputs, int64_t per_input) {
    std::vector<compiler::LayerSamples> parts;
    for (int i = 0; i < inputs; ++i) {
        const ir::TensorF64 x = as_f64(test::random_input(g, 100 + static_cast<uint64_t>(i)));
        parts.push_back(compiler::sample_layer(g.nodes[0], x, x, g.find_constant("conv.weight")->data(),
                                               g.find_constant("conv.bias")->data(), per_input, static_cast<uint32_t>(i)));
    }
    return compiler::LayerSamples::concatenate(parts);
}

}  // namespace

TEST_CASE("least squares recovers the centroids a layer was built with", "[compression][refine]") {
    ir::Graph original = one_conv();
    const std::vector<uint8_t> codes = random_codes(4 * 27, 2);
    original.find_constant("conv.weight")->bind(decode(codes, kCentroids));
    original.find_constant("conv.bias")->bind({0.1f, -0.2f, 0.3f, 0.0f});
    const compiler::LayerQuadratic q(samples_of(original, 3, 1000), codes, true, 2);
    std::vector<double> start = kCentroids;
    for (size_t k = 1; k < start.size(); ++k) start[k] += 0.05 * (k % 2 ? 1 : -1);  // k-means' approximation
    const std::vector<double> solved = compiler::solve_centroids(q, codes, start, 0, 1);
    REQUIRE(solved.size() == kCentroids.size());
    CHECK(solved[0] == 0.0);
    for (size_t k = 1; k < kCentroids.size(); ++k) CHECK(solved[k] == Approx(kCentroids[k]).margin(1e-9));
    const std::vector<double> bias = q.best_bias(codes, solved);
    CHECK(bias[0] == Approx(0.1).margin(1e-6));
    CHECK(bias[1] == Approx(-0.2).margin(1e-6));
    CHECK(compiler::solve_centroids(q, codes, start, 1e-4, 3) == compiler::solve_centroids(q, codes, start, 1e-4, 1));
}

TEST_CASE("re-assignment and the solve only lower the quadratic error", "[compression][refine]") {
    ir::Graph original = one_conv();
    for (ir::Constant& c : original.constants) c.bind(test::random_values(static_cast<size_t>(c.type.numel()), 11));
    compiler::CompressionOptions co;
    co.codebook_bits = 2;
    const ir::Graph clustered = compiler::compress_weights(original, co);
    const ir::Constant& w = *clustered.find_constant("conv.weight");
    std::vector<uint8_t> codes = compiler::positional_codes(*w.codebook, w.type.numel());
    std::vector<double> codebook(w.codebook->codebook.begin(), w.codebook->codebook.end());
    const compiler::LayerSamples samples = samples_of(original, 2, 50);
    CHECK(samples.positions == 100);
    const compiler::LayerQuadratic q(samples, codes, true, 1);
    double error = q.error_with_best_bias(codes, codebook);
    for (int round = 0; round < 3; ++round) {
        codebook = compiler::solve_centroids(q, codes, codebook, 1e-4, 2);
        const double solved = q.error_with_best_bias(codes, codebook);
        CHECK(solved <= error * (1 + 1e-12));
        std::vector<uint8_t> again = codes;
        compiler::reassign_codes(q, codes, codebook, 2);
        compiler::reassign_codes(q, again, codebook, 1);
        CHECK(again == codes);
        for (size_t i = 0; i < codes.size(); ++i)
            REQUIRE((codes[i] == 0) == (original.find_constant("conv.weight")->data()[i] == 0.0f));
        error = q.error_with_best_bias(codes, codebook);
        CHECK(error <= solved * (1 + 1e-12));
    }
}
