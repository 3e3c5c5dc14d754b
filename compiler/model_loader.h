// The driver's front door: turns a model path (and optional weights) into a verified graph with
// weights bound, choosing the frontend by file extension.
#pragma once

#include "ir/graph.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sqz::compiler {

struct ModelOptions {
    std::string model_path;                  // .sqz, .prototxt, .onnx or .sqzir
    std::string weights_path;                // optional: .caffemodel or .net
    std::vector<std::string> overrides;      // --set KEY=VALUE (for .sqz metaparameters)
    uint64_t seed = 1;                       // for random weights when none are given
    int64_t batch = 1;
    std::optional<int64_t> input_size;       // square input resolution override
    bool random_weights = true;              // bind seeded weights when the model has none
};

// Loads, binds and verifies. Throws sqz::Error with a message naming the file on any problem.
ir::Graph load_model(const ModelOptions& options);

// The model formats and weight formats sqzc reads, for help texts: ".sqz, .prototxt, ...".
std::string supported_model_extensions();
std::string supported_weight_extensions();

}  // namespace sqz::compiler
