// Calibration for int8: the largest value every tensor of a graph takes on a set of inputs, from
// the reference interpreter, and the inputs themselves (raw float32 files or images).
#pragma once

#include "ir/graph.h"
#include "ir/host_tensor.h"

#include <map>
#include <string>
#include <vector>

namespace sqz::compiler {

// Largest value of each node's output over all inputs.
using ValueRanges = std::map<std::string, double>;
ValueRanges calibrate(const ir::Graph& graph, const std::vector<ir::Tensor>& inputs);

// Reads calibration inputs: `.f32` files (raw NCHW, one sample each, preprocessed) or images
// (PNG, JPEG, PPM; centre-cropped and preprocessed as the model expects). With no paths, the
// built-in test pattern. Each input has batch 1.
std::vector<ir::Tensor> calibration_inputs(const ir::Graph& graph, const std::vector<std::string>& paths);

}  // namespace sqz::compiler
