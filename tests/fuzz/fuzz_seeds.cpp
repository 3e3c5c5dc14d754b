// Writes the binary seed files for scripts/fuzz: the generated half of the malformed-input corpus
// (tests/corpus/corpus_files.h and corpus_qdq_files.h: valid and broken .caffemodel, .net, .onnx
// (float and QDQ), .f32 and image files)
// .sqzir prints of the examples and of the tiny model with its values, and a layer blob of every
// kind (runtime/weight_codec.h) for the weights target, into the folder named by SQZ_FUZZ_SEEDS. A Catch2 program only because corpus_files.h uses the
// test helpers; it is not registered with ctest.
#include "ir/error.h"  // corpus_files.h uses SQZ_ASSERT without including it
#include "tests/corpus/corpus_files.h"
#include "tests/corpus/corpus_qdq_files.h"

#include "compiler/compression/codebook_form.h"
#include "compiler/compression/range_blob.h"
#include "compiler/compression/weight_coding.h"
#include "ir/text_form.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

TEST_CASE("write the fuzz seeds") {
    const char* root = std::getenv("SQZ_FUZZ_SEEDS");
    REQUIRE(root != nullptr);
    std::ifstream in(sqz::test::source_dir() / "tests" / "corpus" / "sqz" / "tiny.sqz");
    std::stringstream tiny;
    tiny << in.rdbuf();
    sqz::test::corpus::write_generated_corpus(root, tiny.str());
    sqz::test::corpus::write_qdq_models(std::filesystem::path(root) / "onnx", tiny.str());

    namespace fs = std::filesystem;
    const fs::path sqzir = fs::path(root) / "sqzir";
    for (const fs::directory_entry& e : fs::directory_iterator(sqz::test::source_dir() / "examples"))
        if (e.path().extension() == ".sqz") {
            const sqz::ir::Graph g = sqz::compiler::load_sqz(e.path().string());
            sqz::test::corpus::put(sqzir / e.path().filename().replace_extension(".sqzir"), sqz::ir::print_graph(g));
        }
    // Layer blobs: 3x3 kernels, a third non-zero, 4-bit codes; and float values.
    const fs::path weights = fs::path(root) / "weights";
    std::vector<float> codebook{0.0f};
    for (int i = 1; i < 16; ++i) codebook.push_back(static_cast<float>(i) / 8.0f - 1.0f);
    std::vector<uint8_t> codes(4 * 9 * 6);
    for (size_t i = 0; i < codes.size(); ++i) codes[i] = i % 3 == 0 ? static_cast<uint8_t>(1 + i * 7 % 15) : 0;
    const sqz::ir::CodebookWeights layer = sqz::compiler::sparse_codebook_weights(codebook, codes, 4, 4);
    const int64_t numel = static_cast<int64_t>(codes.size());
    const auto put_blob = [&](const char* name, const std::vector<uint8_t>& blob) {
        sqz::test::corpus::put(weights / name, std::string(blob.begin(), blob.end()));
    };
    put_blob("dense.blob", sqz::compiler::encode_dense_blob(std::vector<float>(codebook.begin(), codebook.end())));
    put_blob("codebook.blob", sqz::compiler::encode_codebook_blob(layer, numel));
    put_blob("huffman.blob", sqz::compiler::encode_huffman_blob(layer, numel));
    put_blob("range.blob", sqz::compiler::encode_range_blob(layer, numel, 9));
    put_blob("floats.blob", sqz::compiler::encode_float_range_blob(codebook));

    sqz::ir::Graph g = sqz::compiler::parse_sqz(tiny.str(), "tiny.sqz");
    sqz::compiler::bind_random_weights(g, 1);
    sqz::ir::PrintOptions with_values;
    with_values.with_values = true;
    sqz::test::corpus::put(sqzir / "tiny_values.sqzir", sqz::ir::print_graph(g, with_values));
}
