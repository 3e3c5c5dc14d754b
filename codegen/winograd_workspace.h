// The workspace of a Winograd convolution (lower_conv_winograd.cpp): its input transform
// V(c, tx, ty, e, f, n), the n x n transformed input tiles of the whole map, which the kernel
// computes first and then reads for every block of output channels. The memory plan gives it an
// arena slot that lives only while its kernel runs (model_plan.h), so that neither the JIT nor a
// package allocates memory inside a kernel.
#pragma once

#include "ir/graph.h"

#include <vector>

namespace sqz::codegen {

// Whether `conv` is computed with Winograd and so needs a workspace.
bool needs_winograd_workspace(const ir::Node& conv);

// The workspace's extents in Halide order, innermost first and dense: input channels, tiles along
// x, tiles along y, n, n, batch, for `conv` reading an input of dims `input` (N, C, H, W).
std::vector<int> winograd_workspace_extents(const ir::Node& conv, const ir::Dims& input);

}  // namespace sqz::codegen
