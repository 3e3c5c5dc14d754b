// Turning image files (PNG, JPEG, PPM/PGM) into model inputs: decode (stb_image), resize to the
// model's input size, and apply the model's preprocessing (channel order, scale, mean, std).
#pragma once

#include "ir/graph.h"
#include "ir/host_tensor.h"

#include <string>

namespace sqz::compiler {

enum class ResizeMode {
    Stretch,     // scale both axes to the input size
    CenterCrop,  // scale the shorter side to the input size, then crop the centre
};

// Decodes `path` into an NCHW float tensor of the graph's input shape (batch 1, copied across the
// batch if the graph's batch is larger), preprocessed with `pre`. Throws sqz::Error naming the file
// if it cannot be decoded or is larger than 16384 x 16384.
ir::Tensor load_image_input(const std::string& path, const ir::Graph& graph, const ir::Preprocess& pre,
                            ResizeMode mode);

}  // namespace sqz::compiler
