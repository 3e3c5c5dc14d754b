// Integer parameters of an int8 convolution, derived from its float weights and bias and its
// quantisation scales (ConvQuant in attrs.h). One deterministic function serves the reference
// interpreter and code generation, so both compute the same integers and agree exactly.
//
// Weights: symmetric per output channel, w_q = round(w / s_w[o]) in [-127, 127] with
// s_w[o] = max|w[o]| / 127 rounded to float32 (so that a QDQ ONNX file states it exactly), or the
// weight constant's int8 form as it is (a quantized model's own weights). The accumulator t = bias_q[o] + sum(x_q * w_q) is exact in int32
// (|x_q| <= 255, |w_q| <= 127, at most 2^16 terms). Then, for a u8 output:
//   u = rshift(t * multiplier[o], shift)           (rshift rounds half up: (v + 2^(s-1)) >> s)
//   u = max(u, 0)                                   (the fused ReLU)
//   u += rshift(r_q * residual_multiplier, shift)   (a u8 residual)
//   y_q = min(u, 255)
// and for a float output: y = float(t) * float_multiplier[o], then ReLU, then + residual.
#pragma once

#include "ir/attrs.h"
#include "ir/constant.h"

#include <cstdint>
#include <vector>

namespace sqz::ir {

struct Int8ConvParams {
    std::vector<int8_t> weights;           // [O, I, kh, kw] like the float weights
    std::vector<double> weight_scales;     // [O]
    std::vector<int32_t> bias;             // [O], in units of input_scale * weight_scale[o]
    std::vector<int32_t> multiplier;       // [O], u8 output
    int32_t residual_multiplier = 0;       // u8 residual
    int shift = 0;
    std::vector<float> float_multiplier;   // [O], float output
};

Int8ConvParams int8_conv_params(const Constant& weight, const Constant* bias, const ConvQuant& quant);

// (v + 2^(shift-1)) >> shift, with an arithmetic shift (rounds half up); shift >= 1.
inline int64_t rounding_shift(int64_t v, int shift) { return (v + (int64_t{1} << (shift - 1))) >> shift; }

// Float to u8 with the given scale: clamp(round(y / scale), 0, 255), rounding half to even.
uint8_t quantize_u8(double y, double scale);

// A float input of an int8 conv as u8 (ConvQuant in attrs.h): v = x / scale + zero_point in float32
// (x and scale as float32), clamped to [0, 255], then rounded half to even. Kernels compute these
// same float32 operations (lower_conv_int8.cpp), so they agree exactly; it equals QuantizeLinear's
// clamp(round(x / scale) + zero_point, 0, 255) (as ONNX Runtime computes it in float32) except
// where adding the zero point rounds a quotient within a float32 rounding of a half to the half.
uint8_t quantize_input(double x, double scale, int32_t zero_point);

// Rounds y to the 8-bit grid of (scale, zero_point), as QuantizeLinear then DequantizeLinear do:
// (clamp(round(y / scale) + zero_point, 0, 255) - zero_point) * scale, rounding half to even.
double fake_quantize(double y, double scale, int32_t zero_point);

}  // namespace sqz::ir
