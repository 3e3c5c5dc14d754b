// The state the ONNX importer carries from node to node (the graph being built, the constant
// tensors, the opset) and the table of per-operator converters (onnx_import_ops.cpp) that use it.
// Internal to the ONNX frontend.
#pragma once

#include "ir/builder.h"
#include "ir/error.h"

#include <onnx/onnx_pb.h>

#include <deque>
#include <map>
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

// An 8-bit tensor of the model (a QuantizeLinear or QLinear output): the graph value holding its
// real values, which the graph rounds to the tensor's grid, and the tensor's ONNX element type.
struct EightBitTensor {
    std::string value;
    ir::ActivationQuant quant;  // the grid in ir's unsigned form (a signed zero point + 128)
    int32_t elem_type = onnx::TensorProto_DataType_UINT8;
};

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
    // Whether any node or graph output reads `name`, and how many times.
    bool used(const std::string& name) const { return used_.count(name) > 0; }
    int use_count(const std::string& name) const {
        auto it = use_counts_.find(name);
        return it == use_counts_.end() ? 0 : it->second;
    }
    void set_use_counts(std::unordered_map<std::string, int> counts) { use_counts_ = std::move(counts); }

    // Quantized models (onnx_import_qdq.cpp). 8-bit tensors, read by tensor_input only while
    // `allow_eight_bit` (operators that pass 8-bit values through: MaxPool, Concat, reshapes).
    const EightBitTensor* eight_bit(const std::string& name) const {
        auto it = eight_bit_.find(name);
        return it == eight_bit_.end() ? nullptr : &it->second;
    }
    void define_eight_bit(const std::string& name, EightBitTensor tensor) { eight_bit_[name] = std::move(tensor); }
    void allow_eight_bit(bool allow) { allow_eight_bit_ = allow; }
    // A DequantizeLinear output: another name of the graph value holding an 8-bit tensor's values.
    void define_alias(const std::string& name, const std::string& value) { aliases_[name] = value; }
    const std::string* alias(const std::string& name) const {
        auto it = aliases_.find(name);
        return it == aliases_.end() ? nullptr : &it->second;
    }
    // The roundings to 8 bits of graph values (ir::Graph::activation_quant of the finished graph).
    void round_value(const std::string& value, ir::ActivationQuant q) { roundings_[value] = q; }
    bool rounded(const std::string& value) const { return roundings_.count(value) > 0; }
    const std::map<std::string, ir::ActivationQuant>& roundings() const { return roundings_; }
    // The int8 form of a dequantized constant, or why it has none (asymmetric, -128, ...).
    void set_int8_weights(const std::string& constant, ir::Int8Weights weights) {
        int8_weights_[constant] = std::move(weights);
    }
    const ir::Int8Weights* int8_weights(const std::string& constant) const {
        auto it = int8_weights_.find(constant);
        return it == int8_weights_.end() ? nullptr : &it->second;
    }
    void set_int8_refusal(const std::string& constant, std::string why) { int8_refusals_[constant] = std::move(why); }
    const std::string* int8_refusal(const std::string& constant) const {
        auto it = int8_refusals_.find(constant);
        return it == int8_refusals_.end() ? nullptr : &it->second;
    }

    // Dense values to bind to a constant of the finished graph.
    void bind_later(std::string constant, std::vector<float> values) {
        bindings_.emplace_back(std::move(constant), std::move(values));
    }
    std::vector<std::pair<std::string, std::vector<float>>>& bindings() { return bindings_; }
    // An int8 form to bind (with the values it dequantises to) to a constant of the finished graph.
    void bind_int8_later(std::string constant, ir::Int8Weights weights) {
        int8_bindings_.emplace_back(std::move(constant), std::move(weights));
    }
    std::vector<std::pair<std::string, ir::Int8Weights>>& int8_bindings() { return int8_bindings_; }

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
    std::unordered_map<std::string, int> use_counts_;
    std::unordered_map<std::string, EightBitTensor> eight_bit_;
    bool allow_eight_bit_ = false;
    std::unordered_map<std::string, std::string> aliases_;
    std::map<std::string, ir::ActivationQuant> roundings_;
    std::unordered_map<std::string, ir::Int8Weights> int8_weights_;
    std::unordered_map<std::string, std::string> int8_refusals_;
    std::vector<std::pair<std::string, ir::Int8Weights>> int8_bindings_;
};

// Converts one node: appends IR nodes to the builder and defines the node's outputs.
using Converter = void (*)(ImportContext& ctx, const onnx::NodeProto& node);

// The domain ONNX Runtime's contributed operators (QLinearAdd, ...) live in.
inline constexpr std::string_view kMicrosoftDomain = "com.microsoft";

struct ConverterEntry {
    std::string_view op_type;
    Converter convert;
    std::vector<std::string_view> attributes;  // every attribute the operator defines (opsets 7 to 17)
    std::string_view domain = "";              // "" for the default ONNX domain
};
// The quantized operators (onnx_import_qdq.cpp).
const std::vector<ConverterEntry>& qdq_converters();

// The converter for an operator of a domain ("" or "ai.onnx" for the default one), or null when sqzc
// does not support it.
const ConverterEntry* find_converter(std::string_view domain, std::string_view op_type);
// Refuses attributes the node's operator does not define, and attributes given twice (the ONNX
// checker refuses both; silently ignoring one could change the meaning).
void check_attribute_names(const ImportContext& ctx, const onnx::NodeProto& node, const ConverterEntry& entry);

// Whether the node reads an 8-bit tensor; then convert_eight_bit converts it: operators that pass
// 8-bit values through (MaxPool, Concat, Flatten, Reshape, Identity) give an 8-bit tensor on the
// same grid, anything else is refused.
bool reads_eight_bit(const ImportContext& ctx, const onnx::NodeProto& node);
void convert_eight_bit(ImportContext& ctx, const onnx::NodeProto& node, Converter convert);

}  // namespace sqz::compiler::onnx_import
