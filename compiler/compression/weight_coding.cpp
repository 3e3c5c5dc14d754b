// Graph-level weight compression and layer-blob encoders (see weight_coding.h).
#include "compiler/compression/weight_coding.h"

#include "compiler/compression/codebook_form.h"
#include "compiler/compression/huffman.h"
#include "compiler/compression/kmeans.h"
#include "compiler/compression/prune.h"
#include "compiler/compression/range_blob.h"
#include "compiler/compression/refine_codebooks.h"
#include "compiler/calibration.h"
#include "compiler/image_variants.h"
#include "ir/error.h"

#include <cstring>
#include <limits>
#include <set>

namespace sqz::compiler {
namespace {

using runtime::BlobKind;

void put_u32(std::vector<uint8_t>& out, uint64_t v) {
    SQZ_ASSERT(v <= std::numeric_limits<uint32_t>::max(), "blob field {} does not fit 32 bits", v);
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

void put_f32(std::vector<uint8_t>& out, float f) {
    uint32_t bits;
    std::memcpy(&bits, &f, 4);
    put_u32(out, bits);
}

// The fixed header and codebook of kinds 1 and 2.
std::vector<uint8_t> codebook_header(BlobKind kind, const ir::CodebookWeights& w, int gap_bits, int64_t numel,
                                     uint64_t count) {
    std::vector<uint8_t> out;
    out.push_back(static_cast<uint8_t>(kind));
    out.push_back(static_cast<uint8_t>(w.bits));
    out.push_back(static_cast<uint8_t>(gap_bits));
    out.push_back(static_cast<uint8_t>(w.codebook.size() - 1));
    put_u32(out, static_cast<uint64_t>(numel));
    put_u32(out, count);
    for (float f : w.codebook) put_f32(out, f);
    return out;
}

// Checks what the blob header can express; returns the positional codes (which checks positions).
std::vector<uint8_t> checked_positional_codes(const ir::CodebookWeights& w, int64_t numel) {
    if (w.bits < 1 || w.bits > 8 || w.gap_bits < 1 || w.gap_bits > 8)
        user_error("codebook weights have code width {} and gap width {}; both must lie in 1..8", w.bits, w.gap_bits);
    if (w.codebook.empty() || w.codebook.size() > (size_t{1} << w.bits))
        user_error("codebook weights have {} codebook entries; {}-bit codes need 1 to {}", w.codebook.size(), w.bits,
                   size_t{1} << w.bits);
    if (numel < 0 || static_cast<uint64_t>(numel) > runtime::kMaxBlobElements)
        user_error("a layer of {} weights is too large for a weight blob", numel);
    for (size_t i = 0; i < w.codes.size(); ++i) {
        if (w.codes[i] >= w.codebook.size())
            user_error("stored entry {} has code {}, but the codebook has only {} entries", i, w.codes[i], w.codebook.size());
        if (i < w.gaps.size() && (w.gaps[i] >> w.gap_bits) != 0)
            user_error("stored entry {} has gap {}, wider than {} bits", i, w.gaps[i], w.gap_bits);
    }
    return positional_codes(w, numel);
}

// Code and gap symbol frequencies of the stored entries with gaps of `gap_bits` (fillers included).
void entry_frequencies(const std::vector<uint8_t>& codes, int gap_bits, std::vector<uint64_t>& code_freq,
                       std::vector<uint64_t>& gap_freq) {
    const uint64_t max_gap = (uint64_t{1} << gap_bits) - 1;
    gap_freq.assign(max_gap + 1, 0);
    uint64_t gap = 0;
    for (uint8_t code : codes) {
        if (code == 0) {
            ++gap;
            continue;
        }
        const uint64_t fillers = gap / (max_gap + 1);
        code_freq[0] += fillers;
        gap_freq[max_gap] += fillers;
        ++code_freq[code];
        ++gap_freq[gap % (max_gap + 1)];
        gap = 0;
    }
}

}  // namespace

std::string_view to_string(WeightsFormat format) {
    switch (format) {
    case WeightsFormat::Dense: return "dense";
    case WeightsFormat::Codebook: return "codebook";
    case WeightsFormat::CodebookHuffman: return "codebook-huffman";
    case WeightsFormat::CodebookRange: return "codebook-range";
    }
    return "?";
}

WeightsFormat parse_weights_format(std::string_view text) {
    for (WeightsFormat f :
         {WeightsFormat::Dense, WeightsFormat::Codebook, WeightsFormat::CodebookHuffman, WeightsFormat::CodebookRange})
        if (text == to_string(f)) return f;
    user_error("unknown weights format '{}' (expected dense, codebook, codebook-huffman or codebook-range)", text);
}

void check_compression_options(const CompressionOptions& options) {
    if (!(options.prune >= 0.0 && options.prune < 1.0))
        user_error("--prune must be a fraction in [0, 1), got {}", options.prune);
    if (options.codebook_bits && (*options.codebook_bits < 2 || *options.codebook_bits > 8))
        user_error("--codebook-bits must lie in 2..8, got {}", *options.codebook_bits);
    if (options.gap_bits < 1 || options.gap_bits > 8) user_error("gap width must lie in 1..8, got {}", options.gap_bits);
    if (options.refine_codebooks && !options.codebook_bits)
        user_error("--refine-codebooks needs --codebook-bits B (the codebooks it refines)");
    if (options.refine_codebooks && options.calibration.empty())
        user_error("--refine-codebooks needs --calibrate IMAGES (the images whose layer outputs it matches)");
}

std::vector<std::string> compressible_weights(const ir::Graph& graph) {
    std::vector<std::string> names;
    std::set<std::string> seen;
    for (const ir::Node& n : graph.nodes)
        if (n.op == ir::OpKind::Conv && n.inputs.size() > 1 && graph.find_constant(n.inputs[1]) &&
            seen.insert(n.inputs[1]).second)
            names.push_back(n.inputs[1]);
    return names;
}

bool has_codebook_weights(const ir::Graph& graph) {
    const std::vector<std::string> names = compressible_weights(graph);
    if (names.empty()) return false;
    for (const std::string& name : names)
        if (!graph.find_constant(name)->codebook) return false;
    return true;
}

ir::Graph compress_weights(ir::Graph graph, const CompressionOptions& options) {
    check_compression_options(options);
    if (!options.any()) return graph;
    std::optional<ir::Graph> original;
    if (options.refine_codebooks) original = graph;
    for (const std::string& name : compressible_weights(graph)) {
        ir::Constant& c = *graph.find_constant(name);
        if (!c.bound()) user_error("cannot compress weight '{}': it has no values", name);
        const int64_t numel = c.type.numel();
        std::vector<float> values = options.prune > 0.0 ? prune_by_magnitude(c.data(), options.prune) : c.data();
        std::shared_ptr<ir::CodebookWeights> form;
        if (options.codebook_bits) {
            form = std::make_shared<ir::CodebookWeights>(
                cluster_weights(values, {*options.codebook_bits, options.gap_bits, 100, options.cluster_init}));
        } else if (c.codebook && !c.codebook->codebook.empty() && c.codebook->codebook[0] == 0.0f) {
            // Pruning only: keep the codebook, give the pruned weights code 0.
            std::vector<uint8_t> codes = positional_codes(*c.codebook, numel);
            for (size_t p = 0; p < codes.size(); ++p)
                if (values[p] == 0.0f) codes[p] = 0;
            form = std::make_shared<ir::CodebookWeights>(
                sparse_codebook_weights(c.codebook->codebook, codes, c.codebook->bits, c.codebook->gap_bits));
        }
        if (form) values = form->decode(numel);
        c.bind(std::move(values));
        c.codebook = std::move(form);
    }
    if (original) {
        RefineOptions refine;
        if (options.progress)
            refine.on_layer = [&](const LayerRefinement& r) { options.progress(format_layer_refinement(r)); };
        std::vector<ir::Tensor> inputs = calibration_inputs(*original, options.calibration);
        // Each image also as its mirror and crops: five times the patches for the late layers, whose
        // maps are small, at no risk of seeing the evaluation images.
        const size_t images = inputs.size();
        for (size_t i = 0; i < images; ++i)
            for (auto& v : image_variants(inputs[i])) inputs.push_back(std::move(v.second));
        graph = refine_codebooks(*original, std::move(graph), std::move(inputs), refine);
    }
    return graph;
}

std::vector<uint8_t> encode_dense_blob(const std::vector<float>& values) {
    if (values.size() > runtime::kMaxBlobElements)
        user_error("a constant of {} values is too large for a weight blob", values.size());
    std::vector<uint8_t> out{static_cast<uint8_t>(BlobKind::Dense), 0, 0, 0};
    out.reserve(runtime::kDenseHeaderBytes + 4 * values.size());
    put_u32(out, values.size());
    for (float f : values) put_f32(out, f);
    return out;
}

std::vector<uint8_t> encode_codebook_blob(const ir::CodebookWeights& w, int64_t numel) {
    const std::vector<uint8_t> positional = checked_positional_codes(w, numel);
    const size_t count = w.codes.size();
    const size_t stored_bytes = runtime::packed_bytes(count, w.bits) + runtime::packed_bytes(count, w.gap_bits);
    const bool use_positional = runtime::packed_bytes(positional.size(), w.bits) < stored_bytes;

    std::vector<uint8_t> out = codebook_header(BlobKind::Codebook, w, use_positional ? 0 : w.gap_bits, numel,
                                               use_positional ? positional.size() : count);
    BitWriter fields;
    for (uint8_t code : use_positional ? positional : w.codes) fields.write_bits(code, w.bits);
    if (!use_positional) {
        // Each field starts on a byte boundary.
        while (fields.bit_count() % 8 != 0) fields.write_bits(0, 1);
        for (uint8_t gap : w.gaps) fields.write_bits(gap, w.gap_bits);
    }
    out.insert(out.end(), fields.bytes().begin(), fields.bytes().end());
    return out;
}

std::vector<uint8_t> encode_huffman_blob(const ir::CodebookWeights& w, int64_t numel) {
    const std::vector<uint8_t> positional = checked_positional_codes(w, numel);
    const size_t alphabet = w.codebook.size();

    // Candidate layouts: 0 = positional, g = stored entries with g-bit gaps. Keep the smallest.
    int best_gap_bits = 0;
    uint64_t best_bytes = std::numeric_limits<uint64_t>::max();
    for (int g = 0; g <= 8; ++g) {
        std::vector<uint64_t> code_freq(alphabet, 0), gap_freq;
        if (g == 0)
            code_freq = symbol_frequencies(positional, alphabet);
        else
            entry_frequencies(positional, g, code_freq, gap_freq);
        uint64_t bits = HuffmanEncoder(huffman_code_lengths(code_freq)).cost(code_freq);
        if (g != 0) bits += HuffmanEncoder(huffman_code_lengths(gap_freq)).cost(gap_freq);
        const uint64_t bytes = (alphabet + 1) / 2 + (g == 0 ? 0 : (gap_freq.size() + 1) / 2) + (bits + 7) / 8;
        if (bytes < best_bytes) {
            best_bytes = bytes;
            best_gap_bits = g;
        }
    }

    const int g = best_gap_bits;
    ir::CodebookWeights entries;
    if (g != 0) entries = sparse_codebook_weights(w.codebook, positional, w.bits, g);
    const std::vector<uint8_t>& codes = g == 0 ? positional : entries.codes;
    std::vector<uint8_t> out = codebook_header(BlobKind::CodebookHuffman, w, g, numel, codes.size());
    const HuffmanEncoder code_coder(huffman_code_lengths(symbol_frequencies(codes, alphabet)));
    write_code_lengths(code_coder.lengths(), out);
    std::optional<HuffmanEncoder> gap_coder;
    if (g != 0) {
        gap_coder.emplace(huffman_code_lengths(symbol_frequencies(entries.gaps, size_t{1} << g)));
        write_code_lengths(gap_coder->lengths(), out);
    }
    BitWriter stream;
    for (size_t i = 0; i < codes.size(); ++i) {
        if (gap_coder) gap_coder->encode(entries.gaps[i], stream);
        code_coder.encode(codes[i], stream);
    }
    out.insert(out.end(), stream.bytes().begin(), stream.bytes().end());
    return out;
}

std::vector<LayerBlob> encode_constants(const ir::Graph& graph, WeightsFormat format) {
    const std::vector<std::string> names = compressible_weights(graph);
    const std::set<std::string> compressible(names.begin(), names.end());
    std::vector<LayerBlob> blobs;
    for (const ir::Constant& c : graph.constants) {
        if (!c.bound()) user_error("cannot store constant '{}': it has no values", c.name);
        LayerBlob blob;
        blob.constant = c.name;
        blob.numel = c.type.numel();
        blob.compressible = compressible.count(c.name) > 0;
        if (!blob.compressible || format == WeightsFormat::Dense) {
            blob.bytes = encode_dense_blob(c.data());
            if (format == WeightsFormat::CodebookRange) {  // biases: their floats range-coded, if smaller
                std::vector<uint8_t> range = encode_float_range_blob(c.data());
                if (range.size() < blob.bytes.size()) {
                    blob.kind = BlobKind::FloatRange;
                    blob.bytes = std::move(range);
                }
            }
            blobs.push_back(std::move(blob));
            continue;
        }
        if (!c.codebook)
            user_error("weights format '{}' needs weights in codebook form, but '{}' is dense (use a Deep Compression "
                       ".net file, or --codebook-bits B to cluster the weights)",
                       to_string(format), c.name);
        // The codebook form must describe the values exactly, or the package would compute something else.
        const std::vector<float> decoded = c.codebook->decode(blob.numel);
        if (std::memcmp(decoded.data(), c.data().data(), decoded.size() * 4) != 0)
            user_error("constant '{}': its codebook form does not decode to its values", c.name);
        blob.kind = BlobKind::Codebook;
        blob.bytes = encode_codebook_blob(*c.codebook, blob.numel);
        if (format == WeightsFormat::CodebookHuffman || format == WeightsFormat::CodebookRange) {
            std::vector<uint8_t> huffman = encode_huffman_blob(*c.codebook, blob.numel);
            if (huffman.size() < blob.bytes.size()) {
                blob.kind = BlobKind::CodebookHuffman;
                blob.bytes = std::move(huffman);
            }
        }
        if (format == WeightsFormat::CodebookRange) {
            std::vector<uint8_t> range = encode_range_blob(*c.codebook, blob.numel, weight_window(c.type.dims));
            if (range.size() < blob.bytes.size()) {
                blob.kind = BlobKind::CodebookRange;
                blob.bytes = std::move(range);
            }
        }
        blobs.push_back(std::move(blob));
    }
    return blobs;
}

}  // namespace sqz::compiler
