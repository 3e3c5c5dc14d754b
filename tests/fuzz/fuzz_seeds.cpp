// Writes the binary seed files for scripts/fuzz: the generated half of the malformed-input corpus
// (tests/corpus/corpus_files.h and corpus_qdq_files.h: valid and broken .caffemodel, .net, .onnx
// (float and QDQ), .f32 and image files)
// and .sqzir prints of the examples and of the tiny model with its values, into the folder named by
// SQZ_FUZZ_SEEDS. A Catch2 program only because corpus_files.h uses the
// test helpers; it is not registered with ctest.
#include "ir/error.h"  // corpus_files.h uses SQZ_ASSERT without including it
#include "tests/corpus/corpus_files.h"
#include "tests/corpus/corpus_qdq_files.h"

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
    sqz::ir::Graph g = sqz::compiler::parse_sqz(tiny.str(), "tiny.sqz");
    sqz::compiler::bind_random_weights(g, 1);
    sqz::ir::PrintOptions with_values;
    with_values.with_values = true;
    sqz::test::corpus::put(sqzir / "tiny_values.sqzir", sqz::ir::print_graph(g, with_values));
}
