// The QDQ form of an int8 graph (after quantize-int8), as ONNX Runtime's static quantizer writes
// quantized models, with sqzc's own scales and integers so that ONNX Runtime computes the same
// model. Internal to the ONNX exporter (onnx_export.cpp).
//
// Every u8 value v becomes  producer --> QuantizeLinear(s, 0) --> v_quantized --> DequantizeLinear --> v
// (UINT8, zero point 0), so that the float name v keeps meaning the value's real values. An int8
// conv reads DequantizeLinear(int8 weights, one scale per output channel, axis 0) and
// DequantizeLinear(INT32 bias, scale input_scale x weight_scale[o]); a float conv reads the float
// weights. A conv with a float input and an input grid (an int8 conv quantising the image, or a
// float conv rounding it) reads it through QuantizeLinear/DequantizeLinear(input_scale,
// input_zero_point, UINT8), which ONNX Runtime fuses into its integer conv. A fused ReLU becomes Relu. A fused bypass becomes the
// Add it came from, after the concat of the convs that add it (or after the one conv): each conv's
// pre-bypass result is rounded to the output scale, the residual read at its own, and the sum
// rounded again, which is sqzc's integer epilogue. A u8 max pool or concat runs on the
// dequantized values and is quantized again with its (unchanged) scale.
#pragma once

#include "compiler/exporters/onnx_writer.h"
#include "ir/graph.h"

#include <functional>
#include <string>

namespace sqz::compiler {

class QdqExport {
public:
    // `write_float` writes a node as the float exporter does, its output named as given.
    using FloatWriter = std::function<void(const ir::Node&, const std::string&)>;
    QdqExport(OnnxWriter& writer, const ir::Graph& graph, FloatWriter write_float)
        : writer_(writer), graph_(graph), write_float_(std::move(write_float)) {}

    // Whether the graph has int8 quantisation (some conv's ConvQuant is set).
    bool int8() const;
    // Whether a constant is written as a FLOAT initializer (some float conv reads it).
    bool float_constant(const std::string& constant) const;
    // Writes `node` when its QDQ form differs from its float one; false when it is written as float.
    bool write(const ir::Node& node);

private:
    void write_conv(const ir::Node& conv);
    void write_concat(const ir::Node& concat);
    // QuantizeLinear then DequantizeLinear of `real` on a UINT8 grid, the result named `out`.
    void round(const std::string& real, double scale, int32_t zero_point, const std::string& out);
    // The int8 weights and INT32 bias of an int8 conv, dequantized; their float names.
    std::vector<std::string> int8_parameters(const ir::Node& conv);
    // Whether a conv's bypass is written after its concat (and not after the conv).
    bool bypass_after_concat(const ir::Node& conv) const;

    OnnxWriter& writer_;
    const ir::Graph& graph_;
    FloatWriter write_float_;
};

}  // namespace sqz::compiler
