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


}  // namespace sqz::test
