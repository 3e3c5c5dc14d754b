// The state the ONNX importer carries from node to node (the graph being built, the constant
// tensors, the opset) and the table of per-operator converters (onnx_import_ops.cpp) that use it.
// Internal to the ONNX frontend.
#pragma once

#include "ir/builder.h"
#include "ir/error.h"

#include <onnx/onnx_pb.h>

#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace sqz::compiler::onnx_import {

// "file: node 'name' (op Type)", the prefix of every message about a node. Nodes without a name
// are named by their first output.
std::string describe_node(const std::string& file, const onnx::NodeProto& node);

class ImportContext {
public:
    ImportContext(std::string file, int opset, int64_t file_batch, ir::GraphBuilder& builder,
                  std::unordered_set<std::string> used_names)
        : file_(std::move(file)), opset_(opset), file_batch_(file_batch), builder_(builder),
          used_(std::move(used_names)) {}

    const std::string& file() const { return file_; }
    int opset() const { return opset_; }
    // The batch size the file was written for (1 when symbolic); graphs import with batch 1.
    int64_t file_batch() const { return file_batch_; }
    ir::GraphBuilder& builder() { return builder_; }

    std::string describe(const onnx::NodeProto& node) const { return describe_node(file_, node); }

    template <typename... Args>
    [[noreturn]] void fail(const onnx::NodeProto& node, fmt::format_string<Args...> format, Args&&... args) const {
        user_error("{}: {}", describe(node), fmt::format(format, std::forward<Args>(args)...));
    }

    // Attributes, with their type checked; `fallback` when absent.
    const onnx::AttributeProto* attribute(const onnx::NodeProto& node, std::string_view name) const;
    int64_t attr_int(const onnx::NodeProto& node, std::string_view name, int64_t fallback) const;
    std::vector<int64_t> attr_ints(const onnx::NodeProto& node, std::string_view name,
                                   std::vector<int64_t> fallback) const;
    std::string attr_string(const onnx::NodeProto& node, std::string_view name, std::string fallback) const;

    // Checks the number of inputs, and that outputs past the first `used_outputs` are not read.
    void expect_arity(const onnx::NodeProto& node, int min_inputs, int max_inputs, int used_outputs = 1) const;
    // Whether input i is given (present and not the empty name).
    static bool has_input(const onnx::NodeProto& node, int i) {
        return i < node.input_size() && !node.input(i).empty();
    }
    // Input i as a value of the graph being built; fails if it is a constant or absent.
    const std::string& tensor_input(const onnx::NodeProto& node, int i) const;
    // Input i as a constant tensor (initializer or Constant node output), or null if it is not one.
    const onnx::TensorProto* constant_input(const onnx::NodeProto& node, int i) const;
    // The type of a graph value.
    ir::TensorType type_of(const std::string& value) const { return builder_.type_of(value); }

    // Registers names: a graph value just built, or a constant tensor (kept by pointer).
    void define_value(const std::string& name) { values_.insert(name); }
    bool is_value(const std::string& name) const { return values_.count(name) > 0; }
    void define_constant(const std::string& name, const onnx::TensorProto* tensor) { constants_[name] = tensor; }
    bool is_constant(const std::string& name) const { return constants_.count(name) > 0; }
    // Storage for a constant the importer creates itself (Constant nodes with value_ints, ...).
    onnx::TensorProto& new_constant(const std::string& name);
    // Whether any node or graph output reads `name`.
    bool used(const std::string& name) const { return used_.count(name) > 0; }

    // Dense values to bind to a constant of the finished graph.
    void bind_later(std::string constant, std::vector<float> values) {
        bindings_.emplace_back(std::move(constant), std::move(values));
    }
    std::vector<std::pair<std::string, std::vector<float>>>& bindings() { return bindings_; }

private:
    std::string file_;
    int opset_;
    int64_t file_batch_;
    ir::GraphBuilder& builder_;
    std::unordered_set<std::string> used_;
    std::unordered_set<std::string> values_;
    std::unordered_map<std::string, const onnx::TensorProto*> constants_;
    std::deque<onnx::TensorProto> owned_;
    std::vector<std::pair<std::string, std::vector<float>>> bindings_;
};

// Converts one node: appends IR nodes to the builder and defines the node's outputs.
using Converter = void (*)(ImportContext& ctx, const onnx::NodeProto& node);

// The converter for an operator of the default domain, or null when sqzc does not support it.
Converter find_converter(std::string_view op_type);
// Refuses attributes the node's operator does not define, and attributes given twice (the ONNX
// checker refuses both; silently ignoring one could change the meaning). The operator must have a
// converter.
void check_attribute_names(const ImportContext& ctx, const onnx::NodeProto& node);

}  // namespace sqz::compiler::onnx_import
