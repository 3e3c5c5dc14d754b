// Model-size table (see size_report.h).
#include "compiler/compression/size_report.h"

#include "ir/error.h"

#include <fmt/format.h>

#include <set>

namespace sqz::compiler {
namespace {

std::string with_commas(int64_t v) {
    const std::string digits = std::to_string(v);
    std::string out;
    for (size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
        out.push_back(digits[i]);
    }
    return out;
}

int64_t count_nonzero_weights(const ir::Graph& graph) {
    int64_t n = 0;
    for (const std::string& name : compressible_weights(graph))
        for (float v : graph.find_constant(name)->data()) n += v != 0.0f;
    return n;
}

SizeRow measure(const ir::Graph& graph, std::string form, WeightsFormat format, const CompressionOptions& compression,
                bool lossless) {
    SizeRow row;
    row.form = std::move(form);
    row.format = format;
    row.compression = compression;
    row.lossless = lossless;
    for (const LayerBlob& blob : encode_constants(graph, format))
        (blob.compressible ? row.weight_bytes : row.other_bytes) += static_cast<int64_t>(blob.bytes.size());
    row.nonzero_weights = count_nonzero_weights(graph);
    return row;
}

// "pruned 50%, 6-bit codebook".
std::string describe(const CompressionOptions& o) {
    std::string text;
    if (o.prune > 0.0) text = fmt::format("pruned {:g}%", o.prune * 100.0);
    if (o.codebook_bits)
        text += fmt::format("{}{}-bit codebook{}", text.empty() ? "" : ", ", *o.codebook_bits,
                            o.cluster_init == ClusterInit::Optimal ? " (optimal k-means)" : "");
    if (o.refine_codebooks) text += ", refined";
    return text;
}

bool same(const CompressionOptions& a, const CompressionOptions& b) {
    return a.prune == b.prune && a.codebook_bits == b.codebook_bits && a.gap_bits == b.gap_bits &&
           a.cluster_init == b.cluster_init && a.refine_codebooks == b.refine_codebooks;
}

}  // namespace

SizeReport size_report(const ir::Graph& graph, const CompressionOptions& options) {
    check_compression_options(options);
    if (!graph.weights_bound()) user_error("the size report needs the model's weights; this model has none bound");
    SizeReport report;
    report.parameters = graph.parameter_count();
    for (const std::string& name : compressible_weights(graph))
        report.weight_parameters += graph.find_constant(name)->type.numel();
    report.nonzero_weights = count_nonzero_weights(graph);
    report.dense_bytes = 4 * report.parameters;

    report.rows.push_back(measure(graph, "dense float32", WeightsFormat::Dense, {}, true));
    const bool codebooks = has_codebook_weights(graph);
    if (codebooks) {
        report.rows.push_back(measure(graph, "codebook (as stored)", WeightsFormat::Codebook, {}, true));
        report.rows.push_back(measure(graph, "codebook + Huffman", WeightsFormat::CodebookHuffman, {}, true));
        report.rows.push_back(measure(graph, "codebook + range coding", WeightsFormat::CodebookRange, {}, true));
    }
    std::vector<CompressionOptions> variants;
    if (codebooks) {
        CompressionOptions six;
        six.codebook_bits = 6;
        variants.push_back(six);
    }
    if (options.any() && (variants.empty() || !same(options, variants[0]))) variants.push_back(options);
    for (const CompressionOptions& v : variants) {
        const ir::Graph compressed = compress_weights(graph, v);
        const std::string name = describe(v);
        if (has_codebook_weights(compressed)) {
            report.rows.push_back(measure(compressed, name, WeightsFormat::Codebook, v, false));
            report.rows.push_back(measure(compressed, name + " + Huffman", WeightsFormat::CodebookHuffman, v, false));
            report.rows.push_back(measure(compressed, name + " + range coding", WeightsFormat::CodebookRange, v, false));
        } else {
            report.rows.push_back(measure(compressed, name + ", dense float32", WeightsFormat::Dense, v, false));
        }
    }
    return report;
}

std::string format_size_report(const SizeReport& r) {
    std::string out;
    out += fmt::format("parameters        {} ({} convolution weights, {} of them non-zero; {} other)\n",
                       with_commas(r.parameters), with_commas(r.weight_parameters), with_commas(r.nonzero_weights),
                       with_commas(r.parameters - r.weight_parameters));
    out += fmt::format("dense 32-bit      {} bytes ({:.2f} MB)\n\n", with_commas(r.dense_bytes), r.dense_bytes / 1e6);
    size_t width = 4;
    for (const SizeRow& row : r.rows) width = std::max(width, row.form.size());
    out += fmt::format("{:<{}}  {:>11}  {:>9}  {:>11}  {:>6}  {:>6}  {}\n", "form", width, "weights", "other",
                       "total bytes", "MB", "ratio", "exact");
    for (const SizeRow& row : r.rows)
        out += fmt::format("{:<{}}  {:>11}  {:>9}  {:>11}  {:>6.3f}  {:>5.1f}x  {}\n", row.form, width,
                           with_commas(row.weight_bytes), with_commas(row.other_bytes), with_commas(row.total_bytes()),
                           row.total_bytes() / 1e6,
                           row.total_bytes() > 0 ? static_cast<double>(r.dense_bytes) / row.total_bytes() : 0.0,
                           row.lossless ? "yes" : "no");
    return out;
}

}  // namespace sqz::compiler
