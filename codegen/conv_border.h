// The zero border a convolution reads around its input map: the memory plan gives every arena
// slot that a conv reads a border this wide (zeroed once at set-up), so that the conv reads its
// padding from memory instead of testing bounds. A direct conv reads its padding; a Winograd conv
// also reads past the right and bottom edges where its last m x m output tile overhangs the map.
#pragma once

#include "ir/graph.h"

namespace sqz::codegen {

// Pixels of zero border `conv` reads around its input of dims `input` (N, C, H, W).
int conv_input_border(const ir::Node& conv, const ir::Dims& input);

}  // namespace sqz::codegen
