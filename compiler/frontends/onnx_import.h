// ONNX frontend: reads a ModelProto (opsets 7 to 17) with the operators a SqueezeNet uses into a
// graph, with initializers (raw_data or typed fields) bound as constants.
#pragma once

#include "ir/graph.h"

#include <string>
#include <string_view>

namespace sqz::compiler {

ir::Graph load_onnx(const std::string& path);
ir::Graph parse_onnx(std::string_view bytes, const std::string& file);

}  // namespace sqz::compiler
