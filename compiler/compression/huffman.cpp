// Length-limited canonical Huffman codes (see huffman.h).
//
// Algorithm note (package-merge, Larmore and Hirschberg): with the n used symbols sorted by
// frequency, list L (the deepest level) holds the leaves; list j < L merges the leaves with
// "packages", pairs of adjacent items of list j + 1 weighing their sum. Choosing the 2n - 2
// lightest items of list 1 gives an optimal code whose lengths are at most L: a symbol's length is
// the number of lists in which its leaf is chosen, directly or inside a chosen package. Every
// list is sorted and merges are stable, so what is chosen from each list is a prefix: its leaves
// are the first m leaves in sorted order, and its p packages choose the first 2p items of the next
// list. The algorithm therefore only records, per list, which items are packages.
#include "compiler/compression/huffman.h"

#include "ir/error.h"

#include <algorithm>

namespace sqz::compiler {

std::vector<uint8_t> huffman_code_lengths(const std::vector<uint64_t>& frequencies, int max_length) {
    SQZ_ASSERT(max_length >= 1 && max_length <= 31, "Huffman length limit {} outside 1..31", max_length);
    std::vector<uint8_t> lengths(frequencies.size(), 0);
    std::vector<uint32_t> leaves;  // used symbols, lightest first; equal weights: higher symbol first
    for (size_t s = 0; s < frequencies.size(); ++s)
        if (frequencies[s] > 0) leaves.push_back(static_cast<uint32_t>(s));
    const size_t n = leaves.size();
    if (n == 0) return lengths;
    if (n == 1) {
        lengths[leaves[0]] = 1;
        return lengths;
    }
    if (n > (uint64_t{1} << max_length))
        user_error("{} symbols cannot get prefix codes of at most {} bits", n, max_length);
    std::stable_sort(leaves.begin(), leaves.end(), [&](uint32_t a, uint32_t b) {
        return frequencies[a] != frequencies[b] ? frequencies[a] < frequencies[b] : a > b;
    });

    // lists[j]: for level j + 1 (list 1 is lists[0]), whether each item is a package.
    std::vector<std::vector<bool>> lists(static_cast<size_t>(max_length));
    std::vector<uint64_t> weights(n);  // of the list being built from
    for (size_t i = 0; i < n; ++i) weights[i] = frequencies[leaves[i]];
    lists.back().assign(n, false);
    for (int level = max_length - 1; level >= 1; --level) {
        std::vector<uint64_t> packages;
        for (size_t i = 0; i + 1 < weights.size(); i += 2) packages.push_back(weights[i] + weights[i + 1]);
        std::vector<uint64_t> merged;
        std::vector<bool>& kinds = lists[static_cast<size_t>(level - 1)];
        size_t a = 0, b = 0;
        while (a < n || b < packages.size()) {
            const bool take_leaf = b == packages.size() || (a < n && frequencies[leaves[a]] <= packages[b]);
            merged.push_back(take_leaf ? frequencies[leaves[a++]] : packages[b++]);
            kinds.push_back(!take_leaf);
        }
        weights = std::move(merged);
    }

    size_t chosen = 2 * n - 2;
    for (const std::vector<bool>& kinds : lists) {
        SQZ_ASSERT(chosen <= kinds.size(), "package-merge chose {} of {} items", chosen, kinds.size());
        size_t leaf_count = 0, package_count = 0;
        for (size_t i = 0; i < chosen; ++i) (kinds[i] ? package_count : leaf_count) += 1;
        for (size_t i = 0; i < leaf_count; ++i) ++lengths[leaves[i]];
        chosen = 2 * package_count;
    }
    return lengths;
}

std::vector<uint32_t> canonical_codes(const std::vector<uint8_t>& lengths) {
    int max_length = 0;
    for (uint8_t len : lengths) max_length = std::max<int>(max_length, len);
    std::vector<uint64_t> count(static_cast<size_t>(max_length) + 1, 0);
    for (uint8_t len : lengths)
        if (len > 0) ++count[len];
    std::vector<uint64_t> next(static_cast<size_t>(max_length) + 1, 0);
    uint64_t code = 0;
    for (int len = 1; len <= max_length; ++len) {
        code = (code + count[static_cast<size_t>(len - 1)]) << 1;  // count[0] stays 0
        next[static_cast<size_t>(len)] = code;
    }
    std::vector<uint32_t> codes(lengths.size(), 0);
    for (size_t s = 0; s < lengths.size(); ++s) {
        if (lengths[s] == 0) continue;
        const uint64_t c = next[lengths[s]]++;
        SQZ_ASSERT(c < (uint64_t{1} << lengths[s]), "code lengths violate Kraft's inequality at symbol {}", s);
        codes[s] = static_cast<uint32_t>(c);
    }
    return codes;
}

void BitWriter::write_bits(uint32_t value, int count) {
    for (int i = 0; i < count; ++i) {
        if (bits_ % 8 == 0) bytes_.push_back(0);
        if ((value >> i) & 1u) bytes_.back() = static_cast<uint8_t>(bytes_.back() | 1u << (bits_ % 8));
        ++bits_;
    }
}

void BitWriter::write_code(uint32_t code, int length) {
    for (int i = length - 1; i >= 0; --i) write_bits((code >> i) & 1u, 1);
}

HuffmanEncoder::HuffmanEncoder(std::vector<uint8_t> lengths)
    : lengths_(std::move(lengths)), codes_(canonical_codes(lengths_)) {}

void HuffmanEncoder::encode(uint32_t symbol, BitWriter& out) const {
    SQZ_ASSERT(symbol < lengths_.size() && lengths_[symbol] > 0, "symbol {} has no Huffman code", symbol);
    out.write_code(codes_[symbol], lengths_[symbol]);
}

uint64_t HuffmanEncoder::cost(const std::vector<uint64_t>& frequencies) const {
    uint64_t bits = 0;
    for (size_t s = 0; s < frequencies.size(); ++s) {
        if (frequencies[s] == 0) continue;
        SQZ_ASSERT(s < lengths_.size() && lengths_[s] > 0, "symbol {} has no Huffman code", s);
        bits += frequencies[s] * lengths_[s];
    }
    return bits;
}

std::vector<uint64_t> symbol_frequencies(const std::vector<uint8_t>& symbols, size_t alphabet) {
    std::vector<uint64_t> f(alphabet, 0);
    for (uint8_t s : symbols) {
        SQZ_ASSERT(s < alphabet, "symbol {} outside an alphabet of {}", s, alphabet);
        ++f[s];
    }
    return f;
}

void write_code_lengths(const std::vector<uint8_t>& lengths, std::vector<uint8_t>& out) {
    for (size_t s = 0; s < lengths.size(); s += 2) {
        SQZ_ASSERT(lengths[s] <= 15 && (s + 1 == lengths.size() || lengths[s + 1] <= 15),
                   "code length over 15 at symbol {}", s);
        const uint8_t hi = s + 1 < lengths.size() ? lengths[s + 1] : 0;
        out.push_back(static_cast<uint8_t>(lengths[s] | hi << 4));
    }
}

}  // namespace sqz::compiler
