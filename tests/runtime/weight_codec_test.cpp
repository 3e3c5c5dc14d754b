// The runtime's weight decoders on hand-built inputs: the bit reader, fixed-width unpacking (the
// .net nibble order), the canonical Huffman decoder, codebook expansion against
// ir::CodebookWeights::decode, and layer blobs, including every truncation of a valid blob.
// (Round trips through the compiler's encoders are in tests/compiler/compression/.)
#include "ir/constant.h"
#include "runtime/weight_codec.h"
#include "tests/support.h"

#include <cstring>
#include <random>

using namespace sqz;
using runtime::BitReader;
using runtime::CodecStatus;
using runtime::HuffmanDecoder;

namespace {

uint32_t bits_of(float f) {
    uint32_t b;
    std::memcpy(&b, &f, 4);
    return b;
}

void put_u32(std::vector<uint8_t>& out, uint32_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

void put_f32(std::vector<uint8_t>& out, float f) { put_u32(out, bits_of(f)); }

// A kind-1 blob: 2-bit codes, 3-bit gaps, codebook {0, 1.5, -2, 0.25}, 10 weights, 3 entries.
std::vector<uint8_t> small_packed_blob() {
    std::vector<uint8_t> b{1, 2, 3, 3};
    put_u32(b, 10);
    put_u32(b, 3);
    for (float f : {0.0f, 1.5f, -2.0f, 0.25f}) put_f32(b, f);
    // codes 1, 3, 2 (2 bits each, LSB-first): 01 | 11<<2 | 10<<4 = 0b100101
    b.push_back(0x2d);
    // gaps 2, 0, 5 (3 bits each): 010 | 000<<3 | 101<<6 -> bits 0..8 = 0b1_0100_0010
    b.push_back(0x42);
    b.push_back(0x01);
    return b;
}

}  // namespace

TEST_CASE("bit reader reads LSB-first and never past the end", "[runtime][codec]") {
    const uint8_t data[] = {0xb5, 0x0f};  // 1011'0101 0000'1111
    BitReader in(data, 2);
    uint32_t v = 0;
    REQUIRE(in.read(3, v));
    CHECK(v == 0x5);          // low three bits of 0xb5
    REQUIRE(in.read(7, v));
    CHECK(v == (0xb5 >> 3 | (0x0f & 0x3) << 5));
    CHECK(in.bits_left() == 6);
    CHECK(in.peek(10) == (0x0f >> 2));  // bits past the end read as zero
    CHECK_FALSE(in.read(7, v));
    CHECK(in.bits_left() == 6);          // a failed read consumes nothing
    REQUIRE(in.read(6, v));
    CHECK(v == 0x03);
    CHECK_FALSE(in.skip(1));
    CHECK(in.read(0, v));
}

TEST_CASE("unpack_bits matches the .net nibble order and other widths", "[runtime][codec]") {
    const uint8_t nibbles[] = {0x21, 0x43, 0x05};
    uint8_t out[8] = {};
    REQUIRE(runtime::unpack_bits(nibbles, 3, 4, 5, out));
    CHECK(std::vector<uint8_t>(out, out + 5) == std::vector<uint8_t>{1, 2, 3, 4, 5});

    // Width 3: values 5, 2, 7, 1 -> 101 | 010<<3 | 111<<6 | 001<<9.
    const uint32_t packed = 5u | 2u << 3 | 7u << 6 | 1u << 9;
    const uint8_t three[] = {static_cast<uint8_t>(packed), static_cast<uint8_t>(packed >> 8)};
    REQUIRE(runtime::unpack_bits(three, 2, 3, 4, out));
    CHECK(std::vector<uint8_t>(out, out + 4) == std::vector<uint8_t>{5, 2, 7, 1});

    const uint8_t bytes[] = {9, 200, 255};
    REQUIRE(runtime::unpack_bits(bytes, 3, 8, 3, out));
    CHECK(std::vector<uint8_t>(out, out + 3) == std::vector<uint8_t>{9, 200, 255});

    CodecStatus s = runtime::unpack_bits(nibbles, 2, 4, 5, out);
    CHECK_FALSE(s);
    CHECK(s.message == "5 values of 4 bits need 3 bytes, but 2 are present");
    CHECK_FALSE(runtime::unpack_bits(nibbles, 3, 9, 2, out));
    CHECK(runtime::unpack_bits(nibbles, 0, 4, 0, out));
}

TEST_CASE("Huffman decoder follows the canonical code assignment", "[runtime][codec][huffman]") {
    // Lengths A=1, B=2, C=2 -> A=0, B=10, C=11 (first bit first). A B C A = 0 10 11 0.
    const uint8_t lengths[] = {1, 2, 2};
    HuffmanDecoder d;
    REQUIRE(d.init(lengths, 3));
    const uint8_t stream[] = {0x1a};  // bits 0,1,0,1,1,0 from bit 0 up
    BitReader in(stream, 1);
    std::vector<uint32_t> got;
    for (int i = 0; i < 4; ++i) {
        uint32_t s = 99;
        REQUIRE(d.decode(in, s));
        got.push_back(s);
    }
    CHECK(got == std::vector<uint32_t>{0, 1, 2, 0});
    CHECK(in.bits_left() == 2);
}

TEST_CASE("Huffman decoder rejects bad tables and patterns that are no code", "[runtime][codec][huffman]") {
    HuffmanDecoder d;
    const uint8_t over[] = {1, 1, 1};
    CodecStatus s = d.init(over, 3);
    CHECK_FALSE(s);
    CHECK(s.message == "code lengths over-subscribe the Huffman code space");
    const uint8_t too_long[] = {16, 1};
    s = d.init(too_long, 2);
    CHECK_FALSE(s);
    CHECK(s.message == "symbol 0 has code length 16, over 15");

    // One symbol: a 1-bit code "0"; the pattern "1" is no code.
    const uint8_t one[] = {0, 0, 1};
    REQUIRE(d.init(one, 3));
    const uint8_t zero_bits[] = {0x00}, one_bit[] = {0x01};
    BitReader a(zero_bits, 1), b(one_bit, 1);
    uint32_t sym = 0;
    CHECK(d.decode(a, sym));
    CHECK(sym == 2);
    CHECK_FALSE(d.decode(b, sym));

    // No symbols: nothing decodes.
    const uint8_t none[] = {0, 0};
    REQUIRE(d.init(none, 2));
    BitReader c(zero_bits, 1);
    CHECK_FALSE(d.decode(c, sym));

    // A code needing more bits than remain fails without consuming them.
    const uint8_t deep[] = {1, 2, 3, 3};  // 0, 10, 110, 111
    REQUIRE(d.init(deep, 4));
    const uint8_t ones[] = {0xff};
    BitReader e(ones, 1);
    CHECK(d.decode(e, sym));
    CHECK(sym == 3);  // 111
    CHECK(d.decode(e, sym));
    CHECK(sym == 3);  // 111
    CHECK_FALSE(d.decode(e, sym));  // "11" and then the end: no 3-bit code fits
    CHECK(e.bits_left() == 2);
}

TEST_CASE("codebook expansion is bit-exact with ir::CodebookWeights::decode", "[runtime][codec]") {
    std::mt19937 rng(7);
    for (int trial = 0; trial < 20; ++trial) {
        ir::CodebookWeights w;
        w.codebook = {0.0f};
        for (int i = 0; i < 1 + trial * 10; ++i) w.codebook.push_back(std::uniform_real_distribution<float>(-1, 1)(rng));
        w.codebook.push_back(-0.0f);
        const int64_t numel = 1000 + trial * 37;
        int64_t pos = -1;
        while (true) {
            const int gap = static_cast<int>(rng() % 16);
            if (pos + gap + 1 >= numel) break;
            pos += gap + 1;
            w.gaps.push_back(static_cast<uint8_t>(gap));
            w.codes.push_back(static_cast<uint8_t>(rng() % w.codebook.size()));
        }
        const std::vector<float> want = w.decode(numel);
        std::vector<float> got(static_cast<size_t>(numel), 42.0f);
        REQUIRE(runtime::expand_codebook_layer(w.codebook.data(), w.codebook.size(), w.codes.data(), w.gaps.data(),
                                               w.codes.size(), got.data(), got.size()));
        for (size_t i = 0; i < got.size(); ++i) REQUIRE(bits_of(got[i]) == bits_of(want[i]));
    }
}

TEST_CASE("codebook expansion reports entries past the end and codes outside the codebook", "[runtime][codec]") {
    const float codebook[] = {0.0f, 1.0f};
    const uint8_t codes[] = {1, 1}, gaps[] = {3, 1}, bad_codes[] = {1, 2};
    float out[6];
    CodecStatus s = runtime::expand_codebook_layer(codebook, 2, codes, gaps, 2, out, 5);
    CHECK_FALSE(s);
    CHECK(s.message == "stored entry 1 of 2 lands at position 5, past the 5 weights of the layer");
    s = runtime::expand_codebook_layer(codebook, 2, bad_codes, gaps, 2, out, 6);
    CHECK_FALSE(s);
    CHECK(s.message == "stored entry 1 has code 2, but the codebook has only 2 entries");
    s = runtime::expand_codebook_layer(codebook, 2, codes, nullptr, 2, out, 5);
    CHECK(s.message == "positional codes: 2 codes for 5 weights");
}

TEST_CASE("layer blobs: dense and fixed-width codebook kinds", "[runtime][codec]") {
    std::vector<uint8_t> dense{0, 0, 0, 0};
    put_u32(dense, 3);
    for (float f : {1.0f, -0.0f, 3.5f}) put_f32(dense, f);
    float out[10];
    REQUIRE(runtime::expand_layer_blob(dense.data(), dense.size(), out, 3));
    CHECK(out[0] == 1.0f);
    CHECK(bits_of(out[1]) == bits_of(-0.0f));
    CHECK(out[2] == 3.5f);
    CodecStatus s = runtime::expand_layer_blob(dense.data(), dense.size(), out, 4);
    CHECK(s.message == "layer blob holds 3 weights, expected 4");

    const std::vector<uint8_t> blob = small_packed_blob();
    runtime::LayerHeader h;
    REQUIRE(runtime::read_layer_header(blob.data(), blob.size(), h));
    CHECK(h.kind == runtime::BlobKind::Codebook);
    CHECK(h.bits == 2);
    CHECK(h.gap_bits == 3);
    CHECK(h.codebook_size == 4);
    CHECK(h.numel == 10);
    CHECK(h.count == 3);
    REQUIRE(runtime::expand_layer_blob(blob.data(), blob.size(), out, 10));
    const std::vector<float> want{0, 0, 1.5f, 0.25f, 0, 0, 0, 0, 0, -2.0f};
    CHECK(std::vector<float>(out, out + 10) == want);
}

TEST_CASE("every truncation or extension of a valid blob is an error, never a crash", "[runtime][codec]") {
    std::vector<uint8_t> blob = small_packed_blob();
    float out[10];
    for (size_t n = 0; n < blob.size(); ++n) {
        INFO("prefix of " << n << " bytes");
        CHECK_FALSE(runtime::expand_layer_blob(blob.data(), n, out, 10));
    }
    blob.push_back(0);
    CodecStatus s = runtime::expand_layer_blob(blob.data(), blob.size(), out, 10);
    CHECK(s.message == "codebook blob: 3 entries need 3 bytes of codes and gaps, but 4 are present");
}

TEST_CASE("layer headers are checked field by field", "[runtime][codec]") {
    const std::vector<uint8_t> good = small_packed_blob();
    runtime::LayerHeader h;
    auto message = [&](size_t at, uint8_t value) {
        std::vector<uint8_t> b = good;
        b[at] = value;
        CodecStatus s = runtime::read_layer_header(b.data(), b.size(), h);
        return s ? std::string("ok") : s.message.str();
    };
    CHECK(message(0, 7) == "layer blob has unknown kind 7 (expected 0, 1, 2, 3 or 4)");
    CHECK(message(1, 0) == "codebook blob has code width 0, outside 1..8");
    CHECK(message(1, 9) == "codebook blob has code width 9, outside 1..8");
    CHECK(message(2, 9) == "codebook blob has gap width 9, outside 0..8");
    CHECK(message(3, 4) == "codebook blob has 5 codebook entries, more than 2-bit codes address");
    CHECK(message(8, 11) == "codebook blob stores 11 entries, more than its 10 weights");
    CHECK(message(2, 0) == "positional codebook blob stores 3 codes for 10 weights");
    std::vector<uint8_t> huge = good;
    huge[7] = 0x7f;  // numel near 2^31
    huge[8] = 0;
    CHECK_FALSE(runtime::read_layer_header(huge.data(), huge.size(), h));
    CHECK(runtime::read_layer_header(nullptr, 0, h).message == "layer blob is empty");
}

TEST_CASE("a hand-built Huffman blob decodes, and corrupt streams fail", "[runtime][codec][huffman]") {
    // 6 weights, positional, codebook {0, 2}: codes 1 0 0 1 1 0 with lengths {1, 1} -> codes 0 / 1.
    std::vector<uint8_t> blob{2, 1, 0, 1};
    put_u32(blob, 6);
    put_u32(blob, 6);
    put_f32(blob, 0.0f);
    put_f32(blob, 2.0f);
    blob.push_back(0x11);  // lengths 1, 1
    blob.push_back(0x19);  // bits 1,0,0,1,1,0 from bit 0 -> 0b011001
    float out[6];
    REQUIRE(runtime::expand_layer_blob(blob.data(), blob.size(), out, 6));
    CHECK(std::vector<float>(out, out + 6) == std::vector<float>{2, 0, 0, 2, 2, 0});

    std::vector<uint8_t> padded = blob;
    padded.back() = 0x59;  // a one bit in the padding
    CHECK(runtime::expand_layer_blob(padded.data(), padded.size(), out, 6).message ==
          "Huffman blob: 2 bits follow the last entry (at most 7 zero bits of padding expected)");
    std::vector<uint8_t> longer = blob;
    longer.push_back(0);
    CHECK_FALSE(runtime::expand_layer_blob(longer.data(), longer.size(), out, 6));
    std::vector<uint8_t> shorter(blob.begin(), blob.end() - 1);
    CHECK(runtime::expand_layer_blob(shorter.data(), shorter.size(), out, 6).message ==
          "Huffman blob: the stream ends or is corrupt at the code of entry 0 of 6 (bit 0 of 0)");
    std::vector<uint8_t> over = blob;
    over[blob.size() - 2] = 0x21;  // lengths 1, 2: incomplete but valid; pattern 11 is no code
    CHECK_FALSE(runtime::expand_layer_blob(over.data(), over.size(), out, 6));
}
