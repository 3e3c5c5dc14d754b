// The compile driver (see driver.h).
#include "compiler/driver.h"

#include "compiler/calibration.h"
#include "compiler/passes/quantize_int8.h"
#include "ir/error.h"

namespace sqz::compiler {

Precision parse_precision(const std::string& name) {
    if (name == "float32" || name == "fp32" || name == "float") return Precision::Float32;
    if (name == "int8") return Precision::Int8;
    user_error("unknown precision '{}' (choose float32 or int8)", name);
}

ir::Graph prepare(const ir::Graph& graph, const CompileOptions& options) {
    ir::Graph optimized = optimize(graph, options.passes);
    if (options.precision == Precision::Float32) {
        if (!options.calibration.empty()) user_error("--calibrate applies to --precision int8 only");
        return optimized;
    }
    const ValueRanges ranges = calibrate(optimized, calibration_inputs(optimized, options.calibration));
    return quantize_int8(std::move(optimized), ranges);
}

}  // namespace sqz::compiler
