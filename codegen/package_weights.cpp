// Package weights (see package_weights.h).
#include "codegen/package_weights.h"

#include "ir/error.h"
#include "runtime/weight_codec.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

namespace sqz::codegen {
namespace {

// Gathers `values` into a packed tensor of `extents` (innermost first) with `strides`.
std::vector<float> gather(const std::vector<float>& values, const std::vector<int32_t>& extents,
                          const std::vector<int64_t>& strides) {
    int64_t total = 1;
    for (int32_t e : extents) total *= e;
    std::vector<float> out(static_cast<size_t>(total));
    std::vector<int32_t> index(extents.size(), 0);
    int64_t src = 0;
    for (int64_t k = 0; k < total; ++k) {
        out[static_cast<size_t>(k)] = values[static_cast<size_t>(src)];
        for (size_t d = 0; d < extents.size(); ++d) {  // odometer, innermost first
            src += strides[d];
            if (++index[d] < extents[d]) break;
            src -= strides[d] * extents[d];
            index[d] = 0;
        }
    }
    return out;
}

void append(std::vector<uint8_t>& out, const void* data, size_t n) {
    const auto* p = static_cast<const uint8_t*>(data);
    out.insert(out.end(), p, p + n);
}

}  // namespace

WeightBlob pack_weight_blob(const LoweredModel& model) {
    WeightBlob blob;
    for (const LoweredKernel& kernel : model.kernels) {
        std::vector<int64_t> offsets;
        for (const PackedWeight& w : kernel.weights) {
            while (blob.bytes.size() % 64 != 0) blob.bytes.push_back(0);
            offsets.push_back(static_cast<int64_t>(blob.bytes.size()));
            // Packed buffers are dense (strides 1, e0, e0*e1, ...), so their bytes are in order.
            const auto* data = static_cast<const uint8_t*>(w.buffer.data());
            blob.bytes.insert(blob.bytes.end(), data, data + w.buffer.size_in_bytes());
        }
        blob.offsets.push_back(offsets);
    }
    while (blob.bytes.size() % 64 != 0) blob.bytes.push_back(0);
    return blob;
}

void compress_weight_blob(WeightBlob& blob, const LoweredModel& model, const ir::Graph& graph,
                          const std::map<std::string, std::vector<uint8_t>>& blobs) {
    blob.layout.clear();
    blob.stored.clear();
    blob.compressed_tensors = 0;
    if (blobs.empty()) return;
    std::vector<StoredTensor> copies, expansions;
    for (size_t k = 0; k < model.kernels.size(); ++k) {
        for (size_t w = 0; w < model.kernels[k].weights.size(); ++w) {
            const PackedWeight& pw = model.kernels[k].weights[w];
            StoredTensor t;
            t.constant = pw.source;
            t.offset = blob.offsets[k][w];
            t.numel = static_cast<int64_t>(pw.buffer.number_of_elements());
            t.stored_bytes = static_cast<int64_t>(pw.buffer.size_in_bytes());
            const auto layer = blobs.find(t.constant);
            const ir::Constant* c = graph.find_constant(t.constant);
            if (layer != blobs.end() && c && c->bound()) {
                if (pw.buffer.type() != Halide::Float(32))
                    user_error("weight '{}' is packed as {}-bit integers; compressed weight formats store float weights "
                               "(use --weights-format dense)",
                               t.constant, pw.buffer.type().bits());
                // The blob must expand to the constant's values, bit for bit.
                std::vector<float> values(static_cast<size_t>(c->type.numel()));
                const runtime::CodecStatus status =
                    runtime::expand_layer_blob(layer->second.data(), layer->second.size(), values.data(), values.size());
                if (!status) user_error("weight '{}': its compressed blob does not expand: {}", t.constant, status.message);
                if (std::memcmp(values.data(), c->data().data(), values.size() * 4) != 0)
                    user_error("weight '{}': its compressed blob does not expand to the weight's values", t.constant);
                // Lowering recorded how it packed the constant's values, when it did so by a pure
                // gather; other tensors (quantised, derived) are stored packed.
                if (pw.gather) {
                    t.extents = pw.gather->extents;
                    t.strides = pw.gather->strides;
                    SQZ_ASSERT(t.extents.size() <= 6, "weight '{}': a gather of rank {}; packages expand up to rank 6",
                               t.constant, t.extents.size());
                    const std::vector<float> g = gather(values, t.extents, t.strides);
                    SQZ_ASSERT(g.size() * 4 == pw.buffer.size_in_bytes() &&
                                   std::memcmp(g.data(), pw.buffer.data(), g.size() * 4) == 0,
                               "weight '{}': the gather recorded by lowering does not reproduce its packed values",
                               t.constant);
                    t.expand = true;
                    t.stored_bytes = static_cast<int64_t>(layer->second.size());
                    expansions.push_back(std::move(t));
                    continue;
                }
            }
            copies.push_back(std::move(t));
        }
    }
    // Copied tensors first, then the blobs, each 4-byte aligned.
    for (StoredTensor& t : copies) {
        t.stored_offset = static_cast<int64_t>(blob.stored.size());
        append(blob.stored, blob.bytes.data() + t.offset, static_cast<size_t>(t.stored_bytes));
        while (blob.stored.size() % 4 != 0) blob.stored.push_back(0);
        blob.layout.push_back(std::move(t));
    }
    for (StoredTensor& t : expansions) {
        t.stored_offset = static_cast<int64_t>(blob.stored.size());
        const std::vector<uint8_t>& bytes = blobs.at(t.constant);
        append(blob.stored, bytes.data(), bytes.size());
        while (blob.stored.size() % 4 != 0) blob.stored.push_back(0);
        blob.layout.push_back(std::move(t));
        ++blob.compressed_tensors;
    }
    // The package's expansion must rebuild the packed image exactly.
    SQZ_ASSERT(expand_stored_weights(blob) == blob.bytes, "compressed weights do not expand to the packed weights");
}

std::vector<uint8_t> expand_stored_weights(const WeightBlob& blob) {
    if (!blob.compressed()) return blob.bytes;
    std::vector<uint8_t> out(blob.bytes.size(), 0);
    for (const StoredTensor& t : blob.layout) {
        const uint8_t* src = blob.stored.data() + t.stored_offset;
        if (!t.expand) {
            std::memcpy(out.data() + t.offset, src, static_cast<size_t>(t.stored_bytes));
            continue;
        }
        std::vector<float> values(static_cast<size_t>(t.numel));
        const runtime::CodecStatus status =
            runtime::expand_layer_blob(src, static_cast<size_t>(t.stored_bytes), values.data(), values.size());
        SQZ_ASSERT(status.ok, "stored weight '{}' does not expand: {}", t.constant, status.message);
        const std::vector<float> packed = gather(values, t.extents, t.strides);
        std::memcpy(out.data() + t.offset, packed.data(), packed.size() * 4);
    }
    return out;
}

std::string expand_weights_source(const std::string& prefix, const WeightBlob& blob) {
    if (!blob.compressed()) return "";
    std::string G = prefix;
    for (char& c : G) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    std::string table;
    int64_t largest = 1;
    for (const StoredTensor& t : blob.layout) {
        std::string extents, strides;
        for (size_t d = 0; d < t.extents.size(); ++d) {
            extents += fmt::format("{}{}", d ? ", " : "", t.extents[d]);
            strides += fmt::format("{}{}", d ? ", " : "", t.strides[d]);
        }
        if (t.expand) largest = std::max(largest, t.numel);
        std::string comment;
        for (char c : t.constant) comment.push_back(c >= 0x20 && c < 0x7f ? c : '?');
        table += fmt::format("    {{{}, {}, {}, {}, {}, {}, {{{}}}, {{{}}}}},  // {}\n", t.expand ? 1 : 0, t.extents.size(),
                             t.stored_offset, t.stored_bytes, t.offset, t.numel, extents, strides, comment);
    }
    return fmt::format(R"SRC(
// The stored weights ({count} tensors, {compressed} of them compressed): each tensor is either its
// packed bytes, copied, or a layer blob ({N}_weight_codec.h) expanded into the weight's values and
// gathered into the packed layout: packed element (i0, i1, ...) (innermost first) is value
// sum(ik * stride[k]).
struct StoredTensor {{
    uint8_t expand;
    int8_t rank;
    int64_t stored_offset, stored_bytes, offset, numel;
    int32_t extent[6];
    int64_t stride[6];
}};
constexpr StoredTensor kStored[] = {{
{table}}};
constexpr size_t kLargestBlob = {largest};  // values

// Expands m.weights (the stored form) into the packed weights the kernels read; once, at create.
int expand_weights({N}_model& m) {{
    uint8_t* packed = static_cast<uint8_t*>(std::aligned_alloc(64, {G}_PACKED_WEIGHT_BYTES));
    float* values = static_cast<float*>(std::malloc(kLargestBlob * sizeof(float)));
    if (!packed || !values) {{
        std::free(packed);
        std::free(values);
        return {G}_ERROR_OUT_OF_MEMORY;
    }}
    std::memset(packed, 0, {G}_PACKED_WEIGHT_BYTES);
    int status = {G}_OK;
    try {{
        for (const StoredTensor& t : kStored) {{
            const uint8_t* from = m.weights + t.stored_offset;
            if (!t.expand) {{
                std::memcpy(packed + t.offset, from, static_cast<size_t>(t.stored_bytes));
                continue;
            }}
            if (!{N}::runtime::expand_layer_blob(from, static_cast<size_t>(t.stored_bytes), values,
                                                 static_cast<size_t>(t.numel))) {{
                status = {G}_ERROR_WEIGHTS;
                break;
            }}
            float* out = reinterpret_cast<float*>(packed + t.offset);
            int32_t index[6] = {{}};
            int64_t source = 0;
            for (int64_t k = 0; k < t.numel; ++k) {{
                out[k] = values[source];
                for (int d = 0; d < t.rank; ++d) {{  // the next packed element, innermost dim first
                    source += t.stride[d];
                    if (++index[d] < t.extent[d]) break;
                    source -= t.stride[d] * t.extent[d];
                    index[d] = 0;
                }}
            }}
        }}
    }} catch (...) {{  // the decoder's tables are std::vectors
        status = {G}_ERROR_OUT_OF_MEMORY;
    }}
    std::free(values);
    if (status != {G}_OK) {{
        std::free(packed);
        return status;
    }}
    std::free(m.owned_weights);
    m.owned_weights = packed;
    m.weights = packed;
    return {G}_OK;
}}
)SRC",
                       fmt::arg("N", prefix), fmt::arg("G", G), fmt::arg("table", table), fmt::arg("largest", largest),
                       fmt::arg("count", blob.layout.size()), fmt::arg("compressed", blob.compressed_tensors));
}

