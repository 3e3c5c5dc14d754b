// ONNX writer: any graph sqzc can read, written as a standard ONNX model so that other tools can
// run it (and so tests can build ONNX files of their own).
//
// The model has producer_name "sqzc", the ir_version ONNX released with the chosen opset (7 to
// 17), a symbolic batch dimension "N" on its input and outputs, every constant as a FLOAT
// initializer, and the graph's preprocessing in metadata_props (read back by load_onnx). A Conv
// with fused ReLU becomes Conv then Relu; Flatten is Flatten(axis 1); Reshape is Reshape with an
// INT64 shape initializer [0, dims...]; Dropout stays Dropout (inference mode).
// An int8 graph (compiler::prepare with --precision int8) is written in QDQ form with sqzc's own
// scales and integers (onnx_export_qdq.h), at opset 13 or later. A fused bypass is written as the
// Add it came from. A graph that still rounds activations as an imported quantized model does
// (ir::Graph::activation_quant) is refused: export its int8 form or its float model.
// Refused, with a message naming the node, because ONNX could not say the same thing:
// - a ceil-mode pool at opsets below 10 (no ceil_mode yet), unless rounding down gives the same size;
// - a ceil-mode pool whose last window starts inside the end padding (runtimes disagree on it);
// - an average pool with count_include_pad and padding whose ceil-mode window runs past the padded
//   input (Caffe clips its divisor there; ONNX leaves it unspecified). Without padding such a pool
//   is written with count_include_pad=0, which then divides the same way;
// - a softmax over an axis followed by non-unit axes at opsets below 13 (Softmax then normalised
//   all trailing axes together).
#pragma once

#include "ir/graph.h"

#include <string>

namespace sqz::compiler {

struct OnnxExportOptions {
    int opset = 13;
    bool raw_data = true;  // initializers in raw_data (else in float_data)
};

// Serialised ModelProto bytes. The graph must verify and its weights must be bound; throws
// sqz::Error otherwise, or when the graph cannot be expressed at the requested opset.
std::string export_onnx(const ir::Graph& graph, const OnnxExportOptions& options = {});

}  // namespace sqz::compiler
