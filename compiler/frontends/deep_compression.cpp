// Deep Compression `.net` weights (see deep_compression.h). Every length is checked against the
// bytes present before anything is read or allocated.
#include "compiler/frontends/deep_compression.h"

#include "compiler/file_io.h"
#include "ir/error.h"
#include "ir/verifier.h"

#include <cstring>

namespace sqz::compiler {
namespace {

constexpr size_t kCodebookEntries = 256;

class Reader {
public:
    Reader(std::string_view bytes, const std::string& file) : bytes_(bytes), file_(file) {}

    // Takes `count` bytes for `what`, or fails naming what is missing.
    std::string_view take(uint64_t count, const std::string& what) {
        if (count > bytes_.size() - pos_)
            user_error("{}: {} needs {} bytes at offset {}, but only {} remain", file_, what, count, pos_,
                       bytes_.size() - pos_);
        std::string_view out = bytes_.substr(pos_, static_cast<size_t>(count));
        pos_ += static_cast<size_t>(count);
        return out;
    }

    uint32_t u32(const std::string& what) {
        std::string_view b = take(4, what);
        uint32_t v = 0;
        for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(static_cast<unsigned char>(b[i])) << (8 * i);
        return v;
    }

    std::vector<float> f32s(size_t count, const std::string& what) {
        std::string_view b = take(uint64_t{count} * 4, what);
        std::vector<float> out(count);
        for (size_t i = 0; i < count; ++i) {
            uint32_t v = 0;
            for (int k = 0; k < 4; ++k) v |= static_cast<uint32_t>(static_cast<unsigned char>(b[i * 4 + k])) << (8 * k);
            std::memcpy(&out[i], &v, 4);
        }
        return out;
    }

    size_t remaining() const { return bytes_.size() - pos_; }
    size_t offset() const { return pos_; }

private:
    std::string_view bytes_;
    const std::string& file_;
    size_t pos_ = 0;
};

}  // namespace

void bind_deep_compression_bytes(ir::Graph& graph, std::string_view bytes, const std::string& file) {
    std::vector<ir::Node*> convs;
    for (ir::Node& n : graph.nodes)
        if (n.op == ir::OpKind::Conv) convs.push_back(&n);
    if (convs.empty()) user_error("{}: the model has no convolution layers to bind", file);

    Reader in(bytes, file);
    std::vector<uint32_t> nnz(convs.size());
    for (size_t i = 0; i < convs.size(); ++i)
        nnz[i] = in.u32(fmt::format("the stored-entry count of layer {} ('{}')", i, convs[i]->name));

    for (size_t i = 0; i < convs.size(); ++i) {
        const ir::Node& conv = *convs[i];
        ir::Constant* weight = graph.find_constant(conv.inputs[1]);
        ir::Constant* bias = conv.inputs.size() > 2 ? graph.find_constant(conv.inputs[2]) : nullptr;
        SQZ_ASSERT(weight != nullptr, "conv '{}' has no weight constant", conv.name);
        if (bias == nullptr) user_error("{}: layer '{}' has no bias, but .net files store one per layer", file, conv.name);
        const int64_t numel = weight->type.numel();
        if (nnz[i] > static_cast<uint64_t>(numel))
            user_error("{}: layer '{}' claims {} stored entries, more than its {} weights", file, conv.name, nnz[i],
                       numel);
        const std::string layer = fmt::format("layer '{}'", conv.name);

        auto cb = std::make_shared<ir::CodebookWeights>();
        cb->bits = 8;
        cb->gap_bits = 4;
        cb->codebook = in.f32s(kCodebookEntries, layer + " codebook");
        std::vector<float> bias_values = in.f32s(static_cast<size_t>(bias->type.numel()), layer + " bias");
        // NaN or infinite weights are refused, as from every weight source (docs/hardening.md).
        if (int64_t k = ir::first_non_finite(cb->codebook); k >= 0)
            user_error("{}: {} codebook entry {} is {}; sqzc refuses weights that are not finite", file, layer, k,
                       cb->codebook[static_cast<size_t>(k)]);
        if (int64_t k = ir::first_non_finite(bias_values); k >= 0)
            user_error("{}: {} bias value {} is {}; sqzc refuses weights that are not finite", file, layer, k,
                       bias_values[static_cast<size_t>(k)]);
        std::string_view codes = in.take(nnz[i], layer + " codes");
        std::string_view gaps = in.take((uint64_t{nnz[i]} + 1) / 2, layer + " gaps");
        cb->codes.assign(codes.begin(), codes.end());
        cb->gaps.resize(nnz[i]);
        for (uint32_t k = 0; k < nnz[i]; ++k) {
            auto byte = static_cast<unsigned char>(gaps[k / 2]);
            cb->gaps[k] = static_cast<uint8_t>(k % 2 == 0 ? byte & 0x0f : byte >> 4);
        }
        std::vector<float> dense;
        try {
            dense = cb->decode(numel);
        } catch (const Error& e) {
            user_error("{}: {}: {}", file, layer, e.what());
        }
        weight->bind(std::move(dense));
        weight->codebook = std::move(cb);
        bias->bind(std::move(bias_values));
    }
    if (in.remaining() != 0)
        user_error("{}: {} unexpected bytes follow the last layer (at offset {}); does the model have the "
                   "layers this file was made for?",
                   file, in.remaining(), in.offset());
}

void bind_deep_compression(ir::Graph& graph, const std::string& path) {
    bind_deep_compression_bytes(graph, read_file(path), path);
}

}  // namespace sqz::compiler
