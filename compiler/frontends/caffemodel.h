// caffemodel frontend: binds the weights of a binary Caffe NetParameter to a graph's constants,
// matching layers by name.
#pragma once

#include "ir/graph.h"

#include <string>
#include <string_view>

namespace sqz::compiler {

// Binds "<layer>.weight" and "<layer>.bias" of every Convolution layer. Blobs may use the current
// `shape` or the legacy num/channels/height/width fields, and the file may use `layer` or the
// legacy V1 `layers`. Errors name the file and the layer, with expected and present counts.
void bind_caffemodel(ir::Graph& graph, const std::string& path);
void bind_caffemodel_bytes(ir::Graph& graph, std::string_view bytes, const std::string& file);

}  // namespace sqz::compiler
