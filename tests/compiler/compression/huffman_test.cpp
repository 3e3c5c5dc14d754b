// Length-limited canonical Huffman coding: code lengths on edge cases (no symbol, one symbol, all
// 256, Fibonacci frequencies that force the limit), optimality against a plain Huffman tree,
// canonical codes, and encode -> runtime decode round trips, with corrupt streams failing cleanly.
#include "compiler/compression/huffman.h"
#include "runtime/weight_codec.h"
#include "tests/support.h"

#include <algorithm>
#include <queue>
#include <random>

using namespace sqz;
using compiler::huffman_code_lengths;

namespace {

// Cost in bits of an unlimited Huffman code (the textbook merge of the two lightest trees).
uint64_t plain_huffman_cost(const std::vector<uint64_t>& freq) {
    std::priority_queue<uint64_t, std::vector<uint64_t>, std::greater<>> heap;
    for (uint64_t f : freq)
        if (f > 0) heap.push(f);
    if (heap.size() == 1) return heap.top();
    uint64_t cost = 0;
    while (heap.size() > 1) {
        const uint64_t a = heap.top();
        heap.pop();
        const uint64_t b = heap.top();
        heap.pop();
        cost += a + b;
        heap.push(a + b);
    }
    return cost;
}

// Kraft sum scaled by 2^max: equals 2^max for a complete code.
uint64_t kraft(const std::vector<uint8_t>& lengths, int max) {
    uint64_t sum = 0;
    for (uint8_t l : lengths)
        if (l > 0) sum += uint64_t{1} << (max - l);
    return sum;
}

// Encodes the symbols with the compiler's coder and decodes them with the runtime's.
std::vector<uint8_t> round_trip(const std::vector<uint8_t>& symbols, size_t alphabet) {
    const auto freq = compiler::symbol_frequencies(symbols, alphabet);
    const compiler::HuffmanEncoder coder(huffman_code_lengths(freq));
    compiler::BitWriter out;
    for (uint8_t s : symbols) coder.encode(s, out);
    CHECK(out.bit_count() == coder.cost(freq));

    std::vector<uint8_t> table;
    compiler::write_code_lengths(coder.lengths(), table);
    std::vector<uint8_t> lengths(alphabet);
    REQUIRE(runtime::read_code_lengths(table.data(), table.size(), alphabet, lengths.data()));
    CHECK(lengths == coder.lengths());
    runtime::HuffmanDecoder decoder;
    REQUIRE(decoder.init(lengths.data(), alphabet));
    runtime::BitReader in(out.bytes().data(), out.bytes().size());
    std::vector<uint8_t> back;
    for (size_t i = 0; i < symbols.size(); ++i) {
        uint32_t s = 0;
        REQUIRE(decoder.decode(in, s));
        back.push_back(static_cast<uint8_t>(s));
    }
    CHECK(in.bits_left() < 8);
    return back;
}

}  // namespace

TEST_CASE("code lengths for no symbol, one symbol and two symbols", "[compression][huffman]") {
    CHECK(huffman_code_lengths({}).empty());
    CHECK(huffman_code_lengths({0, 0, 0}) == std::vector<uint8_t>{0, 0, 0});
    CHECK(huffman_code_lengths({0, 7, 0}) == std::vector<uint8_t>{0, 1, 0});  // one symbol: a 1-bit code
    CHECK(huffman_code_lengths({1, 1000}) == std::vector<uint8_t>{1, 1});
    CHECK(huffman_code_lengths({5, 0, 1, 1}) == std::vector<uint8_t>{1, 0, 2, 2});
}

TEST_CASE("all 256 symbols with equal frequency get 8-bit codes", "[compression][huffman]") {
    const std::vector<uint8_t> lengths = huffman_code_lengths(std::vector<uint64_t>(256, 3));
    CHECK(std::all_of(lengths.begin(), lengths.end(), [](uint8_t l) { return l == 8; }));
    std::vector<uint8_t> symbols(2560);
    for (size_t i = 0; i < symbols.size(); ++i) symbols[i] = static_cast<uint8_t>(i * 7);
    CHECK(round_trip(symbols, 256) == symbols);
}

TEST_CASE("Fibonacci frequencies are limited to the maximum length, optimally", "[compression][huffman]") {
    // An unlimited Huffman code for 40 Fibonacci frequencies is 39 deep, so every limit binds.
    std::vector<uint64_t> fib{1, 1};
    while (fib.size() < 40) fib.push_back(fib[fib.size() - 1] + fib[fib.size() - 2]);
    for (int limit : {31, 15, 8, 6}) {
        INFO("limit " << limit);
        const std::vector<uint8_t> lengths = huffman_code_lengths(fib, limit);
        CHECK(*std::max_element(lengths.begin(), lengths.end()) == limit);
        CHECK(kraft(lengths, limit) == uint64_t{1} << limit);  // complete: nothing wasted
        // The heaviest symbols keep the shortest codes.
        for (size_t s = 2; s < fib.size(); ++s) CHECK(lengths[s] <= lengths[s - 1]);
    }
    // With room enough, package-merge equals a plain Huffman code.
    std::vector<uint64_t> small(fib.begin(), fib.begin() + 12);
    CHECK(compiler::HuffmanEncoder(huffman_code_lengths(small)).cost(small) == plain_huffman_cost(small));
    // Limiting costs something but stays close to the entropy bound here.
    const uint64_t limited = compiler::HuffmanEncoder(huffman_code_lengths(fib, 15)).cost(fib);
    CHECK(limited > plain_huffman_cost(fib));
    CHECK(limited < plain_huffman_cost(fib) * 101 / 100);
}

