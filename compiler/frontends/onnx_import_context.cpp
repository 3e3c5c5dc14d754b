// The ONNX importer's per-node state: attribute access and input lookups with checked types (see
// onnx_import_context.h).
#include "compiler/frontends/onnx_import_context.h"

namespace sqz::compiler::onnx_import {
namespace {

const char* attribute_type_name(onnx::AttributeProto::AttributeType type) {
    switch (type) {
    case onnx::AttributeProto::INT: return "an integer";
    case onnx::AttributeProto::INTS: return "a list of integers";
    case onnx::AttributeProto::FLOAT: return "a float";
    case onnx::AttributeProto::FLOATS: return "a list of floats";
    case onnx::AttributeProto::STRING: return "a string";
    case onnx::AttributeProto::TENSOR: return "a tensor";
    default: return "of another kind";
    }
}

}  // namespace

std::string describe_node(const std::string& file, const onnx::NodeProto& node) {
    std::string label = !node.name().empty() ? node.name() : node.output_size() > 0 ? node.output(0) : "";
    return fmt::format("{}: node '{}' (op {})", file, label, node.op_type());
}

const onnx::AttributeProto* ImportContext::attribute(const onnx::NodeProto& node, std::string_view name) const {
    for (const onnx::AttributeProto& a : node.attribute())
        if (a.name() == name) return &a;
    return nullptr;
}

namespace {

// The attribute's type; old files may leave `type` unset, so it is then guessed from the fields.
onnx::AttributeProto::AttributeType type_of_attribute(const onnx::AttributeProto& a) {
    if (a.type() != onnx::AttributeProto::UNDEFINED) return a.type();
    if (a.ints_size() > 0) return onnx::AttributeProto::INTS;
    if (a.floats_size() > 0) return onnx::AttributeProto::FLOATS;
    if (a.has_s()) return onnx::AttributeProto::STRING;
    if (a.has_t()) return onnx::AttributeProto::TENSOR;
    if (a.has_f()) return onnx::AttributeProto::FLOAT;
    return onnx::AttributeProto::INT;
}

}  // namespace

int64_t ImportContext::attr_int(const onnx::NodeProto& node, std::string_view name, int64_t fallback) const {
    const onnx::AttributeProto* a = attribute(node, name);
    if (!a) return fallback;
    if (type_of_attribute(*a) != onnx::AttributeProto::INT)
        fail(node, "attribute '{}' is {}, expected an integer", name, attribute_type_name(type_of_attribute(*a)));
    return a->i();
}

std::vector<int64_t> ImportContext::attr_ints(const onnx::NodeProto& node, std::string_view name,
                                              std::vector<int64_t> fallback) const {
    const onnx::AttributeProto* a = attribute(node, name);
    if (!a) return fallback;
    if (type_of_attribute(*a) != onnx::AttributeProto::INTS)
        fail(node, "attribute '{}' is {}, expected a list of integers", name,
             attribute_type_name(type_of_attribute(*a)));
    return {a->ints().begin(), a->ints().end()};
}

std::string ImportContext::attr_string(const onnx::NodeProto& node, std::string_view name,
                                       std::string fallback) const {
    const onnx::AttributeProto* a = attribute(node, name);
    if (!a) return fallback;
    if (type_of_attribute(*a) != onnx::AttributeProto::STRING)
        fail(node, "attribute '{}' is {}, expected a string", name, attribute_type_name(type_of_attribute(*a)));
    return a->s();
}

void ImportContext::expect_arity(const onnx::NodeProto& node, int min_inputs, int max_inputs,
                                 int used_outputs) const {
    // Trailing empty names mean "optional input not given".
    int given = node.input_size();
    while (given > 0 && node.input(given - 1).empty()) --given;
    if (given < min_inputs || (max_inputs >= 0 && given > max_inputs)) {
        if (min_inputs == max_inputs) fail(node, "has {} inputs, expected {}", given, min_inputs);
        if (max_inputs < 0) fail(node, "has {} inputs, expected at least {}", given, min_inputs);
        fail(node, "has {} inputs, expected {} to {}", given, min_inputs, max_inputs);
    }
    for (int i = 0; i < min_inputs; ++i)
        if (node.input(i).empty()) fail(node, "required input {} is empty", i);
    if (node.output_size() < 1 || node.output(0).empty()) fail(node, "has no output");
    for (int i = used_outputs; i < node.output_size(); ++i)
        if (!node.output(i).empty() && used(node.output(i)))
            fail(node, "output {} ('{}') is used, but sqzc supports only the first output of {}", i, node.output(i),
                 node.op_type());
}

const std::string& ImportContext::tensor_input(const onnx::NodeProto& node, int i) const {
    if (!has_input(node, i)) fail(node, "input {} is missing", i);
    const std::string& name = node.input(i);
    if (const EightBitTensor* q = eight_bit(name)) {
        if (!allow_eight_bit_)
            fail(node, "input '{}' is an 8-bit tensor; sqzc reads those through DequantizeLinear or a QLinear "
                       "operator", name);
        return q->value;
    }
    if (const std::string* value = alias(name)) return *value;
    if (is_constant(name))
        fail(node, "input '{}' is a constant; sqzc expects a tensor computed from the graph input here", name);
    if (!is_value(name)) fail(node, "input '{}' is not defined", name);
    return name;
}

const onnx::TensorProto* ImportContext::constant_input(const onnx::NodeProto& node, int i) const {
    if (!has_input(node, i)) return nullptr;
    auto it = constants_.find(node.input(i));
    return it == constants_.end() ? nullptr : it->second;
}

onnx::TensorProto& ImportContext::new_constant(const std::string& name) {
    owned_.emplace_back();
    constants_[name] = &owned_.back();
    return owned_.back();
}

}  // namespace sqz::compiler::onnx_import
