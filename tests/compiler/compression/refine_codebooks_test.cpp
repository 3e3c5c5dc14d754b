// Codebook refinement (compiler/compression/refine_codebooks.h): it recovers the centroids a layer
// was built with, never raises a layer's calibration error over plain k-means, gives the same
// codebooks for any thread count, and the refined codebooks still expand bit for bit through the
// runtime decoder. The pieces it is made of have tests of their own (layer_quadratic_test,
// codebook_least_squares_test, error_feedback_assignment_test, gram_test, calibration_stepper_test).
#include "compiler/compression/codebook_form.h"
#include "compiler/compression/refine_codebooks.h"
#include "compiler/compression/weight_coding.h"
#include "ir/builder.h"
#include "runtime/weight_codec.h"
#include "tests/compiler/compression/conv_layer_fixture.h"
#include "tests/support.h"

#include <cstring>

using namespace sqz;
using test::kCentroids, test::one_conv, test::random_codes;

namespace {

// Binds `name` to the codebook form (codes, codebook), 3-bit codes.
void bind_codebook(ir::Graph& g, const std::string& name, const std::vector<uint8_t>& codes,
                   const std::vector<double>& codebook) {
    ir::Constant& c = *g.find_constant(name);
    auto form = std::make_shared<ir::CodebookWeights>(
        compiler::sparse_codebook_weights(std::vector<float>(codebook.begin(), codebook.end()), codes, 3, 4));
    c.bind(form->decode(c.type.numel()));
    c.codebook = std::move(form);
}

std::vector<ir::Tensor> random_inputs(const ir::Graph& g, int count) {
    std::vector<ir::Tensor> out;
    const ir::TensorType t = g.type_of(g.inputs[0].name);
    for (int i = 0; i < count; ++i)
        out.push_back({t.dims, test::random_values(static_cast<size_t>(t.numel()), 100 + static_cast<uint64_t>(i))});
    return out;
}

}  // namespace

TEST_CASE("refinement recovers the centroids a layer was built with", "[compression][refine]") {
    ir::Graph original = one_conv();
    const std::vector<uint8_t> codes = random_codes(4 * 27, 2);
    bind_codebook(original, "conv.weight", codes, kCentroids);
    original.find_constant("conv.bias")->bind({0.1f, -0.2f, 0.3f, 0.0f});
    ir::Graph compressed = original;
    std::vector<double> start = kCentroids;
    for (size_t k = 1; k < start.size(); ++k) start[k] += 0.05 * (k % 2 ? 1 : -1);  // k-means' approximation
    bind_codebook(compressed, "conv.weight", codes, start);

    compiler::RefineOptions o;
    o.ridge = 0;          // plain least squares
    o.rounds = 0;         // no re-assignment: the codes are right
    o.shrinkage = 0;      // nothing pulls towards the (right) original weights but the data
    std::vector<compiler::LayerRefinement> reports;
    o.on_layer = [&](const compiler::LayerRefinement& r) { reports.push_back(r); };
    const ir::Graph refined = compiler::refine_codebooks(original, compressed, random_inputs(original, 3), o);
    const ir::Constant& w = *refined.find_constant("conv.weight");
    REQUIRE(w.codebook);
    CHECK(compiler::positional_codes(*w.codebook, w.type.numel()) == codes);
    REQUIRE(w.codebook->codebook.size() == kCentroids.size());
    CHECK(w.codebook->codebook[0] == 0.0f);
    for (size_t k = 1; k < kCentroids.size(); ++k) CHECK(w.codebook->codebook[k] == Approx(kCentroids[k]).margin(1e-6));
    const std::vector<float>& bias = refined.find_constant("conv.bias")->data();
    CHECK(bias[0] == Approx(0.1).margin(1e-6));
    CHECK(bias[2] == Approx(0.3).margin(1e-6));
    REQUIRE(reports.size() == 1);
    CHECK(reports[0].layer == "conv");
    CHECK(reports[0].kmeans_error > 0.01);
    CHECK(reports[0].refined_error < 1e-5);
}

TEST_CASE("refinement never raises a layer's calibration error over plain k-means", "[compression][refine]") {
    ir::GraphBuilder b("three_convs");
    std::string x = b.input("data", {ir::DType::F32, {3, 15, 15}});
    x = b.relu("relu1", b.conv("conv1", x, 8, ir::square_window(3, 2, 0)));
    x = b.relu("relu2", b.conv("conv2", x, 12, ir::square_window(1)));
    x = b.conv("conv3", x, 5, ir::square_window(3, 1, 1));
    b.output(b.global_avg_pool("pool", x));
    ir::Graph original = b.finish();
    uint64_t seed = 7;
    for (ir::Constant& c : original.constants) c.bind(test::random_values(static_cast<size_t>(c.type.numel()), seed++, -0.5f, 0.5f));

    for (int bits : {2, 3}) {
        INFO(bits << "-bit codebooks");
        compiler::CompressionOptions co;
        co.prune = 0.3;
        co.codebook_bits = bits;
        const ir::Graph clustered = compiler::compress_weights(original, co);
        compiler::RefineOptions o;
        std::vector<compiler::LayerRefinement> reports;
        o.on_layer = [&](const compiler::LayerRefinement& r) { reports.push_back(r); };
        o.threads = 2;
        const ir::Graph refined = compiler::refine_codebooks(original, clustered, random_inputs(original, 3), o);
        REQUIRE(reports.size() == 3);
        // Deterministic, whatever the threads.
        o.threads = 1;
        o.on_layer = nullptr;
        const ir::Graph again = compiler::refine_codebooks(original, clustered, random_inputs(original, 3), o);
        for (const ir::Constant& c : refined.constants) CHECK(c.data() == again.find_constant(c.name)->data());
        bool lower = false;
        for (const compiler::LayerRefinement& r : reports) {
            INFO(compiler::format_layer_refinement(r));
            CHECK(r.refined_error <= r.kmeans_error);
            lower = lower || r.refined_error < 0.9 * r.kmeans_error;
        }
        CHECK(lower);
        for (const std::string& name : compiler::compressible_weights(original)) {
            INFO(name);
            const ir::Constant& c = *refined.find_constant(name);
            const ir::Constant& k = *clustered.find_constant(name);
            REQUIRE(c.codebook);
            CHECK(c.codebook->codebook.size() == k.codebook->codebook.size());
            CHECK(c.codebook->codebook[0] == 0.0f);
            for (size_t i = 0; i < c.data().size(); ++i) REQUIRE((c.data()[i] == 0.0f) == (k.data()[i] == 0.0f));
            // The stored forms expand through the runtime decoder to the bound values, bit for bit.
            for (const auto& blob : {compiler::encode_codebook_blob(*c.codebook, c.type.numel()),
                                     compiler::encode_huffman_blob(*c.codebook, c.type.numel())}) {
                std::vector<float> out(c.data().size());
                const runtime::CodecStatus s = runtime::expand_layer_blob(blob.data(), blob.size(), out.data(), out.size());
                INFO(s.message);
                REQUIRE(s.ok);
                CHECK(std::memcmp(out.data(), c.data().data(), 4 * out.size()) == 0);
            }
        }
    }
}
