// A faster float64 convolution for stepping calibration images through a model (codebook
// refinement runs two models side by side over dozens of images, node by node). It computes what
// the reference interpreter's convolution computes, bit for bit: the same sums in the same order
// (bias, then input channel, kernel row, kernel column; zero weights skipped), with the bounds
// hoisted out of the inner loop so that loop vectorises.
#pragma once

#include "ir/graph.h"
#include "ir/host_tensor.h"

namespace sqz::compiler {

// Whether calibration_conv computes `node`: a float convolution (no int8 or rounded input, no
// residual), batch 1, weight laid out [O, C, kh, kw] over the whole input.
bool calibration_conv_applies(const ir::Graph& graph, const ir::Node& node);

// The output of convolution `node` of `graph` (its bound weights and bias; ReLU if fused) on
// `input` [1, C, H, W]. Equal to ir::evaluate_node's result.
ir::TensorF64 calibration_conv(const ir::Graph& graph, const ir::Node& node, const ir::TensorF64& input);

}  // namespace sqz::compiler
