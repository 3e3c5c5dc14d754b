// Decoders for compressed weights, run once when a package sets up a model: a bit reader, a
// fixed-width unpacker, a canonical Huffman decoder, a range decoder with context models
// (range_decoder.h, weight_model.h) and the expansion of one layer's blob into dense float values.
// The compiler's encoders (compiler/compression/) write what this reads. Depends on the C++
// standard library only (it is copied into generated packages), allocates nothing and builds no
// strings. Every length is checked against the bytes present; malformed input gives an error,
// never a read past the end.
//
// Layer blob format (all little-endian; the blob ends exactly where its last field ends):
//
//   offset  size  field
//   0       1     kind: 0 dense float32, 1 codebook (fixed-width fields), 2 codebook Huffman-coded,
//                 3 codebook range-coded, 4 float32 range-coded
//   kind 0 (dense):
//   1       3     zero
//   4       4     numel (u32)
//   8       4n    float32 values[numel]
//   kinds 1 and 2 (codebook):
//   1       1     bits: code width, 1..8 (the codebook has at most 2^bits entries)
//   2       1     gap_bits: 0 = positional (one code per weight, no gaps), else 1..8
//   3       1     codebook size - 1 (1..256 entries)
//   4       4     numel (u32)
//   8       4     count (u32): stored entries; equals numel when positional
//   12      4c    float32 codebook[codebook size]
//   kind 1 then: codes, `bits` each, then (unless positional) gaps, `gap_bits` each; each field
//          packed LSB-first into ceil(count * width / 8) bytes (4-bit gaps: two per byte, the low
//          nibble first, as in Deep Compression's .net files).
//   kind 2 then: the Huffman code lengths of the codebook-size code symbols, then (unless
//          positional) of the 2^gap_bits gap symbols, 4 bits each (0 = symbol absent), packed
//          low nibble first, each table padded to whole bytes; then one bit stream holding, per
//          stored entry, the gap symbol (unless positional) and then the code symbol. Canonical
//          codes (DEFLATE's assignment: shorter codes first, ties by symbol), each code's first
//          bit first, bits filled into bytes LSB-first; the stream's last byte is zero-padded.
//   kind 3 (codebook, range-coded; one code per weight):
//   1       1     window: weights per kernel (kh x kw of an OIHW weight), 1..255
//   2       1     codebook size - 1 (1..256 entries)
//   3       1     zero
//   4       4     numel (u32), a multiple of window
//   8       4     count (u32): weights whose code is not 0
//   12      ...   one range-coded stream (range_decoder.h) through the models of weight_model.h:
//                 the codebook's float32 bit patterns (code_codebook), then every weight's code
//                 (code_weights, in the contexts of code_classes). It ends exactly where the
//                 decoder's last read does.
//   kind 4 (float32 values, range-coded: biases and other constants without a codebook):
//   1       3     zero
//   4       4     numel (u32)
//   8       ...   one range-coded stream: each value's bit pattern (weight_model.h's code_float:
//                 sign and exponent through adaptive models, the mantissa at probability 1/2),
//                 ending exactly where the decoder's last read does.
//
// Meaning (as ir::CodebookWeights::decode): every weight starts at codebook[0]; with gaps, entry i
// lands at p(i) = p(i-1) + gap[i] + 1 with p(-1) = -1 and takes codebook[code[i]]; positional
// blobs give weight p the value codebook[code[p]].
#pragma once

#include "codec_status.h"
#include "prefix.h"

#include <cstddef>
#include <cstdint>

namespace SQZ_PACKAGE::runtime {

// ---- Format constants (shared with the compiler's encoders) ----
enum class BlobKind : uint8_t { Dense = 0, Codebook = 1, CodebookHuffman = 2, CodebookRange = 3, FloatRange = 4 };
constexpr int kBlobKinds = 5;
static_assert(static_cast<int>(BlobKind::FloatRange) + 1 == kBlobKinds, "kBlobKinds counts every BlobKind");
constexpr size_t kDenseHeaderBytes = 8;
constexpr size_t kCodebookHeaderBytes = 12;
constexpr size_t kRangeHeaderBytes = 12;
constexpr size_t kFloatRangeHeaderBytes = 8;
constexpr int kMaxHuffmanLength = 15;        // code lengths are stored in 4 bits
constexpr size_t kMaxHuffmanSymbols = 256;   // alphabets of codes and gaps
constexpr uint64_t kMaxBlobElements = 1000000000;  // as ir::Limits: refuse larger layers

// Reads bits LSB-first from a byte buffer; never past its end.
class BitReader {
public:
    BitReader(const uint8_t* data, size_t size) : data_(data), size_(size) {}

