// The compile driver (see driver.h).
#include "compiler/driver.h"

#include "compiler/calibration.h"
#include "compiler/model_scales.h"
#include "compiler/passes/quantize_int8.h"
#include "ir/error.h"

#include <fmt/format.h>

namespace sqz::compiler {

Precision parse_precision(const std::string& name) {
    if (name == "float32" || name == "fp32" || name == "float") return Precision::Float32;
    if (name == "int8") return Precision::Int8;
    user_error("unknown precision '{}' (choose float32 or int8)", name);
}

ir::Graph prepare(const ir::Graph& graph, const CompileOptions& options) {
    const bool quantized_model = !graph.activation_quant.empty();
    ir::Graph plain = graph;
    plain.activation_quant.clear();
    ir::Graph optimized = optimize(std::move(plain), options.passes);
    if (options.precision == Precision::Float32) {
        if (!options.calibration.empty()) user_error("--calibrate applies to --precision int8 only");
        return optimized;
    }
    if (quantized_model) {
        if (!options.calibration.empty())
            user_error("model '{}' is quantized (it carries its own int8 scales); --calibrate applies to float models "
                       "only", graph.name);
        const Int8Scales scales = model_int8_scales(graph, optimized);
        ir::Graph quantized = quantize_int8(std::move(optimized), scales);
        if (options.warn) {
            const std::vector<std::string> notes = int8_approximations(graph, quantized);
            if (!notes.empty())
                options.warn(fmt::format("the int8 form of quantized model '{}' approximates it: {}", graph.name,
                                         fmt::join(notes, "; ")));
        }
        return quantized;
    }
    const std::vector<ir::Tensor> inputs = calibration_inputs(optimized, options.calibration);
    const ValueRanges ranges = calibrate(optimized, inputs, options.calibration_method);
    // conv1 quantises the image. The grids are taken before the graph moves (arguments are evaluated in no set
    // order: clang moves first, g++ last).
    const auto grids = input_grids(optimized, inputs);
    return quantize_int8(std::move(optimized), ranges, grids);
}

}  // namespace sqz::compiler
