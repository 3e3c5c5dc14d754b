// The compile driver: what every compiling command does to a loaded graph before code generation —
// the optimisation passes, then, for --precision int8, calibration and quantisation.
#pragma once

#include "compiler/pass_manager.h"
#include "ir/graph.h"

#include <string>
#include <vector>

namespace sqz::compiler {

enum class Precision { Float32, Int8 };
Precision parse_precision(const std::string& name);  // "float32" or "int8"

struct CompileOptions {
    PassOptions passes;
    Precision precision = Precision::Float32;
    std::vector<std::string> calibration;  // inputs for int8 calibration (.f32 or images)
};

// The graph code generation receives (equal in meaning for float32; quantised for int8).
ir::Graph prepare(const ir::Graph& graph, const CompileOptions& options);

}  // namespace sqz::compiler
