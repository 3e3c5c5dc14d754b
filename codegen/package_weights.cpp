// Package weights (see package_weights.h).
#include "codegen/package_weights.h"

#include "codegen/shared_runs.h"

#include "ir/error.h"
#include "runtime/weight_codec.h"
#include "runtime/winograd.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <set>

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
                if (!status) user_error("weight '{}': its compressed blob does not expand: {}", t.constant, status.message.str());
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
                // A Winograd conv's weights: the transform of the values, as runtime/winograd.h
                // computes it in the package; checked here against what lowering packed.
                if (pw.winograd_tile > 0) {
                    const ir::Dims& d = c->type.dims;
                    SQZ_ASSERT(d.size() == 4 && d[2] == 3 && d[3] == 3, "weight '{}' of a Winograd conv is not 3x3", t.constant);
                    std::vector<float> u(static_cast<size_t>(t.numel));
                    runtime::winograd_transform_weights(values.data(), d[0], d[1], pw.winograd_tile, u.data());
                    SQZ_ASSERT(u.size() * 4 == pw.buffer.size_in_bytes() &&
                                   std::memcmp(u.data(), pw.buffer.data(), u.size() * 4) == 0,
                               "weight '{}': the Winograd transform does not reproduce its packed values", t.constant);
                    t.expand = true;
                    t.winograd_tile = pw.winograd_tile;
                    t.extents = {static_cast<int32_t>(d[0]), static_cast<int32_t>(d[1]), pw.winograd_tile};
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

RuntimeStoredWeights runtime_stored_weights(const WeightBlob& blob) {
    RuntimeStoredWeights out;
    std::set<runtime::BlobKind> kinds;
    for (const StoredTensor& t : blob.layout) {
        SQZ_ASSERT(t.extents.size() <= static_cast<size_t>(runtime::kMaxStoredRank) &&
                       (t.winograd_tile > 0 || t.extents.size() == t.strides.size()),
                   "stored weight '{}' has {} packed dims and {} strides, at most {} fit", t.constant, t.extents.size(),
                   t.strides.size(), runtime::kMaxStoredRank);
        runtime::StoredTensor r{};
        r.expand = !t.expand ? runtime::kCopy : t.winograd_tile > 0 ? runtime::kWinograd : runtime::kGather;
        constexpr int64_t kLimit = std::numeric_limits<uint32_t>::max();
        if (t.stored_offset + t.stored_bytes > kLimit || t.offset + t.numel * 4 > kLimit)
            user_error("weight '{}' lies past 4 GiB of weights; compressed weights must stay under 4 GiB (use "
                       "--weights-format dense)",
                       t.constant);
        r.stored_offset = static_cast<uint32_t>(t.stored_offset);
        r.stored_bytes = static_cast<uint32_t>(t.stored_bytes);
        r.offset = static_cast<uint32_t>(t.offset);
        if (t.expand) {
            SQZ_ASSERT(t.numel <= std::numeric_limits<int32_t>::max(), "stored weight '{}' of {} values", t.constant, t.numel);
            r.numel = static_cast<int32_t>(t.numel);
            r.rank = static_cast<uint8_t>(t.extents.size());
            std::vector<runtime::StoredDim> dims;
            for (size_t d = 0; d < t.extents.size(); ++d) {
                const int64_t stride = t.winograd_tile > 0 ? 0 : t.strides[d];
                SQZ_ASSERT(stride >= 0 && stride <= std::numeric_limits<int32_t>::max(), "stored weight '{}': stride {}",
                           t.constant, stride);
                dims.push_back({t.extents[d], static_cast<int32_t>(stride)});
            }
            const size_t first = share_run(out.dims, dims, [](const runtime::StoredDim& a, const runtime::StoredDim& b) {
                return a.extent == b.extent && a.stride == b.stride;
            });
            SQZ_ASSERT(first <= std::numeric_limits<uint16_t>::max(), "{} stored dims do not fit the table", first);
            r.first_dim = static_cast<uint16_t>(first);
            kinds.insert(static_cast<runtime::BlobKind>(blob.stored.at(static_cast<size_t>(t.stored_offset))));
            out.winograd = out.winograd || t.winograd_tile > 0;
        }
        out.tensors.push_back(r);
    }
    out.kinds.assign(kinds.begin(), kinds.end());
    return out;
}

std::vector<uint8_t> expand_stored_weights(const WeightBlob& blob) {
    if (!blob.compressed()) return blob.bytes;
    const RuntimeStoredWeights tables = runtime_stored_weights(blob);
    runtime::StoredWeights stored;
    stored.tensors = tables.tensors.data();
    stored.count = tables.tensors.size();
    stored.dims = tables.dims.data();
    stored.dim_count = tables.dims.size();
    stored.decoders = runtime::kLayerDecoders;
    stored.decoder_count = runtime::kBlobKinds;
    stored.winograd = runtime::winograd_transform_weights;
    std::vector<float> values(std::max<size_t>(1, runtime::largest_expansion(stored)));
    std::vector<float> packed((blob.bytes.size() + 3) / 4);  // the expansion writes floats: float-aligned memory
    const runtime::Status status =
        runtime::expand_weights(blob.stored.data(), blob.stored.size(), stored, reinterpret_cast<uint8_t*>(packed.data()),
                                blob.bytes.size(), values.data(), values.size());
    SQZ_ASSERT(status == runtime::Status::Ok, "the stored weights do not expand: {}",
               runtime::status_string(static_cast<int>(status)));
    const auto* bytes = reinterpret_cast<const uint8_t*>(packed.data());
    return std::vector<uint8_t>(bytes, bytes + blob.bytes.size());
}

std::string embedded_weights_source(const std::string& prefix, const WeightBlob& blob) {
    // One string literal rather than a braced list of numbers: g++ reads a 35 MB list of 2.9
    // million words in 11 s and 430 MB, the same bytes as a string in 1.4 s and 160 MB. Printable
    // characters stand for themselves, every other byte is a three-digit octal escape (which
    // ends after three digits, whatever follows); 2.9 characters a byte on float weights.
    const std::vector<uint8_t>& bytes = blob.stored_bytes();
    std::string out = fmt::format(
        "// The weights of package {0}: {1} bytes, packed for the kernels, as one string (the\n"
        "// bytes in order; the terminating zero is not part of them).\n"
        "// Generated by sqzc; constant data, so it stays in read-only memory.\n"
        "#if defined(__GNUC__) || defined(__clang__)\n"
        "#pragma GCC diagnostic ignored \"-Woverlength-strings\"\n"
        "#endif\n\n"
        "alignas(64) extern const unsigned char {0}_weight_data[{2}];\n"
        "alignas(64) const unsigned char {0}_weight_data[{2}] =\n",
        prefix, bytes.size(), bytes.size() + 1);
    out.reserve(out.size() + bytes.size() * 3 + bytes.size() / 64 * 3 + 16);
    constexpr size_t kBytesPerLine = 96;
    for (size_t i = 0; i < bytes.size(); ++i) {
        if (i % kBytesPerLine == 0) out += i == 0 ? "\"" : "\"\n\"";
        const unsigned char c = bytes[i];
        // Not the quote, the backslash, '?' (no trigraphs for older compilers to find) or a
        // character outside printable ASCII.
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '?') {
            out += static_cast<char>(c);
        } else {
            const char escape[4] = {'\\', static_cast<char>('0' + (c >> 6)), static_cast<char>('0' + ((c >> 3) & 7)),
                                    static_cast<char>('0' + (c & 7))};
            out.append(escape, 4);
        }
    }
    out += bytes.empty() ? "\"\";\n" : "\";\n";
    return out;
}

std::string weights_file(const WeightBlob& blob) {
    const std::vector<uint8_t>& data = blob.stored_bytes();
    unsigned char header[runtime::kWeightsFileHeaderBytes];
    runtime::weights_file_header(data.data(), data.size(), header);
    std::string out(reinterpret_cast<const char*>(header), sizeof header);
    return out.append(data.begin(), data.end());
}

}  // namespace sqz::codegen
