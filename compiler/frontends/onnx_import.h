// ONNX frontend: reads a ModelProto (opsets 7 to 17) with the operators a SqueezeNet uses into a
// graph, with initializers (raw_data or typed fields) bound as constants.
//
// What is read:
// - Operators of the default domain: Conv (group 1, dilation 1, pads or auto_pad), Relu, MaxPool
//   and AveragePool (ceil_mode, count_include_pad; only MaxPool's first output), GlobalAveragePool,
//   Concat, Add (identical shapes), Dropout (inference mode; its mask unused), Flatten (axis 1, or
//   an axis that gives the same result), Reshape (constant shape keeping the batch first; becomes a
//   Flatten when it flattens), Softmax (before opset 13 only where its 2-D coercion equals a softmax
//   over one axis), Identity, and Constant (for shapes). Quantized models: QuantizeLinear,
//   DequantizeLinear, QLinearConv, and from domain com.microsoft QLinearAdd, QLinearConcat and
//   QLinearGlobalAveragePool (onnx_import_qdq.cpp): their 8-bit tensors become values the graph
//   rounds to their grid (ir::Graph::activation_quant), their int8 weights keep their int8 form.
//   Anything else is refused by name.
// - Exactly one graph input that is not an initializer: float NCHW with fixed C, H, W. The batch may
//   be symbolic or a number; the graph is built for batch 1.
// - Conv weights and biases must be initializers (or Constant outputs) of type FLOAT, or
//   DequantizeLinear outputs of INT8/INT32 initializers. Each Conv
//   becomes an IR node named after its output tensor, with constants "<output>.weight"/".bias".
// - Nodes are ordered topologically if the file does not already list them so; cycles and
//   undefined inputs are refused.
// - Average pools with count_include_pad divide, like PyTorch and ONNX Runtime, by the window's
//   extent within the padded input. A ceil_mode pool whose last window would start inside the end
//   padding is refused (the ONNX formula before opset 19 keeps that window, PyTorch drops it).
// - Preprocessing: ONNX files say nothing standard about it, and most come from torchvision, so
//   the graph expects torchvision's ImageNet preprocessing (RGB, pixel_scale 1/255, mean
//   0.485/0.456/0.406, std 0.229/0.224/0.225) unless the model's metadata_props say otherwise
//   (keys "preprocess.*", as export_onnx writes them; see onnx_common.h).
// Every error is one line naming the file, and the node where one is at fault.
#pragma once

#include "ir/graph.h"

#include <string>
#include <string_view>

namespace sqz::compiler {

ir::Graph load_onnx(const std::string& path);
ir::Graph parse_onnx(std::string_view bytes, const std::string& file);

}  // namespace sqz::compiler
