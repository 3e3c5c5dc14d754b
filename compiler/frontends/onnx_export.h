// ONNX writer: any graph sqzc can read, written as a standard ONNX model so that other tools can
// run it (and so tests can build ONNX files of their own).
#pragma once

#include "ir/graph.h"

#include <string>

namespace sqz::compiler {

struct OnnxExportOptions {
    int opset = 13;
    bool raw_data = true;  // initializers in raw_data (else in float_data)
};

// Serialised ModelProto bytes. The graph's weights must be bound.
std::string export_onnx(const ir::Graph& graph, const OnnxExportOptions& options = {});

}  // namespace sqz::compiler
