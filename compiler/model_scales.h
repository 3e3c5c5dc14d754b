// A quantized model's own int8 scales, for the quantize-int8 pass, and what sqzc's int8 form of the
// model computes differently from the model's ONNX definition.
//
// The model as loaded rounds some values to 8 bits (ir::Graph::activation_quant, from its
// QuantizeLinear/DequantizeLinear pairs). The optimisation passes merge values before
// quantize-int8 runs: a ReLU into its conv, a bypass Add into the convs before it (or their
// concat), Dropout, Identity and no-op reshapes into their input. Each value of the optimised graph
// therefore stands for a chain of the model's values, itself first:
//
//   model:      conv --> relu [q] --> concat [q] --> add [q]        optimised: concat = [concat, add]
//   optimised:  conv+relu [+ skip] --> concat (in place)                         conv   = [conv, relu]
//
// The chain's last rounding, when only value-preserving nodes (ReLU, Dropout, Identity, reshapes)
// follow it, is the value's rounding: its u8 scale when the zero point is 0, and otherwise the grid
// a conv reading it quantises it to (an int8 conv, when its weights are int8) or rounds it to (a
// float conv). docs/int8.md lists what is exact and what is not.
#pragma once

#include "compiler/passes/quantize_int8.h"
#include "ir/graph.h"

#include <string>
#include <vector>

namespace sqz::compiler {

// The scales of `model` (with activation_quant) for `optimized` (the same model after the passes,
// without it). A conv whose weights have no int8 form stays float; one without a ReLU may write
// u8 when its rounding clamps at zero before any bypass is added.
Int8Scales model_int8_scales(const ir::Graph& model, const ir::Graph& optimized);

// What `quantized` (quantize_int8 with model_int8_scales) computes differently from `model`: one
// phrase per kind, naming the values (e.g. "kept in float32, where the model rounds them to 8 bits:
// conv10, pool10"). Empty when sqzc computes exactly what the model defines.
std::vector<std::string> int8_approximations(const ir::Graph& model, const ir::Graph& quantized);

}  // namespace sqz::compiler
