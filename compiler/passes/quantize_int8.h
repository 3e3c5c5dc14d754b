// Pass quantize-int8 (only with --precision int8): runs convolutions on 8-bit integers.
//
// Activations that are never negative (the output of a conv with a fused ReLU, a max pool of such,
// an in-place concat of such) and that only convolutions, max pools and in-place concats read are
// stored as u8 with a scale from `scales`; a conv reading u8 computes with int8 weights (per output
// channel) and int32 accumulation, and requantises in its epilogue. A conv reading a float value
// with an 8-bit grid in `scales.rounded_inputs` (the first conv, on the image) quantises that input
// itself and computes in integers too; the last conv, whose output the pooling averages, keeps a
// float output. Tensors that do not qualify stay float (a complex bypass adds a
// conv without ReLU, so its Fire module's output may be negative). Convs whose input channel count
// is not a multiple of 4 stay float (the dot-product instructions take 4 at a time).
//
// The scales come from calibration (calibrated_scales: a range over sample inputs, /255) or from a
// quantized model itself (model_int8_scales in compiler/model_scales.h), which may also keep a
// conv without ReLU u8 (its rounding with zero point 0 clamps at 0 like a ReLU), keep a conv float
// (its weights are not the model's int8 weights), and have a float conv round its input to 8 bits
// first (the model's image quantisation). Runs after all other passes; needs the channels-innermost
// layout (choose-layout).
#pragma once

#include "compiler/calibration.h"
#include "ir/graph.h"

#include <map>
#include <set>
#include <string>

namespace sqz::compiler {

struct Int8Scales {
    std::map<std::string, double> u8;                          // values that may be u8: their scale
    std::set<std::string> clamps_at_zero;                      // convs that may write u8 without a ReLU
    std::set<std::string> float_convs;                         // convs that must compute in float
    std::map<std::string, ir::ActivationQuant> rounded_inputs;  // float values quantised (or rounded) by the convs reading them
};

// Every node's range / 255 (at least 1e-6 / 255), rounded to float32 so that an exported QDQ model
// states it exactly; and the graph inputs' grids (calibration.h: input_grids), which the convs
// reading them quantise to.
Int8Scales calibrated_scales(const ir::Graph& graph, const ValueRanges& ranges,
                             const std::map<std::string, ir::ActivationQuant>& input_grids = {});

ir::Graph quantize_int8(ir::Graph graph, const Int8Scales& scales);
// The same with calibrated_scales(graph, ranges, input_grids).
ir::Graph quantize_int8(ir::Graph graph, const ValueRanges& ranges,
                        const std::map<std::string, ir::ActivationQuant>& input_grids = {});

}  // namespace sqz::compiler
