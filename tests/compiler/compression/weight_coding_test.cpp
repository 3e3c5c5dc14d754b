// Layer blobs from the compiler's encoders expanded by the runtime's decoder: bit-exact round trips
// of every storage form on synthetic layers (empty, long gaps with fillers, nearly dense, odd bit
// widths) and on every layer of the real Deep Compression model; corrupt blobs fail cleanly.
#include "compiler/compression/codebook_form.h"
#include "compiler/compression/range_blob.h"
#include "compiler/compression/weight_coding.h"
#include "compiler/model_loader.h"
#include "runtime/weight_codec.h"
#include "tests/support.h"

#include <cstring>
#include <random>

using namespace sqz;
using compiler::encode_codebook_blob;
using compiler::encode_huffman_blob;

namespace {

// Expands with the runtime decoder; fails the test with the decoder's message on error.
std::vector<float> expand(const std::vector<uint8_t>& blob, int64_t numel) {
    std::vector<float> out(static_cast<size_t>(numel), 123.0f);
    const runtime::CodecStatus s = runtime::expand_layer_blob(blob.data(), blob.size(), out.data(), out.size());
    INFO(s.message);
    REQUIRE(s.ok);
    return out;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
    return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * 4) == 0);
}

runtime::LayerHeader header(const std::vector<uint8_t>& blob) {
    runtime::LayerHeader h;
    REQUIRE(runtime::read_layer_header(blob.data(), blob.size(), h));
    return h;
}

// Random stored entries: `density` of the positions, codes of `bits`, gaps of `gap_bits` with fillers.
ir::CodebookWeights random_layer(int64_t numel, double density, int bits, int gap_bits, uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::vector<float> codebook{0.0f};
    const size_t entries = size_t{1} << bits;
    for (size_t i = 1; i < entries; ++i) codebook.push_back(std::uniform_real_distribution<float>(-1, 1)(rng));
    std::vector<uint8_t> codes(static_cast<size_t>(numel), 0);
    for (uint8_t& c : codes)
        if (std::uniform_real_distribution<double>(0, 1)(rng) < density) c = static_cast<uint8_t>(1 + rng() % (entries - 1));
    return compiler::sparse_codebook_weights(codebook, codes, bits, gap_bits);
}

void check_round_trips(const ir::CodebookWeights& w, int64_t numel) {
    const std::vector<float> want = w.decode(numel);
    CHECK(same_bits(expand(encode_codebook_blob(w, numel), numel), want));
    CHECK(same_bits(expand(encode_huffman_blob(w, numel), numel), want));
}

compiler::ModelOptions deep_compression_model() {
    const auto dir = test::shared_dir() / "models" / "squeezenet_v1.0_deep_compression";
    compiler::ModelOptions o;
    o.model_path = (dir / "deploy.prototxt").string();
    o.weights_path = (dir / "compressed_SqueezeNet.net").string();
    return o;
}

}  // namespace

TEST_CASE("stored entries as in .net: blob size and exact round trip", "[compression][codec]") {
    const ir::CodebookWeights w = random_layer(5000, 0.3, 8, 4, 1);
    const std::vector<uint8_t> blob = encode_codebook_blob(w, 5000);
    const runtime::LayerHeader h = header(blob);
    CHECK(h.kind == runtime::BlobKind::Codebook);
    CHECK(h.gap_bits == 4);
    CHECK(h.count == w.codes.size());
    // Header, 256 floats, one byte a code, a nibble a gap: the .net layout.
    CHECK(blob.size() == 12 + 256 * 4 + w.codes.size() + (w.codes.size() + 1) / 2);
    CHECK(same_bits(expand(blob, 5000), w.decode(5000)));
}

TEST_CASE("round trips with other code and gap widths", "[compression][codec]") {
    for (int bits : {1, 2, 3, 5, 6, 8})
        for (int gap_bits : {1, 2, 3, 4, 7, 8})
            for (double density : {0.02, 0.4, 0.97}) {
                INFO("bits " << bits << ", gap bits " << gap_bits << ", density " << density);
                check_round_trips(random_layer(3001, density, bits, gap_bits, static_cast<uint64_t>(bits * 100 + gap_bits)), 3001);
            }
}

TEST_CASE("an empty layer and a layer of no weights", "[compression][codec]") {
    ir::CodebookWeights empty;
    empty.codebook = {0.0f, 0.5f};
    check_round_trips(empty, 1000);
    check_round_trips(empty, 0);
    const std::vector<uint8_t> huff = encode_huffman_blob(empty, 1000);
    CHECK(header(huff).count == 0);
    // Header, two codebook floats, a one-byte code-length table and a one-byte gap table (1-bit gaps).
    CHECK(huff.size() == 12 + 8 + 1 + 1);
    CHECK(encode_codebook_blob(empty, 1000).size() == 12 + 8);
}