    // The next `count` (0..24) bits without consuming them; bits past the end read as zero.
    uint32_t peek(int count) const;
    // Consumes `count` bits; false (nothing consumed) if fewer remain.
    bool skip(size_t count);
    // Reads `count` (0..24) bits; false (nothing consumed) if fewer remain.
    bool read(int count, uint32_t& value);
    size_t bits_left() const { return size_ * 8 - position_; }
    size_t bit_position() const { return position_; }

private:
    const uint8_t* data_;
    size_t size_;
    size_t position_ = 0;  // in bits
};

// Unpacks `count` values of `width` bits (1..8), packed LSB-first, from exactly
// ceil(count * width / 8) bytes. Fails if `size` differs from that.
CodecStatus unpack_bits(const uint8_t* data, size_t size, int width, size_t count, uint8_t* out);
// Bytes that `count` values of `width` bits take when packed.
inline size_t packed_bytes(size_t count, int width) { return (count * static_cast<size_t>(width) + 7) / 8; }

// A canonical Huffman decoder for code lengths up to kMaxHuffmanLength over at most
// kMaxHuffmanSymbols symbols, reading a code bit by bit against the first code of each length.
// Incomplete codes are accepted (a single symbol has a 1-bit code); bit patterns that are no
// code's prefix decode to an error.
class HuffmanDecoder {
public:
    // Builds the tables from one length per symbol (0 = absent). Fails on a length over the limit,
    // too many symbols, or lengths that over-subscribe the code space.
    CodecStatus init(const uint8_t* lengths, size_t symbol_count);
    // Decodes one symbol; false (nothing consumed) at the end of the stream or on a pattern that
    // is no code.
    bool decode(BitReader& in, uint32_t& symbol) const;

private:
    uint16_t count_[kMaxHuffmanLength + 1] = {};  // codes of each length
    uint8_t symbols_[kMaxHuffmanSymbols] = {};    // by length, then by symbol
    int max_length_ = 0;
};

// Reads `symbol_count` 4-bit code lengths (low nibble first) from exactly ceil(symbol_count / 2) bytes.
CodecStatus read_code_lengths(const uint8_t* data, size_t size, size_t symbol_count, uint8_t* lengths);

// The fixed header of a layer blob.
struct LayerHeader {
    BlobKind kind = BlobKind::Dense;
    int bits = 0;              // kinds 1 and 2
    int gap_bits = 0;          // kinds 1 and 2; 0: positional
    int window = 0;            // kind 3
    size_t codebook_size = 0;
    uint64_t numel = 0;
    uint64_t count = 0;        // stored entries (kind 3: non-zero codes)
    size_t header_bytes = 0;   // fixed header plus codebook (kind 3: the fixed header)
};

// Parses and checks the header (and that the codebook is present).
CodecStatus read_layer_header(const uint8_t* blob, size_t size, LayerHeader& header);

// Expands stored entries into `numel` dense values exactly as ir::CodebookWeights::decode does.
// `gaps` null means positional (`count` must equal `numel`). Fails if an entry lands past the end
// or a code is outside the codebook.
CodecStatus expand_codebook_layer(const float* codebook, size_t codebook_size, const uint8_t* codes,
                                  const uint8_t* gaps, size_t count, float* out, size_t numel);

// The expansion of one blob kind: a whole blob of that kind into `numel` values at `out` (and
// nothing when its kind or its numel differ).
using LayerDecoder = CodecStatus (*)(const uint8_t* blob, size_t size, float* out, size_t numel);
CodecStatus expand_dense_blob(const uint8_t* blob, size_t size, float* out, size_t numel);
CodecStatus expand_codebook_blob(const uint8_t* blob, size_t size, float* out, size_t numel);
CodecStatus expand_huffman_blob(const uint8_t* blob, size_t size, float* out, size_t numel);
CodecStatus expand_range_blob(const uint8_t* blob, size_t size, float* out, size_t numel);
CodecStatus expand_float_range_blob(const uint8_t* blob, size_t size, float* out, size_t numel);

// Every kind's decoder, indexed by BlobKind.
extern const LayerDecoder kLayerDecoders[kBlobKinds];

// Expands a blob of a kind that `decoders` (indexed by BlobKind, `count` entries; null entries
// refuse their kind) decodes. A package passes the decoders of the kinds it stores, so that its
// linker can leave out the others.
CodecStatus expand_layer_blob_with(const LayerDecoder* decoders, size_t count, const uint8_t* blob, size_t size,
                                   float* out, size_t numel);

// Expands a whole layer blob (any kind) into `numel` values at `out`; `numel` must equal the blob's.
CodecStatus expand_layer_blob(const uint8_t* blob, size_t size, float* out, size_t numel);

}  // namespace SQZ_PACKAGE::runtime
