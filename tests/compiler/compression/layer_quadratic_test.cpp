// A layer's error quadratic (compiler/compression/layer_samples.h, layer_quadratic.h): it equals
// the squared output differences the interpreter gives, the best bias is the best, and shrinking
// the moments moves the fit towards the original weights as documented.
#include "compiler/compression/layer_quadratic.h"
#include "compiler/compression/layer_samples.h"
#include "ir/builder.h"
#include "ir/interpreter.h"
#include "tests/compiler/compression/conv_layer_fixture.h"
#include "tests/support.h"

using namespace sqz;
using test::as_f64, test::decode, test::kCentroids, test::one_conv, test::random_codes;

TEST_CASE("the layer's quadratic error is the sum of squared output differences", "[compression][refine]") {
    ir::Graph original = one_conv();
    const std::vector<uint8_t> codes = random_codes(4 * 27, 1);
    const std::vector<float> bias = {0.1f, -0.2f, 0.3f, 0.0f};
    original.find_constant("conv.weight")->bind(decode(codes, kCentroids));
    original.find_constant("conv.bias")->bind(bias);
    ir::Graph changed = original;
    const std::vector<double> other = {0.0, -0.6, -0.35, -0.05, 0.25, 0.4, 0.9, 1.0};
    changed.find_constant("conv.weight")->bind(decode(codes, other));
    changed.find_constant("conv.bias")->bind({0.15f, -0.1f, 0.2f, 0.05f});

    double direct = 0;
    std::vector<compiler::LayerSamples> parts;
    for (uint64_t seed : {100, 101}) {
        const ir::Tensor in = test::random_input(original, seed);
        const ir::TensorF64 a = ir::interpret(changed, {in}).at(0), b = ir::interpret(original, {in}).at(0);
        for (size_t i = 0; i < a.data.size(); ++i) direct += (a.data[i] - b.data[i]) * (a.data[i] - b.data[i]);
        parts.push_back(compiler::sample_layer(original.nodes[0], as_f64(in), as_f64(in),
                                               original.find_constant("conv.weight")->data(), bias, 1000,
                                               static_cast<uint32_t>(parts.size())));
    }
    const compiler::LayerSamples samples = compiler::LayerSamples::concatenate(parts);
    REQUIRE(samples.positions == 2 * 81);
    CHECK(samples.input.front() == 0);
    CHECK(samples.input.back() == 1);
    const compiler::LayerQuadratic q(samples, codes, true, 2);
    compiler::CodebookLayer layer{4, 27, codes, other, {0.15, -0.1, 0.2, 0.05}};
    for (double& b : layer.bias) b = static_cast<float>(b);  // as bound
    for (double& c : layer.codebook) c = static_cast<float>(c);
    CHECK(q.error(layer) == Approx(direct).epsilon(1e-9));
    // The best bias can only lower it, and is the best: moving it raises the error.
    const double best = q.error_with_best_bias(codes, layer.codebook);
    CHECK(best <= q.error(layer));
    layer.bias = q.best_bias(codes, layer.codebook);
    CHECK(q.error(layer) == Approx(best).epsilon(1e-12));
    layer.bias[2] += 0.01;
    CHECK(q.error(layer) > best);
    // The original itself has no error.
    layer.codebook = kCentroids;
    layer.bias.assign(bias.begin(), bias.end());
    CHECK(q.error(layer) == Approx(0).margin(1e-9 * q.spread()));
}

TEST_CASE("shrinking the moments pulls the fit towards the original weights", "[compression][refine]") {
    // Random samples of a layer without bias: 5 channels, 12 inputs, 40 positions.
    compiler::LayerSamples s(12, 5);
    s.positions = 40;
    const std::vector<float> patches = test::random_values(12 * 40, 3);
    s.patches.assign(patches.begin(), patches.end());
    const std::vector<float> weights = test::random_values(5 * 12, 4);
    s.targets.assign(5 * 40, 0.0);
    for (size_t o = 0; o < 5; ++o)
        for (size_t p = 0; p < 40; ++p)
            for (size_t i = 0; i < 12; ++i) s.targets[o * 40 + p] += weights[o * 12 + i] * s.patches[i * 40 + p];
    s.input.assign(40, 0);
    const std::vector<uint8_t> codes = random_codes(5 * 12, 5);
    const compiler::LayerQuadratic q(s, codes, false, 1);
    const std::vector<double> codebook = kCentroids;

    const compiler::LayerQuadratic none = q.shrunk_towards(weights, 0);
    CHECK(none.error_with_best_bias(codes, codebook) == Approx(q.error_with_best_bias(codes, codebook)).epsilon(1e-12));

    // All the way: each weight alone, weighed by its input's second moment.
    const compiler::LayerQuadratic all = q.shrunk_towards(weights, 1);
    double want = 0;
    for (size_t o = 0; o < 5; ++o)
        for (size_t i = 0; i < 12; ++i)
            if (codes[o * 12 + i] != 0) {
                const double d = codebook[codes[o * 12 + i]] - weights[o * 12 + i];
                want += q.moment(static_cast<uint32_t>(i), static_cast<uint32_t>(i)) * d * d;
            }
    CHECK(all.error_with_best_bias(codes, codebook) == Approx(want).epsilon(1e-9));

    // Half way: the average of the two.
    const compiler::LayerQuadratic half = q.shrunk_towards(weights, 0.5);
    CHECK(half.error_with_best_bias(codes, codebook) ==
          Approx(0.5 * q.error_with_best_bias(codes, codebook) + 0.5 * want).epsilon(1e-9));
}