TEST_CASE("long gaps need fillers with narrow gaps and fewer with wide ones", "[compression][codec]") {
    // Entries 1000 apart: 4-bit gaps need 62 fillers per entry. Huffman re-gaps: 7-bit gaps (7
    // fillers an entry, 160 entries of 2 bits, 64-byte gap table) beat 8-bit ones (80 entries, 128 bytes).
    std::vector<uint8_t> codes(20000, 0);
    for (size_t p = 999; p < codes.size(); p += 1000) codes[p] = 3;
    const ir::CodebookWeights w = compiler::sparse_codebook_weights({0.0f, 1.0f, 2.0f, -3.0f}, codes, 2, 4);
    CHECK(w.codes.size() == 20 + 20 * 62);
    CHECK(compiler::sparse_entry_count(codes, 4) == w.codes.size());
    CHECK(compiler::sparse_entry_count(codes, 8) == 20 + 20 * 3);
    check_round_trips(w, 20000);
    const runtime::LayerHeader h = header(encode_huffman_blob(w, 20000));
    CHECK(h.gap_bits == 7);
    CHECK(h.count == 160);
    // A run of exactly 2^gap_bits zeros needs one filler; one less needs none.
    for (size_t run : {15, 16, 17, 31, 32, 33}) {
        std::vector<uint8_t> c(run + 1, 0);
        c.back() = 1;
        const ir::CodebookWeights v = compiler::sparse_codebook_weights({0.0f, 1.0f}, c, 1, 4);
        INFO("run " << run);
        CHECK(v.codes.size() == 1 + run / 16);
        std::vector<float> want(run, 0.0f);
        want.push_back(1.0f);
        CHECK(same_bits(v.decode(static_cast<int64_t>(c.size())), want));
        CHECK(compiler::positional_codes(v, static_cast<int64_t>(c.size())) == c);
    }
}

TEST_CASE("nearly dense layers are stored one code per weight", "[compression][codec]") {
    const ir::CodebookWeights w = random_layer(4096, 0.99, 8, 4, 9);
    const std::vector<uint8_t> blob = encode_codebook_blob(w, 4096);
    CHECK(header(blob).gap_bits == 0);
    CHECK(blob.size() == 12 + 256 * 4 + 4096);
    CHECK(same_bits(expand(blob, 4096), w.decode(4096)));
    CHECK(header(encode_huffman_blob(w, 4096)).gap_bits == 0);
}

TEST_CASE("encoders refuse malformed codebook weights", "[compression][codec]") {
    ir::CodebookWeights w;
    w.codebook = {0.0f, 1.0f};
    w.codes = {1, 1};
    w.gaps = {5, 5};
    CHECK_THROWS_WITH(encode_codebook_blob(w, 10), "stored entry 1 of 2 lands at position 11, past the 10 weights of the layer");
    w.gaps = {20, 0};
    CHECK_THROWS_WITH(encode_codebook_blob(w, 100), "stored entry 0 has gap 20, wider than 4 bits");
    w.gaps = {0, 0};
    w.codes = {1, 2};
    CHECK_THROWS_WITH(encode_huffman_blob(w, 10), "stored entry 1 has code 2, but the codebook has only 2 entries");
    w.bits = 1;
    w.codebook = {0.0f, 1.0f, 2.0f};
    CHECK_THROWS_WITH(encode_huffman_blob(w, 10), "codebook weights have 3 codebook entries; 1-bit codes need 1 to 2");
}

TEST_CASE("weights formats parse by name", "[compression][codec]") {
    CHECK(compiler::parse_weights_format("codebook-huffman") == compiler::WeightsFormat::CodebookHuffman);
    CHECK(compiler::to_string(compiler::WeightsFormat::Codebook) == "codebook");
    CHECK_THROWS_WITH(compiler::parse_weights_format("huffman"),
                      "unknown weights format 'huffman' (expected dense, codebook, codebook-huffman or codebook-range)");
}

