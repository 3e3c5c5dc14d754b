// Deterministic variants of a preprocessed image input (mirror images and crops scaled back to the
// input size), to measure a model on more inputs than there are photographs.
#pragma once

#include "ir/host_tensor.h"

#include <string>
#include <utility>
#include <vector>

namespace sqz::compiler {

// Four variants of an NCHW input (batch 1), always the same: the mirror image, the top-left and
// the bottom-right 80% crops, and the mirrored centre 80% crop, each crop scaled back to the
// input's size (bilinear). Named "flip", "crop top-left", "crop bottom-right", "crop centre, flip".
std::vector<std::pair<std::string, ir::Tensor>> image_variants(const ir::Tensor& image);

}  // namespace sqz::compiler
