// Attributes of the graph IR's operators: plain data, one struct per operator family.
#pragma once

#include "ir/conv_algorithm.h"
#include "ir/tensor_type.h"

#include <cstdint>
#include <variant>

namespace sqz::ir {

// A 2-D sliding window: kernel, stride and per-side padding (top/left/bottom/right).
struct Window {
    int64_t kernel_h = 1, kernel_w = 1;
    int64_t stride_h = 1, stride_w = 1;
    int64_t pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;

    bool operator==(const Window& o) const {
        return kernel_h == o.kernel_h && kernel_w == o.kernel_w && stride_h == o.stride_h &&
               stride_w == o.stride_w && pad_top == o.pad_top && pad_left == o.pad_left &&
               pad_bottom == o.pad_bottom && pad_right == o.pad_right;
    }
};

// Conv: inputs (x, weight[O,I,kh,kw], optional bias[O], optional residual). Output:
//   y = act(bias + sum w * x) [+ residual[:, residual_offset : residual_offset + O]]
// where act is ReLU when `relu` is set (fused by a pass) and the residual, a 4-D tensor with the
// output's batch and map size, is added after the activation (a bypass, fused by a pass).
//
// Quantisation (set by the quantize-int8 pass): u8 activations hold q with real value q * scale
// (zero point 0; they come after a ReLU, so they are never negative). With `int8_input` the
// reduction is exact integer arithmetic on int8 weights, quantised per output channel from the
// float weights by ir::int8_conv_params (quantization.h), or given by the weight's int8 form; the
// input x is u8 (zero point 0), or float (the image, for the first conv), which the conv quantises
// first to u8 q = quantize_input(x, input_scale, input_zero_point) (quantization.h) and reduces as
// q - input_zero_point (padding contributes nothing). With `u8_output` the epilogue requantises to
// u8. A u8 residual has its own scale.
// Without `int8_input`, an `input_scale` above 0 rounds the float input to 8 bits first, as an
// imported quantized model does with its image (ONNX QuantizeLinear then DequantizeLinear):
//   x = (clamp(round(x / input_scale) + input_zero_point, 0, 255) - input_zero_point) * input_scale
// (rounding half to even), and computes in float.
struct ConvQuant {
    bool int8_input = false;
    double input_scale = 0;
    int32_t input_zero_point = 0;  // of a rounded or quantised float input, in [0, 255]
    bool u8_output = false;
    double output_scale = 0;
    double residual_scale = 0;  // > 0: the residual is u8 with this scale

    bool any() const { return int8_input || u8_output || input_scale > 0; }
    // The float input is rounded to 8 bits before the convolution.
    bool rounds_float_input() const { return !int8_input && input_scale > 0; }
    bool operator==(const ConvQuant& o) const {
        return int8_input == o.int8_input && input_scale == o.input_scale && input_zero_point == o.input_zero_point &&
               u8_output == o.u8_output && output_scale == o.output_scale && residual_scale == o.residual_scale;
    }
};

struct ConvAttrs {
    Window window;
    int64_t out_channels = 0;
    bool relu = false;
    bool residual = false;         // the last input is the residual tensor
    int64_t residual_offset = 0;   // first channel of the residual tensor to add
    ConvQuant quant;
    // How code generation computes it (conv_algorithm.h; Winograd only for float 3x3 stride-1 convs).
    ConvAlgorithm algorithm = ConvAlgorithm::Direct;

    bool operator==(const ConvAttrs& o) const {
        return window == o.window && out_channels == o.out_channels && relu == o.relu && residual == o.residual &&
               residual_offset == o.residual_offset && quant == o.quant && algorithm == o.algorithm;
    }
};

// How a pooled output size is rounded: Caffe rounds up (and drops a last window that would start
// in the padding), ONNX rounds down unless ceil_mode is set.
enum class Rounding : uint8_t { Floor, Ceil };

// MaxPool and AvgPool. Windows are clipped to the input for max pooling. For average pooling the
// divisor counts the window's elements inside the input, plus the padding when count_include_pad
// (as Caffe does), but never elements past the padded extent.
struct PoolAttrs {
    Window window;
    Rounding rounding = Rounding::Floor;
    bool count_include_pad = false;

    bool operator==(const PoolAttrs& o) const {
        return window == o.window && rounding == o.rounding && count_include_pad == o.count_include_pad;
    }
};

// Concat along an axis of the full (batched) shape; SqueezeNet concatenates channels (axis 1).
// `in_place` (set by the concat-elimination pass) asks code generation to have each input's
// producer write straight into its slice of the output; the meaning is unchanged.
struct ConcatAttrs {
    int64_t axis = 1;
    bool in_place = false;
    bool operator==(const ConcatAttrs& o) const { return axis == o.axis && in_place == o.in_place; }
};

// Softmax over one axis of the full shape.
struct SoftmaxAttrs {
    int64_t axis = 1;
    bool operator==(const SoftmaxAttrs& o) const { return axis == o.axis; }
};

// Reshape to [N, shape...]: the batch dimension is kept, `shape` gives the per-sample dimensions.
struct ReshapeAttrs {
    Dims shape;
    bool operator==(const ReshapeAttrs& o) const { return shape == o.shape; }
};

using Attrs = std::variant<std::monostate, ConvAttrs, PoolAttrs, ConcatAttrs, SoftmaxAttrs, ReshapeAttrs>;

}  // namespace sqz::ir
