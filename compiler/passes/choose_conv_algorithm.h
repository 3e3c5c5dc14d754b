// Pass choose-conv-algorithm: picks how code generation computes each convolution (ConvAlgorithm,
// ir/conv_algorithm.h): directly, or with Winograd F(2x2, 3x3), F(4x4, 3x3) or F(6x6, 3x3), which
// apply to float 3x3 stride-1 convolutions (any padding) over channels-innermost activations. The
// meaning of the graph is unchanged; the rounding differs (Winograd's transforms add error, see
// docs/performance.md).
//
//   conv 3x3/1 (direct)    becomes    conv 3x3/1 [algorithm=winograd-f4]
//
// `mode` is what --conv-algorithm says: `direct` keeps every conv direct; `winograd` gives every
// eligible conv the Winograd tile the cost model (conv_cost_model.h) finds best for its shape;
// `winograd-f2`, `-f4`, `-f6` force that tile; `auto` (the default) takes, per conv, whichever of
// direct and the Winograd tiles the cost model says is fastest. Convolutions fused into another
// kernel (fuse-pool) stay direct. Runs after choose-layout (it needs the channels-innermost
// layout) and before quantize-int8 (which makes quantised convs direct again).
#pragma once

#include "ir/graph.h"

#include <string>

namespace sqz::compiler {

// "direct, winograd, winograd-f2, winograd-f4, winograd-f6, auto" (for help texts and errors).
std::string conv_algorithm_modes();
// Throws sqz::Error for a mode that is not one of conv_algorithm_modes().
void check_conv_algorithm_mode(const std::string& mode);

ir::Graph choose_conv_algorithm(ir::Graph graph, const std::string& mode);

// Whether `conv` may use a Winograd algorithm in `graph` (3x3, stride 1, float, not fused, NHWC).
bool winograd_eligible(const ir::Graph& graph, const ir::Node& conv);

}  // namespace sqz::compiler
