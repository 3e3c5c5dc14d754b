// Model loading by extension (see model_loader.h). Formats are listed in two tables.
#include "compiler/model_loader.h"

#include "compiler/file_io.h"
#include "compiler/frontends/caffe_prototxt.h"
#include "compiler/frontends/caffemodel.h"
#include "compiler/frontends/deep_compression.h"
#include "compiler/frontends/onnx_import.h"
#include "compiler/random_weights.h"
#include "compiler/frontends/sqz_description.h"
#include "ir/error.h"
#include "ir/resize.h"
#include "ir/text_form.h"
#include "ir/verifier.h"

#include <filesystem>

namespace sqz::compiler {
namespace {

struct ModelFormat {
    const char* extension;
    const char* description;
    bool takes_overrides;
    bool carries_weights;
    ir::Graph (*load)(const ModelOptions&);
};

struct WeightFormat {
    const char* extension;
    const char* description;
    void (*bind)(ir::Graph&, const std::string&);
};

const ModelFormat kModelFormats[] = {
    {".sqz", "sqzc description", true, false,
     [](const ModelOptions& o) { return load_sqz(o.model_path, o.overrides); }},
    {".prototxt", "Caffe prototxt", false, false, [](const ModelOptions& o) { return load_caffe_prototxt(o.model_path); }},
    {".onnx", "ONNX model", false, true, [](const ModelOptions& o) { return load_onnx(o.model_path); }},
    {".sqzir", "sqzc IR text", false, false,
     [](const ModelOptions& o) { return ir::parse_graph(read_file(o.model_path), o.model_path); }},
};

const WeightFormat kWeightFormats[] = {
    {".caffemodel", "Caffe weights", bind_caffemodel},
    {".net", "Deep Compression weights", bind_deep_compression},
};

std::string extension_of(const std::string& path) {
    return std::filesystem::path(path).extension().string();
}

// Refuses a missing file, a directory, or a file over the size limit, before it is read.
void check_file(const std::string& path, const ResourceLimits& limits) {
    const uint64_t size = file_size_checked(path);
    if (size > limits.max_file_bytes)
        user_error("{}: the file has {} bytes, more than the limit of {} (raise it with --max-file-bytes)", path, size,
                   limits.max_file_bytes);
}

}  // namespace

void check_resource_limits(const ir::Graph& graph, const ResourceLimits& limits, const std::string& file) {
    int64_t parameters = 0;
    for (const ir::Constant& c : graph.constants) {
        const std::optional<int64_t> n = ir::checked_numel(c.type.dims);
        if (!n) user_error("{}: constant '{}' of type {} exceeds sqzc's size limits", file, c.name, ir::to_string(c.type));
        parameters += *n;  // cannot overflow: each term is at most ir::Limits::max_elements
    }
    if (parameters > limits.max_parameters)
        user_error("{}: the model has {} parameters, more than the limit of {} (raise it with --max-params)", file,
                   parameters, limits.max_parameters);
    auto check_tensor = [&](const std::string& what, const ir::Dims& dims) {
        const std::optional<int64_t> n = ir::checked_numel(dims);
        if (!n || *n > limits.max_tensor_elements)
            user_error("{}: {} of shape {} has {} elements, more than the limit of {} (raise it with "
                       "--max-tensor-elements)",
                       file, what, ir::dims_to_string(dims),
                       n ? std::to_string(*n) : fmt::format("over {}", ir::Limits::max_elements),
                       limits.max_tensor_elements);
    };
    for (const ir::GraphInput& in : graph.inputs) {
        ir::Dims dims = in.type.dims;
        dims.insert(dims.begin(), graph.batch);
        check_tensor(fmt::format("input '{}'", in.name), dims);
    }
    for (const ir::Node& node : graph.nodes) check_tensor(fmt::format("node '{}'", node.name), node.type.dims);
}

std::string supported_model_extensions() {
    std::string out;
    for (const ModelFormat& f : kModelFormats) out += (out.empty() ? "" : ", ") + std::string(f.extension);
    return out;
}

std::string supported_weight_extensions() {
    std::string out;
    for (const WeightFormat& f : kWeightFormats) out += (out.empty() ? "" : ", ") + std::string(f.extension);
    return out;
}

ir::Graph load_model(const ModelOptions& options) {
    check_compression_options(options.compression);
    // Clear messages for missing files, directories and files over the size limit.
    check_file(options.model_path, options.limits);
    if (!options.weights_path.empty()) check_file(options.weights_path, options.limits);
    const std::string ext = extension_of(options.model_path);
    const ModelFormat* format = nullptr;
    for (const ModelFormat& f : kModelFormats)
        if (ext == f.extension) format = &f;
    if (!format)
        user_error("{}: unknown model format '{}' (sqzc reads {})", options.model_path, ext,
                   supported_model_extensions());
    if (!options.overrides.empty() && !format->takes_overrides)
        user_error("{}: --set applies to .sqz descriptions only; a {} has no metaparameters", options.model_path,
                   format->description);

    ir::Graph graph = format->load(options);
    if (!options.keep_quantization) graph.activation_quant.clear();
    // Declared sizes are checked before weights are read or made up (both allocate per parameter).
    check_resource_limits(graph, options.limits, options.model_path);

    if (!options.weights_path.empty()) {
        if (format->carries_weights)
            user_error("{}: a {} carries its own weights; --weights {} cannot be applied", options.model_path,
                       format->description, options.weights_path);
        const std::string wext = extension_of(options.weights_path);
        const WeightFormat* weights = nullptr;
        for (const WeightFormat& f : kWeightFormats)
            if (wext == f.extension) weights = &f;
        if (!weights)
            user_error("{}: unknown weights format '{}' (sqzc reads {})", options.weights_path, wext,
                       supported_weight_extensions());
        weights->bind(graph, options.weights_path);
    }
    if (options.input_size) graph = ir::with_input_size(std::move(graph), *options.input_size, *options.input_size);
    if (options.batch != graph.batch) graph = ir::with_batch(std::move(graph), options.batch);
    check_resource_limits(graph, options.limits, options.model_path);  // the batch and size may have grown
    if (!graph.weights_bound()) {
        if (!options.random_weights) user_error("{}: the model has no weights; give --weights", options.model_path);
        bind_random_weights(graph, options.seed);
    }
    ir::verify(graph);
    if (options.compression.any()) {
        if (!graph.activation_quant.empty())
            user_error("{}: the model is quantized; --prune and --codebook-bits apply to float models (or load it "
                       "with --precision float32)", options.model_path);
        graph = compress_weights(std::move(graph), options.compression);
    }
    return graph;
}

}  // namespace sqz::compiler
