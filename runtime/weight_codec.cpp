// Decoders for compressed weight blobs (see weight_codec.h for the format).
#include "weight_codec.h"

#include <cstring>

namespace SQZ_PACKAGE::runtime {
namespace {

uint32_t load_u32(const uint8_t* p) {
    return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 | static_cast<uint32_t>(p[2]) << 16 |
           static_cast<uint32_t>(p[3]) << 24;
}

float load_f32(const uint8_t* p) {
    const uint32_t bits = load_u32(p);
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
}

template <typename T>
std::string num(T v) {
    return std::to_string(v);
}

// Reverses the low `length` bits of `code`.
uint32_t reverse_bits(uint32_t code, int length) {
    uint32_t r = 0;
    for (int i = 0; i < length; ++i) r |= ((code >> i) & 1u) << (length - 1 - i);
    return r;
}

// Kind 1: fixed-width codes and gaps after the codebook.
CodecStatus expand_packed(const uint8_t* body, size_t size, const LayerHeader& h, const float* codebook, float* out) {
    const size_t count = static_cast<size_t>(h.count);
    const size_t code_bytes = packed_bytes(count, h.bits);
    const size_t gap_bytes = h.gap_bits == 0 ? 0 : packed_bytes(count, h.gap_bits);
    if (size != code_bytes + gap_bytes)
        return CodecStatus::failure("codebook blob: " + num(count) + " entries need " + num(code_bytes + gap_bytes) +
                                    " bytes of codes and gaps, but " + num(size) + " are present");
    std::vector<uint8_t> codes(count), gaps(h.gap_bits == 0 ? 0 : count);
    CodecStatus s = unpack_bits(body, code_bytes, h.bits, count, codes.data());
    if (s && h.gap_bits != 0) s = unpack_bits(body + code_bytes, gap_bytes, h.gap_bits, count, gaps.data());
    if (!s) return s;
    static const uint8_t no_gaps = 0;  // a non-null pointer for zero stored entries (null means positional)
    const uint8_t* gap_data = h.gap_bits == 0 ? nullptr : gaps.empty() ? &no_gaps : gaps.data();
    return expand_codebook_layer(codebook, h.codebook_size, codes.data(), gap_data, count, out,
                                 static_cast<size_t>(h.numel));
}

// Kind 2: code-length tables and one interleaved Huffman stream after the codebook.
CodecStatus expand_huffman(const uint8_t* body, size_t size, const LayerHeader& h, const float* codebook, float* out) {
    const size_t code_table = (h.codebook_size + 1) / 2;
    const size_t gap_symbols = h.gap_bits == 0 ? 0 : size_t{1} << h.gap_bits;
    const size_t gap_table = (gap_symbols + 1) / 2;
    if (size < code_table + gap_table)
        return CodecStatus::failure("Huffman blob: code-length tables need " + num(code_table + gap_table) +
                                    " bytes, but " + num(size) + " are present");
    uint8_t lengths[kMaxHuffmanSymbols];
    HuffmanDecoder codes, gaps;
    CodecStatus s = read_code_lengths(body, code_table, h.codebook_size, lengths);
    if (s) s = codes.init(lengths, h.codebook_size);
    if (s && gap_symbols != 0) {
        s = read_code_lengths(body + code_table, gap_table, gap_symbols, lengths);
        if (s) s = gaps.init(lengths, gap_symbols);
    }
    if (!s) return CodecStatus::failure("Huffman blob: " + s.message);

    const size_t numel = static_cast<size_t>(h.numel);
    const size_t stream_bytes = size - code_table - gap_table;
    BitReader in(body + code_table + gap_table, stream_bytes);
    for (size_t p = 0; p < numel; ++p) out[p] = codebook[0];
    int64_t pos = -1;
    for (uint64_t i = 0; i < h.count; ++i) {
        uint32_t gap = 0, code = 0;
        if (gap_symbols != 0 && !gaps.decode(in, gap))
            return CodecStatus::failure("Huffman blob: the stream ends or is corrupt at the gap of entry " + num(i) +
                                        " of " + num(h.count) + " (bit " + num(in.bit_position()) + " of " +
                                        num(stream_bytes * 8) + ")");
        if (!codes.decode(in, code))
            return CodecStatus::failure("Huffman blob: the stream ends or is corrupt at the code of entry " + num(i) +
                                        " of " + num(h.count) + " (bit " + num(in.bit_position()) + " of " +
                                        num(stream_bytes * 8) + ")");
        pos += static_cast<int64_t>(gap) + 1;
        if (static_cast<uint64_t>(pos) >= numel)
            return CodecStatus::failure("Huffman blob: entry " + num(i) + " lands at position " + num(pos) +
                                        ", past the " + num(numel) + " weights");
        out[pos] = codebook[code];
    }
    const size_t left = in.bits_left();
    if (left >= 8 || in.peek(static_cast<int>(left)) != 0)
        return CodecStatus::failure("Huffman blob: " + num(left) + " bits follow the last entry (at most 7 zero bits of padding expected)");
    return {};
}

}  // namespace

uint32_t BitReader::peek(int count) const {
    const size_t byte = position_ >> 3;
    const int shift = static_cast<int>(position_ & 7);
    uint64_t v = 0;
    for (size_t i = 0; i < 4 && byte + i < size_; ++i) v |= static_cast<uint64_t>(data_[byte + i]) << (8 * i);
    return static_cast<uint32_t>((v >> shift) & ((uint64_t{1} << count) - 1));
}

bool BitReader::skip(size_t count) {
    if (count > bits_left()) return false;
    position_ += count;
    return true;
}

bool BitReader::read(int count, uint32_t& value) {
    if (static_cast<size_t>(count) > bits_left()) return false;
    value = peek(count);
    position_ += static_cast<size_t>(count);
    return true;
}

CodecStatus unpack_bits(const uint8_t* data, size_t size, int width, size_t count, uint8_t* out) {
    if (width < 1 || width > 8) return CodecStatus::failure("field width " + num(width) + " is outside 1..8");
    if (count > kMaxBlobElements) return CodecStatus::failure(num(count) + " packed values are too many");
    if (size != packed_bytes(count, width))
        return CodecStatus::failure(num(count) + " values of " + num(width) + " bits need " +
                                    num(packed_bytes(count, width)) + " bytes, but " + num(size) + " are present");
    if (width == 8) {
        if (count != 0) std::memcpy(out, data, count);
        return {};
    }
    if (width == 4) {  // the .net gap layout: two per byte, the low nibble first
        for (size_t i = 0; i < count; ++i) out[i] = static_cast<uint8_t>((data[i / 2] >> (4 * (i % 2))) & 0x0f);
        return {};
    }
    const unsigned mask = (1u << width) - 1;
    for (size_t i = 0; i < count; ++i) {
        const size_t bit = i * static_cast<size_t>(width);
        unsigned v = data[bit / 8];
        if (bit / 8 + 1 < size) v |= static_cast<unsigned>(data[bit / 8 + 1]) << 8;
        out[i] = static_cast<uint8_t>((v >> (bit % 8)) & mask);
    }
    return {};
}

CodecStatus HuffmanDecoder::init(const uint8_t* lengths, size_t symbol_count) {
    table_.clear();
    max_length_ = 0;
    symbol_count_ = symbol_count;
    if (symbol_count > (size_t{1} << 16))
        return CodecStatus::failure("Huffman alphabet of " + num(symbol_count) + " symbols is too large");
    uint32_t length_count[kMaxHuffmanLength + 1] = {};
    for (size_t s = 0; s < symbol_count; ++s) {
        if (lengths[s] > kMaxHuffmanLength)
            return CodecStatus::failure("symbol " + num(s) + " has code length " + num(lengths[s]) + ", over " +
                                        num(kMaxHuffmanLength));
        if (lengths[s] > max_length_) max_length_ = lengths[s];
        ++length_count[lengths[s]];
    }
    // Kraft: the codes must fit in the code space (an incomplete code is allowed).
    uint64_t used = 0;
    for (int len = 1; len <= kMaxHuffmanLength; ++len) used += uint64_t{length_count[len]} << (kMaxHuffmanLength - len);
    if (used > (uint64_t{1} << kMaxHuffmanLength))
        return CodecStatus::failure("code lengths over-subscribe the Huffman code space");
    if (max_length_ == 0) return {};

    uint32_t next_code[kMaxHuffmanLength + 2] = {};
    uint32_t code = 0;
    for (int len = 1; len <= max_length_; ++len) {
        const uint32_t shorter = len > 1 ? length_count[len - 1] : 0;  // length_count[0] counts absent symbols
        code = (code + shorter) << 1;
        next_code[len] = code;
    }
    table_.assign(size_t{1} << max_length_, 0);
    for (size_t s = 0; s < symbol_count; ++s) {
        const int len = lengths[s];
        if (len == 0) continue;
        const uint32_t reversed = reverse_bits(next_code[len]++, len);
        for (size_t i = reversed; i < table_.size(); i += size_t{1} << len)
            table_[i] = static_cast<uint32_t>(s) << 4 | static_cast<uint32_t>(len);
    }
    return {};
}

bool HuffmanDecoder::decode(BitReader& in, uint32_t& symbol) const {
    if (max_length_ == 0) return false;
    const uint32_t entry = table_[in.peek(max_length_)];
    const uint32_t length = entry & 15u;
    if (length == 0 || !in.skip(length)) return false;
    symbol = entry >> 4;
    return true;
}

CodecStatus read_code_lengths(const uint8_t* data, size_t size, size_t symbol_count, uint8_t* lengths) {
    if (size != (symbol_count + 1) / 2)
        return CodecStatus::failure(num(symbol_count) + " code lengths need " + num((symbol_count + 1) / 2) +
                                    " bytes, but " + num(size) + " are present");
    for (size_t s = 0; s < symbol_count; ++s) lengths[s] = static_cast<uint8_t>((data[s / 2] >> (4 * (s % 2))) & 0x0f);
    return {};
}

CodecStatus read_layer_header(const uint8_t* blob, size_t size, LayerHeader& h) {
    h = LayerHeader{};
    if (size < 1) return CodecStatus::failure("layer blob is empty");
    if (blob[0] > static_cast<uint8_t>(BlobKind::CodebookHuffman))
        return CodecStatus::failure("layer blob has unknown kind " + num(blob[0]) + " (expected 0, 1 or 2)");
    h.kind = static_cast<BlobKind>(blob[0]);
    if (h.kind == BlobKind::Dense) {
        if (size < kDenseHeaderBytes)
            return CodecStatus::failure("dense blob header needs 8 bytes, but " + num(size) + " are present");
        if (blob[1] != 0 || blob[2] != 0 || blob[3] != 0)
            return CodecStatus::failure("dense blob header has non-zero reserved bytes");
        h.numel = load_u32(blob + 4);
        h.count = h.numel;
        h.header_bytes = kDenseHeaderBytes;
    } else {
        if (size < kCodebookHeaderBytes)
            return CodecStatus::failure("codebook blob header needs 12 bytes, but " + num(size) + " are present");
        h.bits = blob[1];
        h.gap_bits = blob[2];
        h.codebook_size = size_t{blob[3]} + 1;
        h.numel = load_u32(blob + 4);
        h.count = load_u32(blob + 8);
        if (h.bits < 1 || h.bits > 8) return CodecStatus::failure("codebook blob has code width " + num(h.bits) + ", outside 1..8");
        if (h.gap_bits > 8) return CodecStatus::failure("codebook blob has gap width " + num(h.gap_bits) + ", outside 0..8");
        if (h.codebook_size > (size_t{1} << h.bits))
            return CodecStatus::failure("codebook blob has " + num(h.codebook_size) + " codebook entries, more than " +
                                        num(h.bits) + "-bit codes address");
        if (h.count > h.numel)
            return CodecStatus::failure("codebook blob stores " + num(h.count) + " entries, more than its " +
                                        num(h.numel) + " weights");
        if (h.gap_bits == 0 && h.count != h.numel)
            return CodecStatus::failure("positional codebook blob stores " + num(h.count) + " codes for " +
                                        num(h.numel) + " weights");
        h.header_bytes = kCodebookHeaderBytes + 4 * h.codebook_size;
        if (size < h.header_bytes)
            return CodecStatus::failure("codebook blob needs " + num(h.header_bytes) + " bytes for its header and " +
                                        num(h.codebook_size) + "-entry codebook, but " + num(size) + " are present");
    }
    if (h.numel > kMaxBlobElements) return CodecStatus::failure("layer blob claims " + num(h.numel) + " weights, too many");
    return {};
}

CodecStatus expand_codebook_layer(const float* codebook, size_t codebook_size, const uint8_t* codes,
                                  const uint8_t* gaps, size_t count, float* out, size_t numel) {
    if (codebook_size == 0) return CodecStatus::failure("the codebook is empty");
    if (gaps == nullptr && count != numel)
        return CodecStatus::failure("positional codes: " + num(count) + " codes for " + num(numel) + " weights");
    for (size_t p = 0; p < numel; ++p) out[p] = codebook[0];
    int64_t pos = -1;
    for (size_t i = 0; i < count; ++i) {
        pos += gaps == nullptr ? 1 : static_cast<int64_t>(gaps[i]) + 1;
        if (static_cast<uint64_t>(pos) >= numel)
            return CodecStatus::failure("stored entry " + num(i) + " of " + num(count) + " lands at position " +
                                        num(pos) + ", past the " + num(numel) + " weights of the layer");
        if (codes[i] >= codebook_size)
            return CodecStatus::failure("stored entry " + num(i) + " has code " + num(codes[i]) +
                                        ", but the codebook has only " + num(codebook_size) + " entries");
        out[pos] = codebook[codes[i]];
    }
    return {};
}

CodecStatus expand_layer_blob(const uint8_t* blob, size_t size, float* out, size_t numel) {
    LayerHeader h;
    CodecStatus s = read_layer_header(blob, size, h);
    if (!s) return s;
    if (h.numel != numel)
        return CodecStatus::failure("layer blob holds " + num(h.numel) + " weights, expected " + num(numel));
    if (h.kind == BlobKind::Dense) {
        if (size - kDenseHeaderBytes != 4 * h.numel)
            return CodecStatus::failure("dense blob of " + num(h.numel) + " values needs " +
                                        num(kDenseHeaderBytes + 4 * h.numel) + " bytes, but " + num(size) + " are present");
        for (size_t i = 0; i < numel; ++i) out[i] = load_f32(blob + kDenseHeaderBytes + 4 * i);
        return {};
    }
    float codebook[kMaxHuffmanSymbols];
    for (size_t i = 0; i < h.codebook_size; ++i) codebook[i] = load_f32(blob + kCodebookHeaderBytes + 4 * i);
    const uint8_t* body = blob + h.header_bytes;
    const size_t body_size = size - h.header_bytes;
    return h.kind == BlobKind::Codebook ? expand_packed(body, body_size, h, codebook, out)
                                        : expand_huffman(body, body_size, h, codebook, out);
}

}  // namespace SQZ_PACKAGE::runtime
