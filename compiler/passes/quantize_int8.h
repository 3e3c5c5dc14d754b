// Pass quantize-int8 (only with --precision int8): runs convolutions on 8-bit integers.
//
// Activations that are never negative (the output of a conv with a fused ReLU, a max pool of such,
// an in-place concat of such) and that only convolutions, max pools and in-place concats read are
// stored as u8 with the scale max/255 from calibration; a conv reading u8 computes with int8
// weights (per output channel) and int32 accumulation, and requantises in its epilogue. The first
// conv, whose input is the image, stays float and quantises its output; the last conv, whose output
// the pooling averages, keeps a float output. Tensors that do not qualify stay float (a complex
// bypass adds a conv without ReLU, so its Fire module's output may be negative). Convs whose input
// channel count is not a multiple of 4 stay float (the dot-product instructions take 4 at a time).
// Runs after all other passes; needs the channels-innermost layout (choose-layout).
#pragma once

#include "compiler/calibration.h"
#include "ir/graph.h"

namespace sqz::compiler {

ir::Graph quantize_int8(ir::Graph graph, const ValueRanges& ranges);

}  // namespace sqz::compiler
