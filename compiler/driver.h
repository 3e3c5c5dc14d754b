// The compile driver: what every compiling command does to a loaded graph before code generation —
// the optimisation passes, then, for --precision int8, quantisation with calibrated scales or with
// the scales of a quantized model.
#pragma once

#include "compiler/calibration.h"
#include "compiler/pass_manager.h"
#include "ir/graph.h"

#include <functional>
#include <string>
#include <vector>

namespace sqz::compiler {

enum class Precision { Float32, Int8 };
Precision parse_precision(const std::string& name);  // "float32" or "int8"

struct CompileOptions {
    PassOptions passes;
    Precision precision = Precision::Float32;
    std::vector<std::string> calibration;  // inputs for int8 calibration (.f32, images, folders)
    CalibrationOptions calibration_method;
    // Receives the one warning line of a quantized model whose int8 form approximates it (what
    // docs/int8.md calls approximated); none when null.
    std::function<void(const std::string&)> warn;
};

// The graph code generation receives. float32: the passes, equal in meaning (a quantized model's
// roundings, ir::Graph::activation_quant, are dropped: it runs as its float model). int8: a float
// model is calibrated on `calibration` (default: the test pattern) and quantised; a quantized model
// is quantised with its own scales (calibration then is an error).
ir::Graph prepare(const ir::Graph& graph, const CompileOptions& options);

}  // namespace sqz::compiler
