// Kind-3 layer blobs (compiler/compression/range_blob.h) expanded by the runtime's decoder:
// bit-exact round trips on random layers of every density, code width and kernel window, on
// adversarial codebooks (signed zeros, denormals, extreme bit patterns, one entry, 256 entries)
// and edge layers (empty, all zero, dense); every truncation, extension and count mismatch is
// refused, and random corruption never crashes or writes past the output.
#include "compiler/compression/codebook_form.h"
#include "compiler/compression/range_blob.h"
#include "compiler/compression/weight_coding.h"
#include "runtime/weight_codec.h"
#include "tests/support.h"

#include <cstring>
#include <limits>
#include <random>

using namespace sqz;
using compiler::encode_range_blob;

namespace {

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
    return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * 4) == 0);
}

float from_bits(uint32_t b) {
    float f;
    std::memcpy(&f, &b, 4);
    return f;
}

// Positional codes at `density` over a codebook of `entries` random values.
ir::CodebookWeights random_layer(int64_t numel, double density, size_t entries, uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::vector<float> codebook{0.0f};
    for (size_t i = 1; i < entries; ++i) codebook.push_back(std::uniform_real_distribution<float>(-1, 1)(rng));
    std::vector<uint8_t> codes(static_cast<size_t>(numel), 0);
    if (entries > 1)
        for (uint8_t& c : codes)
            if (std::uniform_real_distribution<double>(0, 1)(rng) < density)
                c = static_cast<uint8_t>(1 + rng() % (entries - 1));
    int bits = 1;
    while ((size_t{1} << bits) < entries) ++bits;
    return compiler::sparse_codebook_weights(codebook, codes, bits, 4);
}

void check_round_trip(const ir::CodebookWeights& w, int64_t numel, int64_t window) {
    const std::vector<uint8_t> blob = encode_range_blob(w, numel, window);
    std::vector<float> out(static_cast<size_t>(numel) + 4, 123.0f);
    const runtime::CodecStatus s = runtime::expand_layer_blob(blob.data(), blob.size(), out.data(), static_cast<size_t>(numel));
    INFO(s.message);
    REQUIRE(s.ok);
    for (size_t i = static_cast<size_t>(numel); i < out.size(); ++i) REQUIRE(out[i] == 123.0f);
    out.resize(static_cast<size_t>(numel));
    CHECK(same_bits(out, w.decode(numel)));
    runtime::LayerHeader h;
    REQUIRE(runtime::read_layer_header(blob.data(), blob.size(), h));
    CHECK(h.kind == runtime::BlobKind::CodebookRange);
    CHECK(h.window == window);
}

}  // namespace

TEST_CASE("range-coded blobs round-trip random layers bit-exactly", "[compression][codec][range]") {
    uint64_t seed = 1;
    for (int64_t window : {1, 9, 49})
        for (double density : {0.0, 0.02, 0.33, 0.9, 1.0})
            for (size_t entries : {size_t{1}, size_t{2}, size_t{5}, size_t{64}, size_t{256}}) {
                INFO("window " << window << ", density " << density << ", " << entries << " entries");
                check_round_trip(random_layer(window * 37, density, entries, seed++), window * 37, window);
            }
    check_round_trip(random_layer(0, 0.5, 16, 3), 0, 9);  // an empty layer
}

TEST_CASE("range-coded blobs keep adversarial codebooks bit for bit", "[compression][codec][range]") {
    ir::CodebookWeights w;
    w.codebook = {-0.0f,         0.0f,          from_bits(1),  from_bits(0x807fffffu), std::numeric_limits<float>::max(),
                  -std::numeric_limits<float>::max(), from_bits(0x7f7fffffu), from_bits(0x00800000u), 1.0f, -1.0f,
                  std::numeric_limits<float>::denorm_min(), 3.0f, 3.0f, 3.0f, 0.5f, -2.5f};
    std::vector<uint8_t> codes(160);
    for (size_t i = 0; i < codes.size(); ++i) codes[i] = static_cast<uint8_t>(i % w.codebook.size());
    w = compiler::sparse_codebook_weights(w.codebook, codes, 4, 4);
    check_round_trip(w, 160, 16);
    check_round_trip(w, 160, 1);
}

