// Pass choose-layout: picks the storage order of activations inside the compiled model.
//
// SqueezeNet's channel counts are multiples of 16 while its maps are 113, 55, 27 and 13 pixels
// wide, so storing channels innermost (NHWC) lets every convolution vectorise over output channels
// with whole vectors and keeps a stride-2 window's input contiguous; weights are packed for it at
// compile time. Without this pass activations stay NCHW and kernels vectorise along rows. The
// graph's inputs and outputs are NCHW either way: the first convolution reads the NCHW input
// directly and only outputs larger than 1x1 are converted. Needs nothing before it.
#pragma once

#include "ir/graph.h"

namespace sqz::compiler {

ir::Graph choose_layout(ir::Graph graph);

}  // namespace sqz::compiler
