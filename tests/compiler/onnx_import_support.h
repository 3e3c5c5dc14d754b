// Helpers of the ONNX import tests (onnx_import_test.cpp, onnx_import_errors_test.cpp): importing
// a model built in the test, the message an import fails with, and a tiny conv model to break.
#pragma once

#include "compiler/frontends/onnx_import.h"
#include "ir/error.h"
#include "ir/interpreter.h"
#include "tests/compiler/onnx_test_models.h"

#include <map>
#include <string>
#include <vector>

namespace sqz::test {

inline const std::string kFile = "m.onnx";

inline ir::Graph import(const OnnxModel& m) { return compiler::parse_onnx(m.bytes(), kFile); }

// The message parse_onnx fails with, or "no error".
inline std::string import_error(const std::string& bytes) {
    try {
        compiler::parse_onnx(bytes, kFile);
    } catch (const Error& e) {
        return e.what();
    }
    return "no error";
}
inline std::string import_error(const OnnxModel& m) { return import_error(m.bytes()); }

inline std::vector<double> run(const ir::Graph& g, const ir::Tensor& input) { return ir::interpret(g, {input}).at(0).data; }

inline std::map<ir::OpKind, int> op_counts(const ir::Graph& g) {
    std::map<ir::OpKind, int> counts;
    for (const ir::Node& n : g.nodes) ++counts[n.op];
    return counts;
}

// x [N,1,5,5] -> Conv "c" (2 filters 3x3, pad 1) -> Relu "y".
// The type of the model's first graph input, and one of its dimensions.
inline onnx::TypeProto_Tensor& input_type(OnnxModel& m) {
    return *m.graph().mutable_input(0)->mutable_type()->mutable_tensor_type();
}
inline onnx::TensorShapeProto_Dimension* input_dim(OnnxModel& m, int i) {
    return input_type(m).mutable_shape()->mutable_dim(i);
}

inline OnnxModel tiny_conv_model(int opset = 13, bool raw = true) {
    OnnxModel m(opset);
    m.input("x", {1, 5, 5});
    m.initializer("w", {2, 1, 3, 3}, random_values(18, 1), raw);
    m.initializer("b", {2}, {0.25f, -0.5f}, raw);
    onnx::NodeProto& c = m.node("Conv", {"x", "w", "b"}, {"c"}, "conv");
    set_attr(c, "pads", std::vector<int64_t>{1, 1, 1, 1});
    m.node("Relu", {"c"}, {"y"}, "relu");
    m.output("y", {2, 5, 5});
    return m;
}


// Every supported operator once, and the same net built directly:
// x[4,9,9] -> Conv+Relu [8,9,9] -> MaxPool (ceil) and AveragePool (ceil, count_include_pad) [8,4,4]
// -> Concat (axis -3) -> Add with its Identity -> Dropout -> GlobalAveragePool [16,1,1]
// -> Reshape by a Constant [4,4] -> Flatten [16] -> Softmax.
inline OnnxModel all_ops_model() {
    OnnxModel m(13);
    m.input("x", {4, 9, 9});
    m.initializer("w", {8, 4, 3, 3}, random_values(288, 21, -0.3f, 0.3f));
    m.initializer("b", {8}, random_values(8, 22));
    set_attr(m.node("Conv", {"x", "w", "b"}, {"c"}), "pads", std::vector<int64_t>{1, 1, 1, 1});
    m.node("Relu", {"c"}, {"r"});
    for (const char* op : {"MaxPool", "AveragePool"}) {
        onnx::NodeProto& p = m.node(op, {"r"}, {op == std::string("MaxPool") ? "mp" : "ap"});
        set_attr(p, "kernel_shape", std::vector<int64_t>{3, 3});
        set_attr(p, "strides", std::vector<int64_t>{2, 2});
        set_attr(p, "ceil_mode", int64_t{1});
        if (op == std::string("AveragePool")) set_attr(p, "count_include_pad", int64_t{1});
    }
    set_attr(m.node("Concat", {"mp", "ap"}, {"cat"}), "axis", int64_t{-3});
    m.node("Identity", {"cat"}, {"id"});
    m.node("Add", {"cat", "id"}, {"sum"});
    m.node("Dropout", {"sum"}, {"drop"});
    m.node("GlobalAveragePool", {"drop"}, {"gap"});
    set_attr(m.node("Constant", {}, {"shape"}), "value_ints", std::vector<int64_t>{0, 4, -1});
    m.node("Reshape", {"gap", "shape"}, {"grid"});
    set_attr(m.node("Flatten", {"grid"}, {"flat"}), "axis", int64_t{1});
    set_attr(m.node("Softmax", {"flat"}, {"prob"}), "axis", int64_t{1});
    m.output("prob", {16});
    return m;
}

}  // namespace sqz::test