TEST_CASE("range-coded blobs are smaller than Huffman's on skewed sparse layers", "[compression][codec][range]") {
    // 3x3 kernels at a third non-zero, codes skewed towards a few entries.
    std::mt19937_64 rng(5);
    std::vector<float> codebook{0.0f};
    for (int i = 1; i < 64; ++i) codebook.push_back(static_cast<float>(i) / 64.0f - 0.5f);
    std::vector<uint8_t> codes(9 * 4096, 0);
    for (uint8_t& c : codes)
        if (rng() % 3 == 0) c = static_cast<uint8_t>(1 + std::min<uint64_t>(62, static_cast<uint64_t>(
                                                             std::exponential_distribution<double>(0.15)(rng))));
    const ir::CodebookWeights w = compiler::sparse_codebook_weights(codebook, codes, 6, 4);
    const int64_t numel = static_cast<int64_t>(codes.size());
    const size_t range = encode_range_blob(w, numel, 9).size(), huffman = compiler::encode_huffman_blob(w, numel).size();
    CHECK(range < huffman);
}

TEST_CASE("range-coded blobs refuse bad windows and malformed weights", "[compression][codec][range]") {
    const ir::CodebookWeights w = random_layer(90, 0.5, 8, 1);
    CHECK_THROWS_WITH(encode_range_blob(w, 90, 4), "a layer of 90 weights cannot be coded in kernels of 4");
    CHECK_THROWS_WITH(encode_range_blob(w, 90, 0), "a layer of 90 weights cannot be coded in kernels of 0");
    CHECK(compiler::weight_window({64, 16, 3, 3}) == 9);
    CHECK(compiler::weight_window({64, 16, 1, 1}) == 1);
    CHECK(compiler::weight_window({64, 16, 16, 16}) == 1);  // 256 does not fit the byte
    CHECK(compiler::weight_window({1000, 512}) == 1);
}

TEST_CASE("truncated, extended, miscounted and corrupted range-coded blobs are refused or stay inside",
          "[compression][codec][range]") {
    const int64_t numel = 9 * 200;
    const ir::CodebookWeights w = random_layer(numel, 0.33, 64, 11);
    const std::vector<uint8_t> blob = encode_range_blob(w, numel, 9);
    std::vector<float> out(static_cast<size_t>(numel));
    for (size_t n = 0; n < blob.size(); ++n) {
        INFO("prefix of " << n << " bytes");
        std::vector<uint8_t> prefix(blob.begin(), blob.begin() + static_cast<long>(n));
        CHECK_FALSE(runtime::expand_layer_blob(prefix.data(), prefix.size(), out.data(), out.size()).ok);
    }
    std::vector<uint8_t> longer = blob;
    longer.push_back(0);
    CHECK(runtime::expand_layer_blob(longer.data(), longer.size(), out.data(), out.size()).message ==
          "range-coded blob: the stream does not end where its codes do");
    std::vector<uint8_t> miscounted = blob;
    miscounted[8] ^= 1;  // the non-zero count
    CHECK_FALSE(runtime::expand_layer_blob(miscounted.data(), miscounted.size(), out.data(), out.size()).ok);
    std::vector<uint8_t> reserved = blob;
    reserved[3] = 1;
    CHECK(runtime::expand_layer_blob(reserved.data(), reserved.size(), out.data(), out.size()).message ==
          "range-coded blob header has a non-zero reserved byte");
    std::vector<uint8_t> window = blob;
    window[1] = 7;  // 1800 weights are not kernels of 7
    CHECK(runtime::expand_layer_blob(window.data(), window.size(), out.data(), out.size()).message ==
          "range-coded blob of 1800 weights has kernels of 7");
    CHECK(runtime::expand_layer_blob(blob.data(), blob.size(), out.data(), out.size() - 9).message ==
          "layer blob holds 1800 weights, expected 1791");

    std::mt19937_64 rng(23);
    int refused = 0;
    for (int trial = 0; trial < 500; ++trial) {
        std::vector<uint8_t> bad = blob;
        for (int k = 0; k < 1 + trial % 4; ++k) {
            const size_t at = runtime::kRangeHeaderBytes + rng() % (bad.size() - runtime::kRangeHeaderBytes);
            bad[at] ^= static_cast<uint8_t>(1 + rng() % 255);
        }
        std::vector<float> guarded(out.size() + 16, 7.0f);
        refused += !runtime::expand_layer_blob(bad.data(), bad.size(), guarded.data(), out.size()).ok;
        for (size_t i = out.size(); i < guarded.size(); ++i) REQUIRE(guarded[i] == 7.0f);
    }
    CHECK(refused > 490);  // a corrupt stream almost always miscounts or misses its end
}

