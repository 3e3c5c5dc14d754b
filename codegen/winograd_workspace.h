// The workspace of a Winograd convolution (lower_conv_winograd.cpp). A Winograd conv's kernel
// runs one task per row of tiles: it transforms that row's input tiles, V(c, tx, e, f), the n x n
// transformed tiles of every input channel, then computes every block of output channels from
// them. V of one row lives on the task's own stack when it takes at most kWinogradRowStackBytes
// (SqueezeNet's layers with F2 and F4: at most 63 KB); a wider row (many input channels on a
// wide map, or F6 on v1.0's 55x55 maps) has V of the whole map, V(c, tx, e, f, ty, n), computed
// first into an arena slot of the kernel's own that lives only while the kernel runs
// (model_plan.h), so that neither the JIT nor a package allocates memory inside a kernel.
#pragma once

#include "ir/graph.h"

#include <cstdint>
#include <vector>

namespace sqz::codegen {

// The most stack a row's transformed input may take (bytes).
constexpr int64_t kWinogradRowStackBytes = 64 * 1024;

// Whether `conv` is computed with Winograd and V of one of its rows of tiles (input channels x
// tiles along x x n x n floats, reading dims `input`) is over kWinogradRowStackBytes, so that its
// kernel needs a workspace for V of the whole map.
bool needs_winograd_workspace(const ir::Node& conv, const ir::Dims& input);

// The workspace's extents in Halide order, innermost first and dense: input channels, tiles along
// x, n, n, tiles along y, batch (each row of tiles contiguous), for `conv` reading an input of
// dims `input` (N, C, H, W).
std::vector<int> winograd_workspace_extents(const ir::Node& conv, const ir::Dims& input);

}  // namespace sqz::codegen
