// Caffe prototxt frontend: reads a Caffe network description (NetParameter in protobuf text
// format) into a graph with unbound weights.
#pragma once

#include "ir/graph.h"

#include <string>
#include <string_view>

namespace sqz::compiler {

// Reads the file at `path`. Errors name the file, and line:column for syntax errors or the layer
// for semantic ones (unsupported layer type, group > 1, dilation, dangling bottom, ...).
ir::Graph load_caffe_prototxt(const std::string& path);
// The same from text already in memory; `file` is used in messages.
ir::Graph parse_caffe_prototxt(std::string_view text, const std::string& file);

}  // namespace sqz::compiler
