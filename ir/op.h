// The operators of the graph IR and their fixed properties, dispatched through one table.
//
// Adding an operator touches (the compiler finds the starred ones: every table indexed by OpKind
// is checked against the enum with lists_every_op_in_order, and every switch over OpKind without
// a default fails the build (-Werror=switch) until it handles the new op):
//   ir/      * this enum and kOps in op.cpp; attrs.h and node.h if it has attributes (with the
//              accessor, e.g. Node::conv()); builder.h/.cpp (a constructor); * shape_inference.cpp;
//              verifier.cpp (its input and attribute rules); * interpreter.cpp (the reference);
//              text_printer.cpp and text_parser.cpp (its attributes in the text form); dot.cpp (its
//              label); stats.cpp (parameters and MACs, if it has any)
//   compiler/frontends/ the formats that have it: caffe_layers.cpp (kRules), onnx_import_ops.cpp
//              (converters()), a .sqz layer kind (SqzLayer::Kind in sqz_network.h, layer_kinds() in
//              sqz_explicit.cpp, the builder switch in sqz_network.cpp); if it has weights, the
//              readers caffemodel.cpp and deep_compression.cpp; and * onnx_export.cpp (its ONNX form)
//   compiler/passes/ the passes that must know it: remove_identity (pass-throughs), fuse_conv_relu,
//              fuse_pool, fuse_bypass, eliminate_concat (producers they fuse or write in place),
//              quantize_int8 (which ops run on u8)
//   codegen/   * kLowerers in lower_graph.cpp and a lower_*.cpp of its family (algorithm and
//              schedule); model_plan.cpp if its output can be a view of its input (in place)
//   tests/     ir/ (shape inference, interpreter, text form round trip), codegen/jit_ops_test.cpp
//              (numerics against the interpreter), the frontends' tests, and tests/corpus/cases.txt
//              for the malformed forms a frontend must reject
#pragma once

#include <cstddef>
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
    Count,  // not an operator: the number of operators; keep it last
};

inline constexpr size_t kOpCount = static_cast<size_t>(OpKind::Count);

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

// For tables indexed by OpKind whose entries name their op: true if `table` has one entry per
// operator and entry i is for OpKind(i). Use it in a static_assert beside the table:
//   static_assert(lists_every_op_in_order(kLowerers, &Lowerer::op), "...");
template <typename Entry, size_t N>
constexpr bool lists_every_op_in_order(const Entry (&table)[N], OpKind Entry::*op) {
    if (N != kOpCount) return false;
    for (size_t i = 0; i < N; ++i)
        if (table[i].*op != static_cast<OpKind>(i)) return false;
    return true;
}

}  // namespace sqz::ir