std::string embedded_weights_source(const std::string& prefix, const WeightBlob& blob) {
    const std::vector<uint8_t>& bytes = blob.stored_bytes();
    const size_t words = bytes.size() / 4;
    std::string out = fmt::format(
        "// The weights of package {0}: {1} bytes, packed for the kernels, as little-endian 32-bit words.\n"
        "// Generated by sqzc; constant data, so it stays in read-only memory.\n"
        "#include <cstdint>\n\n"
        "alignas(64) extern const uint32_t {0}_weight_data[{2}];\n"
        "alignas(64) const uint32_t {0}_weight_data[{2}] = {{\n",
        prefix, bytes.size(), words);
    out.reserve(out.size() + words * 12 + 64);
    static const char* digits = "0123456789abcdef";
    for (size_t i = 0; i < words; ++i) {
        uint32_t value = 0;
        for (int b = 0; b < 4; ++b) value |= static_cast<uint32_t>(bytes[i * 4 + b]) << (8 * b);
        char word[12] = {'0', 'x'};
        for (int d = 0; d < 8; ++d) word[2 + d] = digits[(value >> (28 - 4 * d)) & 15];
        word[10] = ',';
        word[11] = (i % 8 == 7) ? '\n' : ' ';
        out.append(word, 12);
    }
    out += "\n};\n";
    return out;
}

std::string weights_file(const WeightBlob& blob) {
    const size_t n = blob.stored_bytes().size();
    uint64_t hash = 0xcbf29ce484222325ULL;
    const std::string data(blob.stored_bytes().begin(), blob.stored_bytes().end());
    for (unsigned char c : data) hash = (hash ^ c) * 0x100000001b3ULL;
    std::string out = "SQZW";
    auto put = [&](uint64_t v, int bytes) {
        for (int b = 0; b < bytes; ++b) out.push_back(static_cast<char>(v >> (8 * b)));
    };
    put(1, 4);           // format version
    put(n, 8);           // byte count
    put(hash, 8);        // FNV-1a 64 of the data bytes
    return out + data;
}

}  // namespace sqz::codegen
