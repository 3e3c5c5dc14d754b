// The size table on the real Deep Compression model (the targets, every byte a package
// stores counted) and on a dense model; and 6-bit re-clustering of the Deep Compression codebooks:
// its structure and its effect on the reference interpreter's output for the golden input.
#include "compiler/compression/size_report.h"
#include "compiler/model_loader.h"
#include "ir/interpreter.h"
#include "tests/support.h"

#include <algorithm>
#include <cmath>

using namespace sqz;

namespace {

const auto kDeepCompression = [] { return test::shared_dir() / "models" / "squeezenet_v1.0_deep_compression"; };

ir::Graph deep_compression_graph() {
    compiler::ModelOptions o;
    o.model_path = (kDeepCompression() / "deploy.prototxt").string();
    o.weights_path = (kDeepCompression() / "compressed_SqueezeNet.net").string();
    return compiler::load_model(o);
}

const compiler::SizeRow& row(const compiler::SizeReport& r, const std::string& form) {
    for (const compiler::SizeRow& row : r.rows)
        if (row.form == form) return row;
    FAIL("no row '" << form << "'");
    return r.rows.front();
}

}  // namespace

TEST_CASE("Deep Compression model: sizes of every stored form meet the targets", "[compression][size][shared]") {
    SQZ_REQUIRE_SHARED();
    const ir::Graph graph = deep_compression_graph();
    const compiler::SizeReport r = compiler::size_report(graph);
    const std::string table = compiler::format_size_report(r);
    INFO(table);
    CHECK(r.parameters == 1248424);
    CHECK(r.weight_parameters == 1248424 - 3976);  // 3,976 biases
    CHECK(r.nonzero_weights == 422083 - 6162);     // stored entries less the code-0 fillers
    CHECK(r.dense_bytes == 4 * 1248424);
    REQUIRE(r.rows.size() == 7);

    const compiler::SizeRow& dense = row(r, "dense float32");
    CHECK(dense.total_bytes() == 4 * 1248424 + 8 * 52);  // an 8-byte header per blob
    CHECK(dense.other_bytes == 4 * 3976 + 8 * 26);

    // The targets: 0.66 MB, 0.55 MB and 0.47 MB (10^6 bytes), biases and headers included.
    const compiler::SizeRow& codebook = row(r, "codebook (as stored)");
    const compiler::SizeRow& huffman = row(r, "codebook + Huffman");
    const compiler::SizeRow& six = row(r, "6-bit codebook + Huffman");
    CHECK(codebook.lossless);
    CHECK(huffman.lossless);
    CHECK_FALSE(six.lossless);
    CHECK(codebook.total_bytes() <= 660000);
    CHECK(huffman.total_bytes() <= 550000);
    CHECK(six.total_bytes() <= 470000);
    CHECK(row(r, "6-bit codebook").total_bytes() < codebook.total_bytes());
    CHECK(six.nonzero_weights == r.nonzero_weights);  // re-clustering keeps the sparsity pattern
    CHECK(table.find("codebook + Huffman") != std::string::npos);
    // Range coding with context models beats Huffman, exact and 6-bit alike.
    CHECK(row(r, "codebook + range coding").lossless);
    CHECK(row(r, "codebook + range coding").total_bytes() < huffman.total_bytes());
    CHECK(row(r, "6-bit codebook + range coding").total_bytes() < six.total_bytes());

    // Optimal k-means spreads the codes more evenly (more bits after Huffman), still within 0.47 MB.
    compiler::CompressionOptions optimal;
    optimal.codebook_bits = 6;
    optimal.cluster_init = compiler::ClusterInit::Optimal;
    const compiler::SizeReport with_optimal = compiler::size_report(graph, optimal);
    INFO(compiler::format_size_report(with_optimal));
    REQUIRE(with_optimal.rows.size() == 10);
    CHECK(row(with_optimal, "6-bit codebook (optimal k-means) + Huffman").total_bytes() <= 470000);
}