TEST_CASE("a limit of L bits fits 2^L symbols and no more", "[compression][huffman]") {
    std::vector<uint64_t> freq(32);
    for (size_t i = 0; i < freq.size(); ++i) freq[i] = 1 + i * i * i;
    const std::vector<uint8_t> lengths = huffman_code_lengths(freq, 5);
    CHECK(std::all_of(lengths.begin(), lengths.end(), [](uint8_t l) { return l == 5; }));
    freq.push_back(1);
    CHECK_THROWS_WITH(huffman_code_lengths(freq, 5), "33 symbols cannot get prefix codes of at most 5 bits");
}

TEST_CASE("package-merge is optimal on random distributions", "[compression][huffman]") {
    std::mt19937_64 rng(11);
    for (int trial = 0; trial < 200; ++trial) {
        const size_t n = 1 + rng() % 256;
        std::vector<uint64_t> freq(n);
        for (uint64_t& f : freq) f = rng() % 4 == 0 ? 0 : 1 + rng() % (trial % 2 ? 1000000 : 50);
        const std::vector<uint8_t> lengths = huffman_code_lengths(freq);
        INFO("trial " << trial);
        CHECK(*std::max_element(lengths.begin(), lengths.end()) <= 15);
        CHECK(kraft(lengths, 15) <= uint64_t{1} << 15);
        const size_t used = static_cast<size_t>(std::count_if(freq.begin(), freq.end(), [](uint64_t f) { return f > 0; }));
        const uint64_t cost = compiler::HuffmanEncoder(lengths).cost(freq);
        CHECK(cost >= plain_huffman_cost(freq));
        if (used >= 2) CHECK(kraft(lengths, 15) == uint64_t{1} << 15);
        // Where the limit does not bind, the code is as good as an unlimited Huffman code.
        if (*std::max_element(lengths.begin(), lengths.end()) < 15) CHECK(cost == plain_huffman_cost(freq));
        for (size_t s = 0; s < n; ++s) CHECK((lengths[s] == 0) == (freq[s] == 0));
    }
}

TEST_CASE("canonical codes follow DEFLATE's assignment", "[compression][huffman]") {
    // RFC 1951, section 3.2.2: lengths (3, 3, 3, 3, 3, 2, 4, 4).
    const auto codes = compiler::canonical_codes({3, 3, 3, 3, 3, 2, 4, 4});
    CHECK(codes == std::vector<uint32_t>{0b010, 0b011, 0b100, 0b101, 0b110, 0b00, 0b1110, 0b1111});
    compiler::BitWriter w;
    w.write_code(0b1110, 4);  // first bit first: 1, 1, 1, 0
    w.write_bits(0b01, 2);    // LSB first: 1, 0
    CHECK(w.bytes() == std::vector<uint8_t>{0x17});
    CHECK(w.bit_count() == 6);
}

TEST_CASE("encode and decode round trips: empty, one symbol, skewed, random", "[compression][huffman]") {
    CHECK(round_trip({}, 16).empty());
    const std::vector<uint8_t> same(1000, 9);
    CHECK(round_trip(same, 10) == same);
    std::mt19937_64 rng(5);
    for (int trial = 0; trial < 20; ++trial) {
        std::vector<uint8_t> symbols(5000);
        for (uint8_t& s : symbols) {
            // Geometric-like: symbol k with probability ~ 2^-(k+1), capped at 255.
            int k = 0;
            while (k < 255 && rng() % (trial % 3 + 2) == 0) ++k;
            s = static_cast<uint8_t>(trial % 2 ? k : rng() % 256);
        }
        CHECK(round_trip(symbols, 256) == symbols);
    }
}

TEST_CASE("truncated and garbage streams decode to an error, not a crash", "[compression][huffman]") {
    std::mt19937_64 rng(3);
    std::vector<uint8_t> symbols(3000);
    for (uint8_t& s : symbols) s = static_cast<uint8_t>(rng() % 5 == 0 ? rng() % 200 : rng() % 4);
    const auto freq = compiler::symbol_frequencies(symbols, 200);
    const compiler::HuffmanEncoder coder(huffman_code_lengths(freq));
    compiler::BitWriter out;
    for (uint8_t s : symbols) coder.encode(s, out);
    runtime::HuffmanDecoder decoder;
    REQUIRE(decoder.init(coder.lengths().data(), 200));
    // Truncated: decoding all symbols from any proper prefix fails at some symbol.
    for (size_t cut = 0; cut < out.bytes().size(); cut += 97) {
        runtime::BitReader in(out.bytes().data(), cut);
        uint32_t s = 0;
        size_t decoded = 0;
        while (decoded < symbols.size() && decoder.decode(in, s)) ++decoded;
        CHECK(decoded < symbols.size());
        CHECK(in.bit_position() <= cut * 8);
    }
    // Garbage through an incomplete code (lengths of half the symbols): stops with an error.
    std::vector<uint8_t> partial = coder.lengths();
    for (size_t s = 0; s < partial.size(); s += 2) partial[s] = 0;
    REQUIRE(decoder.init(partial.data(), partial.size()));
    std::vector<uint8_t> garbage(4096);
    for (uint8_t& b : garbage) b = static_cast<uint8_t>(rng());
    runtime::BitReader in(garbage.data(), garbage.size());
    uint32_t s = 0;
    size_t decoded = 0;
    while (decoder.decode(in, s)) ++decoded;
    CHECK(decoded < garbage.size() * 8);
    CHECK(in.bit_position() <= garbage.size() * 8);
}
