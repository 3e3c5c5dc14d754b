// Magnitude pruning: the exact fraction per layer, the largest magnitudes kept, documented ties,
// and whole-graph compression (pruning, clustering) of every convolution weight.
#include "compiler/compression/prune.h"
#include "compiler/compression/weight_coding.h"
#include "compiler/model_loader.h"
#include "tests/support.h"

#include <algorithm>
#include <cmath>

using namespace sqz;
using compiler::prune_by_magnitude;

namespace {

size_t zeros(const std::vector<float>& v) { return static_cast<size_t>(std::count(v.begin(), v.end(), 0.0f)); }

}  // namespace

TEST_CASE("pruning zeroes exactly the fraction, smallest magnitudes first", "[compression][prune]") {
    const std::vector<float> values = test::random_values(1000, 8, -1.0f, 1.0f);
    for (double fraction : {0.0, 0.1, 0.333, 0.5, 0.9, 1.0}) {
        INFO("fraction " << fraction);
        const std::vector<float> p = prune_by_magnitude(values, fraction);
        CHECK(zeros(p) == compiler::pruned_count(1000, fraction));
        float largest_pruned = 0, smallest_kept = 2;
        for (size_t i = 0; i < values.size(); ++i) {
            if (p[i] == 0.0f) largest_pruned = std::max(largest_pruned, std::fabs(values[i]));
            else {
                REQUIRE(p[i] == values[i]);
                smallest_kept = std::min(smallest_kept, std::fabs(values[i]));
            }
        }
        CHECK(largest_pruned <= smallest_kept);
    }
    CHECK(compiler::pruned_count(3, 0.5) == 2);  // 1.5 rounds up
    CHECK(compiler::pruned_count(1000, 0.333) == 333);
}

TEST_CASE("equal magnitudes are pruned in position order, zeros count", "[compression][prune]") {
    CHECK(prune_by_magnitude({0.5f, -0.5f, 0.5f, -0.5f, 0.25f}, 0.6) == std::vector<float>{0, 0, 0.5f, -0.5f, 0});
    // Two zeros already: pruning 40% of 5 (two weights) changes nothing; 60% prunes one more.
    CHECK(prune_by_magnitude({0.0f, 3.0f, 0.0f, -1.0f, 2.0f}, 0.4) == std::vector<float>{0, 3, 0, -1, 2});
    CHECK(prune_by_magnitude({0.0f, 3.0f, 0.0f, -1.0f, 2.0f}, 0.6) == std::vector<float>{0, 3, 0, 0, 2});
    CHECK(prune_by_magnitude({}, 0.5).empty());
}

TEST_CASE("compress_weights prunes and clusters every convolution weight per layer", "[compression][prune]") {
    compiler::ModelOptions o;
    o.model_path = (test::source_dir() / "examples" / "squeezenet_v1.1.sqz").string();
    const ir::Graph graph = compiler::load_model(o);
    compiler::CompressionOptions options;
    options.prune = 0.6;
    const ir::Graph pruned = compiler::compress_weights(graph, options);
    for (const std::string& name : compiler::compressible_weights(graph)) {
        INFO(name);
        const ir::Constant& c = *pruned.find_constant(name);
        CHECK(zeros(c.data()) == compiler::pruned_count(c.data().size(), 0.6));
        CHECK(c.codebook == nullptr);
    }
    // Biases are untouched.
    CHECK(*pruned.find_constant("conv1.bias")->values == *graph.find_constant("conv1.bias")->values);

    options.codebook_bits = 5;
    const ir::Graph clustered = compiler::compress_weights(graph, options);
    for (const std::string& name : compiler::compressible_weights(graph)) {
        INFO(name);
        const ir::Constant& c = *clustered.find_constant(name);
        REQUIRE(c.codebook);
        CHECK(c.codebook->codebook.size() <= 32);
        CHECK(c.codebook->decode(c.type.numel()) == c.data());
        // Same sparsity pattern as pruning alone.
        const std::vector<float>& p = pruned.find_constant(name)->data();
        for (size_t i = 0; i < p.size(); ++i) REQUIRE((p[i] == 0.0f) == (c.data()[i] == 0.0f));
    }
    compiler::CompressionOptions too_much;
    too_much.prune = 1.5;
    CHECK_THROWS_WITH(compiler::compress_weights(graph, too_much), "--prune must be a fraction in [0, 1), got 1.5");
    compiler::CompressionOptions too_wide;
    too_wide.codebook_bits = 9;
    CHECK_THROWS_WITH(compiler::compress_weights(graph, too_wide), "--codebook-bits must lie in 2..8, got 9");
}