TEST_CASE("6-bit re-clustering keeps the sparsity pattern, its output error on the golden input",
          "[compression][size][shared]") {
    SQZ_REQUIRE_SHARED();
    const ir::Graph graph = deep_compression_graph();
    const std::vector<float> golden_in = test::read_f32(kDeepCompression() / "golden" / "input_1x3x227x227.f32");
    const ir::Tensor input{graph.type_of(graph.inputs[0].name).dims, golden_in};
    const std::vector<double> out8 = ir::interpret(graph, {input})[0].data;
    const auto top = [](const std::vector<double>& v) { return std::max_element(v.begin(), v.end()) - v.begin(); };
    CHECK(top(out8) == 644);

    double errors[2] = {0, 0};
    for (compiler::ClusterInit init : {compiler::ClusterInit::Linear, compiler::ClusterInit::Optimal}) {
        const bool optimal = init == compiler::ClusterInit::Optimal;
        const std::string method = optimal ? "optimal k-means" : "linear initialisation";
        INFO(method);
        compiler::CompressionOptions six;
        six.codebook_bits = 6;
        six.cluster_init = init;
        const ir::Graph reclustered = compiler::compress_weights(graph, six);
        for (const std::string& name : compiler::compressible_weights(graph)) {
            INFO(name);
            const ir::Constant& before = *graph.find_constant(name);
            const ir::Constant& after = *reclustered.find_constant(name);
            REQUIRE(after.codebook);
            CHECK(after.codebook->bits == 6);
            CHECK(after.codebook->codebook.size() <= 64);
            CHECK(after.codebook->codebook[0] == 0.0f);
            for (size_t i = 0; i < before.data().size(); ++i)
                REQUIRE((before.data()[i] == 0.0f) == (after.data()[i] == 0.0f));
        }
        // Max |difference| relative to the largest output, as ir::max_relative_error measures.
        const std::vector<double> out6 = ir::interpret(reclustered, {input})[0].data;
        double largest = 0, diff = 0;
        for (size_t i = 0; i < out8.size(); ++i) {
            largest = std::max(largest, std::fabs(out8[i]));
            diff = std::max(diff, std::fabs(out6[i] - out8[i]));
        }
        errors[optimal] = diff / largest;
        WARN(method << ": 6-bit vs 8-bit codebooks on the golden input: max |difference| " << diff << " = "
             << errors[optimal] << " of the largest output; top class " << top(out6));
        CHECK(top(out6) == 644);
    }
    // Measured: 0.277 (linear) and 0.149 (optimal).
    CHECK(errors[0] < 0.3);
    CHECK(errors[1] < 0.16);
}

TEST_CASE("dense model: pruned and clustered rows only when asked", "[compression][size]") {
    compiler::ModelOptions o;
    o.model_path = (test::source_dir() / "examples" / "squeezenet_v1.1.sqz").string();
    const ir::Graph graph = compiler::load_model(o);
    const compiler::SizeReport plain = compiler::size_report(graph);
    REQUIRE(plain.rows.size() == 1);
    CHECK(plain.rows[0].total_bytes() == plain.dense_bytes + 8 * static_cast<int64_t>(graph.constants.size()));

    compiler::CompressionOptions options;
    options.prune = 0.5;
    options.codebook_bits = 6;
    const compiler::SizeReport r = compiler::size_report(graph, options);
    REQUIRE(r.rows.size() == 4);
    const compiler::SizeRow& codebook = row(r, "pruned 50%, 6-bit codebook");
    const compiler::SizeRow& huffman = row(r, "pruned 50%, 6-bit codebook + Huffman");
    CHECK_FALSE(codebook.lossless);
    CHECK(codebook.nonzero_weights * 2 <= r.weight_parameters + 26);
    // Half the weights stored with 6-bit codes and 4-bit gaps (or positionally): under a fifth of dense.
    CHECK(codebook.total_bytes() * 5 < plain.dense_bytes);
    CHECK(huffman.total_bytes() < codebook.total_bytes());

    options.codebook_bits.reset();
    const compiler::SizeReport pruned = compiler::size_report(graph, options);
    REQUIRE(pruned.rows.size() == 2);
    CHECK(pruned.rows[1].form == "pruned 50%, dense float32");
    CHECK(pruned.rows[1].total_bytes() == pruned.rows[0].total_bytes());  // dense storage gains nothing
}
