// Writing an ONNX graph: tensor names kept unique, nodes, attributes and initializers. Shared by
// the float exporter (onnx_export.cpp) and its QDQ form of int8 graphs (onnx_export_qdq.cpp).
// Internal to the ONNX exporter.
#pragma once

#include "compiler/frontends/onnx_common.h"

#include <onnx/onnx_pb.h>

#include <string>
#include <unordered_set>
#include <vector>

namespace sqz::compiler {

class OnnxWriter {
public:
    OnnxWriter(onnx::ModelProto& model, bool raw_data) : model_(model), raw_data_(raw_data) {}

    // Marks a name as taken (the graph's own names, reserved before anything is written).
    void reserve(const std::string& name) { names_.insert(name); }
    // A tensor name not taken yet, based on `base`.
    std::string fresh_name(const std::string& base);

    // A node named like its one output.
    onnx::NodeProto& add_node(const char* op_type, const std::vector<std::string>& inputs, const std::string& output);
    static void add_int(onnx::NodeProto& node, const char* name, int64_t value);
    static void add_ints(onnx::NodeProto& node, const char* name, const std::vector<int64_t>& values);
    static void add_window(onnx::NodeProto& node, const ir::Window& w);

    // Initializers.
    void add_floats(const std::string& name, const ir::Dims& dims, const std::vector<float>& values);
    void add_integers(const std::string& name, int32_t elem_type, const ir::Dims& dims, const std::vector<int32_t>& values);
    void add_int64s(const std::string& name, const std::vector<int64_t>& values);

private:
    onnx::ModelProto& model_;
    bool raw_data_;
    std::unordered_set<std::string> names_;
};

}  // namespace sqz::compiler
