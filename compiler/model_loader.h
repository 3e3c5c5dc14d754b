// The driver's front door: turns a model path (and optional weights) into a verified graph with
// weights bound, choosing the frontend by file extension.
#pragma once

#include "compiler/compression/weight_coding.h"
#include "compiler/file_io.h"
#include "ir/graph.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sqz::compiler {

// Resource limits, checked before anything large is read or allocated: a model may declare
// sizes far beyond what its file holds (a description has no weights; its parameters and
// activations are allocated later), so declared sizes are refused here, with a message naming
// the limit and the option that raises it. The hard ceilings are ir::Limits. docs/hardening.md.
struct ResourceLimits {
    uint64_t max_file_bytes = kMaxFileBytes;     // any model or weights file (--max-file-bytes)
    int64_t max_parameters = 100'000'000;       // all constants together (--max-params)
    int64_t max_tensor_elements = 100'000'000;  // any one input or activation, batch included
                                                // (--max-tensor-elements)
};

struct ModelOptions {
    std::string model_path;                  // .sqz, .prototxt, .onnx or .sqzir
    std::string weights_path;                // optional: .caffemodel or .net
    std::vector<std::string> overrides;      // --set KEY=VALUE (for .sqz metaparameters)
    uint64_t seed = 1;                       // for random weights when none are given
    int64_t batch = 1;
    std::optional<int64_t> input_size;       // square input resolution override
    bool random_weights = true;              // bind seeded weights when the model has none
    ResourceLimits limits;
    CompressionOptions compression;          // --prune / --codebook-bits, applied after loading
    // A quantized model (QDQ or QLinear ONNX) keeps its 8-bit roundings (ir::Graph::activation_quant)
    // for compiler::prepare's int8; without, it loads as its float model (the weights dequantised).
    bool keep_quantization = false;
};

// Throws sqz::Error naming `file` when the graph's parameters or any of its tensors exceed `limits`.
void check_resource_limits(const ir::Graph& graph, const ResourceLimits& limits, const std::string& file);

// Loads, binds and verifies, then compresses the weights if `compression` asks for it (the graph
// then holds the compressed model's values, in codebook form where clustered). Throws sqz::Error with a message naming the file on any problem.
ir::Graph load_model(const ModelOptions& options);

// The model formats and weight formats sqzc reads, for help texts: ".sqz, .prototxt, ...".
std::string supported_model_extensions();
std::string supported_weight_extensions();

}  // namespace sqz::compiler
