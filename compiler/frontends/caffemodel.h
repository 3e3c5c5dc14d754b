// caffemodel frontend: binds the weights of a binary Caffe NetParameter to a graph's constants,
// matching layers by name.
//
// Every Convolution node of the graph needs a layer of the same name in the file, with blobs[0]
// the weights (O, I, kh, kw) and blobs[1] the bias (O) when the node has one; float `data` or
// `double_data` are both read. Layers the graph lacks are ignored, as Caffe ignores them. Counts
// and shapes are checked before anything is bound, and non-finite values (NaN, infinity, or a
// double beyond float32's range) are refused with the layer named: they could only poison the
// outputs. Files over protobuf's 2 GiB limit are refused.
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
