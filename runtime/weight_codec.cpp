// Decoders for compressed weight blobs (see weight_codec.h for the format).
#include "weight_codec.h"

#include "weight_model.h"

#include <cstring>

namespace SQZ_PACKAGE::runtime {
namespace {

uint32_t load_u32(const uint8_t* p) {
    return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 | static_cast<uint32_t>(p[2]) << 16 |
           static_cast<uint32_t>(p[3]) << 24;
}

float from_bits(uint32_t bits) {
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
}

float load_f32(const uint8_t* p) { return from_bits(load_u32(p)); }

void read_codebook(const uint8_t* blob, const LayerHeader& h, float* codebook) {
    for (size_t i = 0; i < h.codebook_size; ++i) codebook[i] = load_f32(blob + kCodebookHeaderBytes + 4 * i);
}

// Kind 3's codes, as weight_model.h's code_weights sees them: decoded straight into values.
struct DecodedValues {
    const float* codebook;
    float* out;
    uint64_t nonzero = 0;
    uint32_t get(size_t) const { return 0; }
    void put(size_t i, uint32_t code) {
        out[i] = codebook[code];
        nonzero += code != 0;
    }
};

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
    if (width < 1 || width > 8) return CodecStatus::failure("field width {} is outside 1..8", static_cast<uint64_t>(width));
    if (count > kMaxBlobElements) return CodecStatus::failure("{} packed values are too many", count);
    if (size != packed_bytes(count, width))
        return CodecStatus::failure("{} values of {} bits need {} bytes, but {} are present", count,
                                    static_cast<uint64_t>(width), packed_bytes(count, width), size);
    const unsigned mask = (1u << width) - 1;
    for (size_t i = 0; i < count; ++i) {  // width 4 is the .net gap layout: the low nibble first
        const size_t bit = i * static_cast<size_t>(width);
        unsigned v = data[bit / 8];
        if (bit / 8 + 1 < size) v |= static_cast<unsigned>(data[bit / 8 + 1]) << 8;
        out[i] = static_cast<uint8_t>((v >> (bit % 8)) & mask);
    }
    return {};
}

CodecStatus HuffmanDecoder::init(const uint8_t* lengths, size_t symbol_count) {
    *this = HuffmanDecoder();
    if (symbol_count > kMaxHuffmanSymbols)
        return CodecStatus::failure("Huffman alphabet of {} symbols is too large", symbol_count);
    for (size_t s = 0; s < symbol_count; ++s) {
        if (lengths[s] > kMaxHuffmanLength)
            return CodecStatus::failure("symbol {} has code length {}, over {}", s, lengths[s],
                                        static_cast<uint64_t>(kMaxHuffmanLength));
        if (lengths[s] > max_length_) max_length_ = lengths[s];
        if (lengths[s] > 0) ++count_[lengths[s]];
    }
    // Kraft: the codes must fit in the code space (an incomplete code is allowed).
    uint64_t used = 0;
    for (int len = 1; len <= kMaxHuffmanLength; ++len) used += uint64_t{count_[len]} << (kMaxHuffmanLength - len);
    if (used > (uint64_t{1} << kMaxHuffmanLength))
        return CodecStatus::failure("code lengths over-subscribe the Huffman code space");
    // Symbols by length, then by symbol: the order canonical codes are assigned in.
    uint16_t next[kMaxHuffmanLength + 1] = {};
    for (int len = 1; len < kMaxHuffmanLength; ++len) next[len + 1] = static_cast<uint16_t>(next[len] + count_[len]);
    for (size_t s = 0; s < symbol_count; ++s)
        if (lengths[s] > 0) symbols_[next[lengths[s]]++] = static_cast<uint8_t>(s);
    return {};
}

bool HuffmanDecoder::decode(BitReader& in, uint32_t& symbol) const {
    // Codes of length n are the `count_[n]` values from `first` on, once the shorter ones are past.
    BitReader probe = in;
    uint32_t code = 0, first = 0, index = 0, bit = 0;
    for (int len = 1; len <= max_length_; ++len) {
        if (!probe.read(1, bit)) return false;
        code |= bit;
        if (code - first < count_[len]) {
            symbol = symbols_[index + code - first];
            in = probe;
            return true;
        }
        index += count_[len];
        first = (first + count_[len]) << 1;
        code <<= 1;
    }
    return false;
}

CodecStatus read_code_lengths(const uint8_t* data, size_t size, size_t symbol_count, uint8_t* lengths) {
    if (size != (symbol_count + 1) / 2)
        return CodecStatus::failure("{} code lengths need {} bytes, but {} are present", symbol_count,
                                    (symbol_count + 1) / 2, size);
    for (size_t s = 0; s < symbol_count; ++s) lengths[s] = static_cast<uint8_t>((data[s / 2] >> (4 * (s % 2))) & 0x0f);
    return {};
}

namespace {

// Kinds 0 and 4: the 8-byte header of float values.
CodecStatus read_float_header(const uint8_t* blob, size_t size, LayerHeader& h) {
    if (size < kDenseHeaderBytes) return CodecStatus::failure("float blob header needs 8 bytes, but {} are present", size);
    if (blob[1] != 0 || blob[2] != 0 || blob[3] != 0)
        return CodecStatus::failure("float blob header has non-zero reserved bytes");
    h.numel = load_u32(blob + 4);
    h.count = h.numel;
    h.header_bytes = kDenseHeaderBytes;
    return {};
}

// Kind 3.
CodecStatus read_range_header(const uint8_t* blob, size_t size, LayerHeader& h) {
    if (size < kRangeHeaderBytes) return CodecStatus::failure("range-coded blob header needs 12 bytes, but {} are present", size);
    h.window = blob[1];
    h.codebook_size = size_t{blob[2]} + 1;
    h.numel = load_u32(blob + 4);
    h.count = load_u32(blob + 8);
    if (blob[3] != 0) return CodecStatus::failure("range-coded blob header has a non-zero reserved byte");
    if (h.window == 0 || h.numel % static_cast<uint64_t>(h.window) != 0)
        return CodecStatus::failure("range-coded blob of {} weights has kernels of {}", h.numel,
                                    static_cast<uint64_t>(h.window));
    if (h.count > h.numel)
        return CodecStatus::failure("range-coded blob has {} non-zero codes, more than its {} weights", h.count, h.numel);
    h.header_bytes = kRangeHeaderBytes;
    return {};
}

// Kinds 1 and 2, and their codebook.
CodecStatus read_codebook_header(const uint8_t* blob, size_t size, LayerHeader& h) {
    if (size < kCodebookHeaderBytes) return CodecStatus::failure("codebook blob header needs 12 bytes, but {} are present", size);
    h.bits = blob[1];
    h.gap_bits = blob[2];
    h.codebook_size = size_t{blob[3]} + 1;
    h.numel = load_u32(blob + 4);
    h.count = load_u32(blob + 8);
    if (h.bits < 1 || h.bits > 8)
        return CodecStatus::failure("codebook blob has code width {}, outside 1..8", static_cast<uint64_t>(h.bits));
    if (h.gap_bits > 8) return CodecStatus::failure("codebook blob has gap width {}, outside 0..8", static_cast<uint64_t>(h.gap_bits));
    if (h.codebook_size > (size_t{1} << h.bits))
        return CodecStatus::failure("codebook blob has {} codebook entries, more than {}-bit codes address", h.codebook_size,
                                    static_cast<uint64_t>(h.bits));
    if (h.count > h.numel)
        return CodecStatus::failure("codebook blob stores {} entries, more than its {} weights", h.count, h.numel);
    if (h.gap_bits == 0 && h.count != h.numel)
        return CodecStatus::failure("positional codebook blob stores {} codes for {} weights", h.count, h.numel);
    h.header_bytes = kCodebookHeaderBytes + 4 * h.codebook_size;
    if (size < h.header_bytes)
        return CodecStatus::failure("codebook blob needs {} bytes for its header and {}-entry codebook, but {} are present",
                                    h.header_bytes, h.codebook_size, size);
    return {};
}

// The header of a blob of `kind` (blob[0] already read).
CodecStatus read_kind_header(BlobKind kind, const uint8_t* blob, size_t size, LayerHeader& h) {
    h = LayerHeader{};
    h.kind = kind;
    CodecStatus s = kind == BlobKind::Dense || kind == BlobKind::FloatRange ? read_float_header(blob, size, h)
                    : kind == BlobKind::CodebookRange                        ? read_range_header(blob, size, h)
                                                                             : read_codebook_header(blob, size, h);
    if (s && h.numel > kMaxBlobElements) return CodecStatus::failure("layer blob claims {} weights, too many", h.numel);
    return s;
}

using HeaderReader = CodecStatus (*)(const uint8_t* blob, size_t size, LayerHeader& h);

// The header of a blob that must be of `kind` and hold `numel` weights, read by `read` (that
// kind's reader: a package links the header code of the kinds it stores only).
CodecStatus read_header_of(BlobKind kind, HeaderReader read, const uint8_t* blob, size_t size, size_t numel,
                           LayerHeader& h) {
    h = LayerHeader{};
    h.kind = kind;
    if (size < 1) return CodecStatus::failure("layer blob is empty");
    if (blob[0] != static_cast<uint8_t>(kind))
        return CodecStatus::failure("layer blob of kind {} given to the decoder of kind {}", blob[0],
                                    static_cast<uint64_t>(kind));
    CodecStatus s = read(blob, size, h);
    if (!s) return s;
    if (h.numel > kMaxBlobElements) return CodecStatus::failure("layer blob claims {} weights, too many", h.numel);
    if (h.numel != numel) return CodecStatus::failure("layer blob holds {} weights, expected {}", h.numel, numel);
    return {};
}

}  // namespace

CodecStatus read_layer_header(const uint8_t* blob, size_t size, LayerHeader& h) {
    h = LayerHeader{};
    if (size < 1) return CodecStatus::failure("layer blob is empty");
    if (blob[0] >= kBlobKinds)
        return CodecStatus::failure("layer blob has unknown kind {} (expected 0, 1, 2, 3 or 4)", blob[0]);
    return read_kind_header(static_cast<BlobKind>(blob[0]), blob, size, h);
}

CodecStatus expand_codebook_layer(const float* codebook, size_t codebook_size, const uint8_t* codes,
                                  const uint8_t* gaps, size_t count, float* out, size_t numel) {
    if (codebook_size == 0) return CodecStatus::failure("the codebook is empty");
    if (gaps == nullptr && count != numel)
        return CodecStatus::failure("positional codes: {} codes for {} weights", count, numel);
    for (size_t p = 0; p < numel; ++p) out[p] = codebook[0];
    int64_t pos = -1;
    for (size_t i = 0; i < count; ++i) {
        pos += gaps == nullptr ? 1 : static_cast<int64_t>(gaps[i]) + 1;
        if (static_cast<uint64_t>(pos) >= numel)
            return CodecStatus::failure("stored entry {} of {} lands at position {}, past the {} weights of the layer",
                                        i, count, static_cast<uint64_t>(pos), numel);
        if (codes[i] >= codebook_size)
            return CodecStatus::failure("stored entry {} has code {}, but the codebook has only {} entries", i, codes[i],
                                        codebook_size);
        out[pos] = codebook[codes[i]];
    }
    return {};
}

CodecStatus expand_dense_blob(const uint8_t* blob, size_t size, float* out, size_t numel) {
    LayerHeader h;
    CodecStatus s = read_header_of(BlobKind::Dense, read_float_header, blob, size, numel, h);
    if (!s) return s;
    if (size - kDenseHeaderBytes != 4 * h.numel)
        return CodecStatus::failure("dense blob of {} values needs {} bytes, but {} are present", h.numel,
                                    kDenseHeaderBytes + 4 * h.numel, size);
    for (size_t i = 0; i < numel; ++i) out[i] = load_f32(blob + kDenseHeaderBytes + 4 * i);
    return {};
}

CodecStatus expand_codebook_blob(const uint8_t* blob, size_t size, float* out, size_t numel) {
    LayerHeader h;
    CodecStatus s = read_header_of(BlobKind::Codebook, read_codebook_header, blob, size, numel, h);
    if (!s) return s;
    float codebook[kMaxHuffmanSymbols];
    read_codebook(blob, h, codebook);
    // Fixed-width codes and gaps after the codebook, unpacked a block at a time onto the stack.
    const uint8_t* body = blob + h.header_bytes;
    const size_t count = static_cast<size_t>(h.count);
    const size_t code_bytes = packed_bytes(count, h.bits);
    const size_t gap_bytes = h.gap_bits == 0 ? 0 : packed_bytes(count, h.gap_bits);
    if (size - h.header_bytes != code_bytes + gap_bytes)
        return CodecStatus::failure("codebook blob: {} entries need {} bytes of codes and gaps, but {} are present", count,
                                    code_bytes + gap_bytes, size - h.header_bytes);
    BitReader codes(body, code_bytes), gaps(body + code_bytes, gap_bytes);
    for (size_t p = 0; p < numel; ++p) out[p] = codebook[0];
    int64_t pos = -1;
    for (size_t i = 0; i < count; ++i) {
        uint32_t code = 0, gap = 0;
        codes.read(h.bits, code);  // the sizes are checked above: every read succeeds
        if (h.gap_bits != 0) gaps.read(h.gap_bits, gap);
        pos += static_cast<int64_t>(gap) + 1;
        if (static_cast<uint64_t>(pos) >= numel)
            return CodecStatus::failure("stored entry {} of {} lands at position {}, past the {} weights of the layer",
                                        i, count, static_cast<uint64_t>(pos), numel);
        if (code >= h.codebook_size)
            return CodecStatus::failure("stored entry {} has code {}, but the codebook has only {} entries", i, code,
                                        h.codebook_size);
        out[pos] = codebook[code];
    }
    return {};
}

CodecStatus expand_huffman_blob(const uint8_t* blob, size_t size, float* out, size_t numel) {
    LayerHeader h;
    CodecStatus s = read_header_of(BlobKind::CodebookHuffman, read_codebook_header, blob, size, numel, h);
    if (!s) return s;
    float codebook[kMaxHuffmanSymbols];
    read_codebook(blob, h, codebook);
    // Code-length tables and one interleaved Huffman stream after the codebook.
    const uint8_t* body = blob + h.header_bytes;
    const size_t body_size = size - h.header_bytes;
    const size_t code_table = (h.codebook_size + 1) / 2;
    const size_t gap_symbols = h.gap_bits == 0 ? 0 : size_t{1} << h.gap_bits;
    const size_t gap_table = (gap_symbols + 1) / 2;
    if (body_size < code_table + gap_table)
        return CodecStatus::failure("Huffman blob: code-length tables need {} bytes, but {} are present",
                                    code_table + gap_table, body_size);
    uint8_t lengths[kMaxHuffmanSymbols];
    HuffmanDecoder codes, gaps;
    s = read_code_lengths(body, code_table, h.codebook_size, lengths);
    if (s) s = codes.init(lengths, h.codebook_size);
    if (s && gap_symbols != 0) {
        s = read_code_lengths(body + code_table, gap_table, gap_symbols, lengths);
        if (s) s = gaps.init(lengths, gap_symbols);
    }
    if (!s) return s;

    const size_t stream_bytes = body_size - code_table - gap_table;
    BitReader in(body + code_table + gap_table, stream_bytes);
    for (size_t p = 0; p < numel; ++p) out[p] = codebook[0];
    int64_t pos = -1;
    for (uint64_t i = 0; i < h.count; ++i) {
        uint32_t gap = 0, code = 0;
        if (gap_symbols != 0 && !gaps.decode(in, gap))
            return CodecStatus::failure("Huffman blob: the stream ends or is corrupt at the gap of entry {} of {} (bit {} "
                                        "of {})",
                                        i, h.count, in.bit_position(), stream_bytes * 8);
        if (!codes.decode(in, code))
            return CodecStatus::failure("Huffman blob: the stream ends or is corrupt at the code of entry {} of {} (bit {} "
                                        "of {})",
                                        i, h.count, in.bit_position(), stream_bytes * 8);
        pos += static_cast<int64_t>(gap) + 1;
        if (static_cast<uint64_t>(pos) >= numel)
            return CodecStatus::failure("Huffman blob: entry {} lands at position {}, past the {} weights", i,
                                        static_cast<uint64_t>(pos), numel);
        out[pos] = codebook[code];
    }
    const size_t left = in.bits_left();
    if (left >= 8 || in.peek(static_cast<int>(left)) != 0)
        return CodecStatus::failure("Huffman blob: {} bits follow the last entry (at most 7 zero bits of padding "
                                    "expected)",
                                    left);
    return {};
}

CodecStatus expand_range_blob(const uint8_t* blob, size_t size, float* out, size_t numel) {
    LayerHeader h;
    CodecStatus s = read_header_of(BlobKind::CodebookRange, read_range_header, blob, size, numel, h);
    if (!s) return s;
    RangeDecoder in(blob + h.header_bytes, size - h.header_bytes);
    WeightModel model;
    uint32_t patterns[kMaxHuffmanSymbols];
    if (!code_codebook(in, model, patterns, h.codebook_size))
        return CodecStatus::failure("range-coded blob: its codebook does not decode");
    float codebook[kMaxHuffmanSymbols];
    for (size_t i = 0; i < h.codebook_size; ++i) codebook[i] = from_bits(patterns[i]);
    uint8_t classes[kMaxHuffmanSymbols];
    code_classes(patterns, h.codebook_size, classes);
    DecodedValues values{codebook, out};
    if (!code_weights(in, model, values, numel, static_cast<size_t>(h.window), h.codebook_size, classes))
        return CodecStatus::failure("range-coded blob: a code outside the {}-entry codebook", h.codebook_size);
    if (values.nonzero != h.count)
        return CodecStatus::failure("range-coded blob: {} non-zero codes decoded, {} expected", values.nonzero, h.count);
    if (!in.at_end()) return CodecStatus::failure("range-coded blob: the stream does not end where its codes do");
    return {};
}

CodecStatus expand_float_range_blob(const uint8_t* blob, size_t size, float* out, size_t numel) {
    LayerHeader h;
    CodecStatus s = read_header_of(BlobKind::FloatRange, read_float_header, blob, size, numel, h);
    if (!s) return s;
    RangeDecoder in(blob + h.header_bytes, size - h.header_bytes);
    FloatModel model;
    for (size_t i = 0; i < numel; ++i) out[i] = from_bits(code_float(in, model, 0));
    if (!in.at_end()) return CodecStatus::failure("range-coded float blob: the stream does not end where its values do");
    return {};
}

const LayerDecoder kLayerDecoders[kBlobKinds] = {expand_dense_blob, expand_codebook_blob, expand_huffman_blob,
                                                 expand_range_blob, expand_float_range_blob};

CodecStatus expand_layer_blob_with(const LayerDecoder* decoders, size_t count, const uint8_t* blob, size_t size,
                                   float* out, size_t numel) {
    if (size < 1) return CodecStatus::failure("layer blob is empty");
    if (blob[0] >= count || !decoders[blob[0]])
        return CodecStatus::failure("layer blob has kind {}, which this package does not decode", blob[0]);
    return decoders[blob[0]](blob, size, out, numel);
}

CodecStatus expand_layer_blob(const uint8_t* blob, size_t size, float* out, size_t numel) {
    if (size >= 1 && blob[0] >= kBlobKinds)
        return CodecStatus::failure("layer blob has unknown kind {} (expected 0, 1, 2, 3 or 4)", blob[0]);
    return expand_layer_blob_with(kLayerDecoders, kBlobKinds, blob, size, out, numel);
}

}  // namespace SQZ_PACKAGE::runtime