TEST_CASE("range-coded float blobs round-trip any float32 bit pattern and refuse bad streams",
          "[compression][codec][range]") {
    std::mt19937_64 rng(31);
    std::vector<float> values;
    for (int i = 0; i < 3000; ++i) values.push_back(std::normal_distribution<float>(0.0f, 0.5f)(rng));
    for (uint32_t bits : {0x00000000u, 0x80000000u, 0x00000001u, 0x7f7fffffu, 0xff800000u, 0x7fc00001u, 0xffffffffu})
        values.push_back(from_bits(bits));  // zeros, a denormal, the largest, -inf, NaNs
    for (size_t n : {size_t{0}, size_t{1}, size_t{16}, values.size()}) {
        INFO(n << " values");
        const std::vector<float> want(values.begin(), values.begin() + static_cast<long>(n));
        const std::vector<uint8_t> blob = compiler::encode_float_range_blob(want);
        CHECK(blob[0] == static_cast<uint8_t>(runtime::BlobKind::FloatRange));
        std::vector<float> got(n + 1, 5.0f);
        const runtime::CodecStatus s = runtime::expand_layer_blob(blob.data(), blob.size(), got.data(), n);
        INFO(s.message);
        REQUIRE(s.ok);
        CHECK(got[n] == 5.0f);
        got.resize(n);
        CHECK(same_bits(got, want));
    }
    // Normal values: the sign and exponent cost a few bits, the mantissa 23.
    const std::vector<uint8_t> blob = compiler::encode_float_range_blob(values);
    CHECK(blob.size() < values.size() * 4 * 15 / 16);
    std::vector<float> out(values.size());
    for (size_t n = 0; n < blob.size(); n += 1 + n / 20) {
        std::vector<uint8_t> prefix(blob.begin(), blob.begin() + static_cast<long>(n));
        CHECK_FALSE(runtime::expand_layer_blob(prefix.data(), prefix.size(), out.data(), out.size()).ok);
    }
    std::vector<uint8_t> longer = blob;
    longer.push_back(0x55);
    CHECK(runtime::expand_layer_blob(longer.data(), longer.size(), out.data(), out.size()).message ==
          "range-coded float blob: the stream does not end where its values do");
    std::vector<uint8_t> reserved = blob;
    reserved[2] = 1;
    CHECK(runtime::expand_layer_blob(reserved.data(), reserved.size(), out.data(), out.size()).message ==
          "float blob header has non-zero reserved bytes");
}

TEST_CASE("a package's decoder table refuses the kinds it leaves out", "[compression][codec][range]") {
    const ir::CodebookWeights w = random_layer(90, 0.5, 8, 1);
    const std::vector<uint8_t> blob = encode_range_blob(w, 90, 9);
    std::vector<float> out(90);
    const runtime::LayerDecoder only_range[] = {nullptr, nullptr, nullptr, runtime::expand_range_blob};
    CHECK(runtime::expand_layer_blob_with(only_range, 4, blob.data(), blob.size(), out.data(), out.size()).ok);
    const std::vector<uint8_t> huffman = compiler::encode_huffman_blob(w, 90);
    CHECK(runtime::expand_layer_blob_with(only_range, 4, huffman.data(), huffman.size(), out.data(), out.size()).message ==
          "layer blob has kind 2, which this package does not decode");
    const std::vector<uint8_t> floats = compiler::encode_float_range_blob(std::vector<float>(90, 1.0f));
    CHECK_FALSE(runtime::expand_layer_blob_with(only_range, 4, floats.data(), floats.size(), out.data(), out.size()).ok);
}
