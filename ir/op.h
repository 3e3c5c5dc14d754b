// The operators of the graph IR and their fixed properties, dispatched through one table.
// Adding an operator touches: this enum and the table in op.cpp, attrs.h if it has attributes,
// shape_inference.cpp, interpreter.cpp, the text form (text_printer.cpp, text_parser.cpp), and
// codegen's lowering.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace sqz::ir {

enum class OpKind : uint8_t {
    Conv,
    Relu,
    MaxPool,
    AvgPool,
    GlobalAvgPool,
    Concat,
    Add,
    Dropout,
    Softmax,
    Flatten,
    Reshape,
    Identity,
};

// Which alternative of ir::Attrs an operator carries.
enum class AttrKind : uint8_t { None, Conv, Pool, Concat, Softmax, Reshape };

struct OpInfo {
    OpKind kind;
    std::string_view name;   // as written in the text form
    int min_inputs;
    int max_inputs;          // -1: any number
    AttrKind attrs;
};

const OpInfo& op_info(OpKind kind);
std::optional<OpKind> parse_op(std::string_view name);
inline std::string_view op_name(OpKind kind) { return op_info(kind).name; }

}  // namespace sqz::ir
