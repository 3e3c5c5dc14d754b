// Writing an ONNX graph (see onnx_writer.h).
#include "compiler/exporters/onnx_writer.h"

#include <fmt/format.h>

namespace sqz::compiler {

std::string OnnxWriter::fresh_name(const std::string& base) {
    std::string name = base;
    for (int i = 1; names_.count(name); ++i) name = fmt::format("{}_{}", base, i);
    names_.insert(name);
    return name;
}

onnx::NodeProto& OnnxWriter::add_node(const char* op_type, const std::vector<std::string>& inputs,
                                      const std::string& output) {
    onnx::NodeProto* node = model_.mutable_graph()->add_node();
    node->set_op_type(op_type);
    node->set_name(output);
    for (const std::string& in : inputs) node->add_input(in);
    node->add_output(output);
    return *node;
}

void OnnxWriter::add_int(onnx::NodeProto& node, const char* name, int64_t value) {
    onnx::AttributeProto* a = node.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(value);
}

void OnnxWriter::add_ints(onnx::NodeProto& node, const char* name, const std::vector<int64_t>& values) {
    onnx::AttributeProto* a = node.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INTS);
    for (int64_t v : values) a->add_ints(v);
}

void OnnxWriter::add_window(onnx::NodeProto& node, const ir::Window& w) {
    add_ints(node, "kernel_shape", {w.kernel_h, w.kernel_w});
    add_ints(node, "strides", {w.stride_h, w.stride_w});
    add_ints(node, "pads", {w.pad_top, w.pad_left, w.pad_bottom, w.pad_right});
}

void OnnxWriter::add_floats(const std::string& name, const ir::Dims& dims, const std::vector<float>& values) {
    write_onnx_floats(*model_.mutable_graph()->add_initializer(), name, dims, values, raw_data_);
}

void OnnxWriter::add_integers(const std::string& name, int32_t elem_type, const ir::Dims& dims,
                              const std::vector<int32_t>& values) {
    write_onnx_integers(*model_.mutable_graph()->add_initializer(), name, elem_type, dims, values);
}

void OnnxWriter::add_int64s(const std::string& name, const std::vector<int64_t>& values) {
    write_onnx_int64s(*model_.mutable_graph()->add_initializer(), name, values, raw_data_);
}

}  // namespace sqz::compiler
