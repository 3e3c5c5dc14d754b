// Kind-3 layer blobs (see range_blob.h).
#include "compiler/compression/range_blob.h"

#include "compiler/compression/codebook_form.h"
#include "compiler/compression/range_encoder.h"
#include "ir/error.h"
#include "runtime/weight_codec.h"
#include "runtime/weight_model.h"

#include <cstring>

namespace sqz::compiler {
namespace {

void put_u32(std::vector<uint8_t>& out, uint64_t v) {
    SQZ_ASSERT(v <= 0xffffffffu, "blob field {} does not fit 32 bits", v);
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

// The codes as weight_model.h's code_weights reads them from an encoder.
struct EncodedCodes {
    const std::vector<uint8_t>& codes;
    uint32_t get(size_t i) const { return codes[i]; }
    void put(size_t, uint32_t) const {}
};

}  // namespace

std::vector<uint8_t> encode_float_range_blob(const std::vector<float>& values) {
    if (values.size() > runtime::kMaxBlobElements)
        user_error("a constant of {} values is too large for a weight blob", values.size());
    std::vector<uint8_t> out{static_cast<uint8_t>(runtime::BlobKind::FloatRange), 0, 0, 0};
    put_u32(out, values.size());
    RangeEncoder encoder;
    runtime::FloatModel model;
    for (float v : values) {
        uint32_t bits;
        std::memcpy(&bits, &v, 4);
        runtime::code_float(encoder, model, bits);
    }
    const std::vector<uint8_t> stream = encoder.finish();
    out.insert(out.end(), stream.begin(), stream.end());
    return out;
}

int64_t weight_window(const std::vector<int64_t>& dims) {
    if (dims.size() != 4) return 1;
    const int64_t window = dims[2] * dims[3];
    return window >= 1 && window <= 255 ? window : 1;
}

std::vector<uint8_t> encode_range_blob(const ir::CodebookWeights& w, int64_t numel, int64_t window) {
    if (w.codebook.empty() || w.codebook.size() > runtime::kMaxHuffmanSymbols)
        user_error("codebook weights have {} codebook entries; a blob holds 1 to 256", w.codebook.size());
    if (numel < 0 || static_cast<uint64_t>(numel) > runtime::kMaxBlobElements)
        user_error("a layer of {} weights is too large for a weight blob", numel);
    if (window < 1 || window > 255 || numel % window != 0)
        user_error("a layer of {} weights cannot be coded in kernels of {}", numel, window);
    const std::vector<uint8_t> codes = positional_codes(w, numel);  // checks the entries' positions
    uint64_t nonzero = 0;
    for (uint8_t c : codes) {
        if (c >= w.codebook.size())
            user_error("a code {} outside the {}-entry codebook", static_cast<int>(c), w.codebook.size());
        nonzero += c != 0;
    }

    std::vector<uint8_t> out{static_cast<uint8_t>(runtime::BlobKind::CodebookRange), static_cast<uint8_t>(window),
                             static_cast<uint8_t>(w.codebook.size() - 1), 0};
    put_u32(out, static_cast<uint64_t>(numel));
    put_u32(out, nonzero);
    RangeEncoder encoder;
    runtime::WeightModel model;
    std::vector<uint32_t> patterns(w.codebook.size());
    std::memcpy(patterns.data(), w.codebook.data(), patterns.size() * 4);
    runtime::code_codebook(encoder, model, patterns.data(), patterns.size());
    std::vector<uint8_t> classes(patterns.size());
    runtime::code_classes(patterns.data(), patterns.size(), classes.data());
    EncodedCodes encoded{codes};
    runtime::code_weights(encoder, model, encoded, codes.size(), static_cast<size_t>(window), w.codebook.size(),
                          classes.data());
    const std::vector<uint8_t> stream = encoder.finish();
    out.insert(out.end(), stream.begin(), stream.end());
    return out;
}

}  // namespace sqz::compiler