TEST_CASE("every layer of the Deep Compression model round-trips bit-exactly", "[compression][codec][shared]") {
    SQZ_REQUIRE_SHARED();
    const ir::Graph graph = compiler::load_model(deep_compression_model());
    REQUIRE(compiler::has_codebook_weights(graph));
    const std::vector<std::string> weights = compiler::compressible_weights(graph);
    REQUIRE(weights.size() == 26);
    size_t huffman_bytes = 0, range_bytes = 0;
    for (compiler::WeightsFormat format : {compiler::WeightsFormat::Dense, compiler::WeightsFormat::Codebook,
                                           compiler::WeightsFormat::CodebookHuffman, compiler::WeightsFormat::CodebookRange}) {
        const std::vector<compiler::LayerBlob> blobs = compiler::encode_constants(graph, format);
        REQUIRE(blobs.size() == graph.constants.size());
        int compressed = 0, huffman = 0, floats = 0;
        for (const compiler::LayerBlob& blob : blobs) {
            INFO(compiler::to_string(format) << ": " << blob.constant);
            const ir::Constant& c = *graph.find_constant(blob.constant);
            // Bit-exact with the frontend's dense values and with the codebook form's decoding.
            const std::vector<float> got = expand(blob.bytes, blob.numel);
            CHECK(same_bits(got, c.data()));
            if (c.codebook) CHECK(same_bits(got, c.codebook->decode(blob.numel)));
            compressed += blob.compressible && blob.kind != runtime::BlobKind::Dense;
            huffman += blob.kind == runtime::BlobKind::CodebookHuffman;
            floats += blob.kind == runtime::BlobKind::FloatRange;
            if (format == compiler::WeightsFormat::CodebookHuffman) huffman_bytes += blob.bytes.size();
            if (format == compiler::WeightsFormat::CodebookRange) range_bytes += blob.bytes.size();
        }
        CHECK(compressed == (format == compiler::WeightsFormat::Dense ? 0 : 26));
        // Huffman coding pays off except in the four smallest, nearly dense layers (fire2, fire3 1x1).
        CHECK(huffman == (format == compiler::WeightsFormat::CodebookHuffman ? 22 : 0));
        // codebook-range codes the 26 biases' floats too.
        CHECK(floats == (format == compiler::WeightsFormat::CodebookRange ? 26 : 0));
    }
    // Range coding with context models takes at least 1% off Huffman's bytes (codebooks included).
    CHECK(range_bytes * 100 < huffman_bytes * 99);
}

TEST_CASE("a dense model needs clustering before a codebook format", "[compression][codec]") {
    compiler::ModelOptions o;
    o.model_path = (test::source_dir() / "examples" / "squeezenet_v1.1.sqz").string();
    const ir::Graph graph = compiler::load_model(o);
    CHECK_FALSE(compiler::has_codebook_weights(graph));
    CHECK_THROWS_WITH(compiler::encode_constants(graph, compiler::WeightsFormat::Codebook),
                      "weights format 'codebook' needs weights in codebook form, but 'conv1.weight' is dense (use a "
                      "Deep Compression .net file, or --codebook-bits B to cluster the weights)");
    compiler::CompressionOptions options;
    options.codebook_bits = 4;
    const ir::Graph clustered = compiler::compress_weights(graph, options);
    for (const compiler::LayerBlob& blob : compiler::encode_constants(clustered, compiler::WeightsFormat::CodebookHuffman))
        CHECK(same_bits(expand(blob.bytes, blob.numel), clustered.find_constant(blob.constant)->data()));
}

TEST_CASE("corrupted real blobs fail or decode, never crash or overrun", "[compression][codec][shared]") {
    SQZ_REQUIRE_SHARED();
    const ir::Graph graph = compiler::load_model(deep_compression_model());
    const ir::Constant& c = *graph.find_constant(compiler::compressible_weights(graph)[3]);  // fire2 expand 3x3
    const int64_t numel = c.type.numel();
    std::mt19937_64 rng(17);
    for (int kind = 1; kind <= 3; ++kind) {
        const std::vector<uint8_t> blob = kind == 1   ? encode_codebook_blob(*c.codebook, numel)
                                          : kind == 2 ? encode_huffman_blob(*c.codebook, numel)
                                                      : compiler::encode_range_blob(*c.codebook, numel, 9);
        std::vector<float> out(static_cast<size_t>(numel));
        // Every truncation fails.
        for (size_t n = 0; n < blob.size(); n += 1 + n / 50)
            CHECK_FALSE(runtime::expand_layer_blob(blob.data(), n, out.data(), out.size()).ok);
        // Random corruption: any outcome but a crash; the output buffer is never overrun (a guard follows it).
        for (int trial = 0; trial < 300; ++trial) {
            std::vector<uint8_t> bad = blob;
            for (int k = 0; k < 1 + trial % 4; ++k) bad[rng() % bad.size()] ^= static_cast<uint8_t>(1 + rng() % 255);
            std::vector<float> guarded(out.size() + 16, 7.0f);
            (void)runtime::expand_layer_blob(bad.data(), bad.size(), guarded.data(), out.size());
            for (size_t i = out.size(); i < guarded.size(); ++i) REQUIRE(guarded[i] == 7.0f);
        }
    }
}
