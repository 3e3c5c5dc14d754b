// The workspace of an int8 conv reading a float input (the first conv, on the image;
// lower_conv_int8.cpp): the input quantised to u8, whole, over the padded map, channels in groups
// of four: q(c, x, y, n), c < 4 ceil(C / 4), x < pad_left + W + pad_right, y < pad_top + H +
// pad_bottom. The kernel computes it first and the reduction reads it with no bounds tests. Like a
// Winograd conv's transformed input, it gets an arena slot live only while its kernel runs
// (model_plan.h), so that no kernel allocates.
#pragma once

#include "ir/graph.h"

#include <vector>

namespace sqz::codegen {

// Whether `conv` is an int8 conv that quantises a float input itself.
bool needs_quantized_input(const ir::Graph& graph, const ir::Node& conv);

// The workspace's extents in Halide order, innermost first and dense: channels (a multiple of
// four), padded width, padded height, batch, for `conv` reading an input of dims `input` (N, C, H, W).
std::vector<int> quantized_input_extents(const ir::Node& conv, const ir::Dims& input);

}  // namespace sqz::codegen
