// Canonical Huffman coding for weight compression (the third stage of Deep Compression): code
// lengths from symbol frequencies with a length limit, canonical code assignment, an LSB-first bit
// writer and the serialized code-length table. runtime/weight_codec.h decodes what this writes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace sqz::compiler {

// Longest code the package format can store (4-bit lengths); runtime::kMaxHuffmanLength.
constexpr int kMaxCodeLength = 15;

// Optimal prefix-code lengths (0 for symbols of frequency 0) with no code longer than
// `max_length`, by package-merge. A single used symbol gets a 1-bit code; no used symbol gives all
// zeros. Ties between equal frequencies go to the lower symbol (shorter or equal code), so the
// result is deterministic. Throws sqz::Error if more symbols are used than 2^max_length codes allow.
std::vector<uint8_t> huffman_code_lengths(const std::vector<uint64_t>& frequencies, int max_length = kMaxCodeLength);

// Canonical codes for the lengths (DEFLATE's assignment: by length, then by symbol); code i has
// lengths[i] bits, most significant bit first. Lengths must satisfy Kraft's inequality.
std::vector<uint32_t> canonical_codes(const std::vector<uint8_t>& lengths);

// Appends bits to a byte vector, filling each byte from its least significant bit.
class BitWriter {
public:
    // Writes the low `count` (0..32) bits of `value`, least significant first.
    void write_bits(uint32_t value, int count);
    // Writes a `length`-bit Huffman code, its most significant bit first.
    void write_code(uint32_t code, int length);
    uint64_t bit_count() const { return bits_; }
    // The bytes written so far, the last one zero-padded.
    const std::vector<uint8_t>& bytes() const { return bytes_; }

private:
    std::vector<uint8_t> bytes_;
    uint64_t bits_ = 0;
};

// A canonical Huffman code ready to encode.
class HuffmanEncoder {
public:
    explicit HuffmanEncoder(std::vector<uint8_t> lengths);
    // Writes the code of `symbol`, which must have a non-zero length.
    void encode(uint32_t symbol, BitWriter& out) const;
    int length(uint32_t symbol) const { return lengths_.at(symbol); }
    const std::vector<uint8_t>& lengths() const { return lengths_; }
    // Bits the code takes for symbols with these frequencies.
    uint64_t cost(const std::vector<uint64_t>& frequencies) const;

private:
    std::vector<uint8_t> lengths_;
    std::vector<uint32_t> codes_;
};

// Symbol frequencies over an alphabet of `alphabet` symbols (every symbol must be below it).
std::vector<uint64_t> symbol_frequencies(const std::vector<uint8_t>& symbols, size_t alphabet);

// Appends the code-length table: one 4-bit length per symbol, low nibble first, padded to a whole
// byte (what runtime::read_code_lengths reads). Lengths must be at most 15.
void write_code_lengths(const std::vector<uint8_t>& lengths, std::vector<uint8_t>& out);

}  // namespace sqz::compiler
