// int8 convolution parameters (see quantization.h).
#include "ir/quantization.h"

#include "ir/error.h"

#include <algorithm>
#include <cmath>

namespace sqz::ir {

Int8ConvParams int8_conv_params(const Constant& weight, const Constant* bias, const ConvQuant& quant) {
    SQZ_ASSERT(quant.int8_input && quant.input_scale > 0, "int8 parameters for a conv without int8 input");
    const std::vector<float>& w = weight.data();
    const int64_t outputs = weight.type.dims[0];
    const size_t per_output = w.size() / static_cast<size_t>(outputs);
    Int8ConvParams p;
    p.weights.resize(w.size());
    p.weight_scales.resize(static_cast<size_t>(outputs));
    p.bias.resize(static_cast<size_t>(outputs));
    for (int64_t o = 0; o < outputs; ++o) {
        const size_t first = static_cast<size_t>(o) * per_output;
        double scale = 0;
        if (weight.int8) {
            scale = weight.int8->scales[static_cast<size_t>(o)];
            std::copy_n(weight.int8->values.begin() + static_cast<std::ptrdiff_t>(first), per_output,
                        p.weights.begin() + static_cast<std::ptrdiff_t>(first));
        } else {
            double max_abs = 0;
            for (size_t k = first; k < first + per_output; ++k) max_abs = std::max(max_abs, std::fabs(static_cast<double>(w[k])));
            scale = max_abs > 0 ? static_cast<double>(static_cast<float>(max_abs / 127.0)) : 1.0;
            for (size_t k = first; k < first + per_output; ++k) {
                const double q = std::nearbyint(static_cast<double>(w[k]) / scale);
                p.weights[k] = static_cast<int8_t>(std::clamp(q, -127.0, 127.0));
            }
        }
        p.weight_scales[static_cast<size_t>(o)] = scale;
        const double b = bias ? static_cast<double>(bias->data()[static_cast<size_t>(o)]) : 0.0;
        const double bq = std::nearbyint(b / (quant.input_scale * scale));
        p.bias[static_cast<size_t>(o)] = static_cast<int32_t>(std::clamp(bq, -1073741824.0, 1073741824.0));
    }
    if (quant.u8_output) {
        // The largest shift that keeps every multiplier below 2^31.
        double largest = quant.residual_scale / quant.output_scale;
        for (double s : p.weight_scales) largest = std::max(largest, quant.input_scale * s / quant.output_scale);
        p.shift = 31;
        while (p.shift > 1 && std::nearbyint(largest * std::ldexp(1.0, p.shift)) >= 2147483647.0) --p.shift;
        p.multiplier.resize(static_cast<size_t>(outputs));
        for (int64_t o = 0; o < outputs; ++o)
            p.multiplier[static_cast<size_t>(o)] = static_cast<int32_t>(std::nearbyint(
                quant.input_scale * p.weight_scales[static_cast<size_t>(o)] / quant.output_scale * std::ldexp(1.0, p.shift)));
        p.residual_multiplier =
            static_cast<int32_t>(std::nearbyint(quant.residual_scale / quant.output_scale * std::ldexp(1.0, p.shift)));
    } else {
        p.float_multiplier.resize(static_cast<size_t>(outputs));
        for (int64_t o = 0; o < outputs; ++o)
            p.float_multiplier[static_cast<size_t>(o)] =
                static_cast<float>(quant.input_scale * p.weight_scales[static_cast<size_t>(o)]);
    }
    return p;
}

uint8_t quantize_u8(double y, double scale) {
    return static_cast<uint8_t>(std::clamp(std::nearbyint(y / scale), 0.0, 255.0));
}

uint8_t quantize_input(double x, double scale, int32_t zero_point) {
    const float v = static_cast<float>(x) / static_cast<float>(scale) + static_cast<float>(zero_point);
    return static_cast<uint8_t>(std::nearbyint(std::clamp(v, 0.0f, 255.0f)));
}

double fake_quantize(double y, double scale, int32_t zero_point) {
    const double q = std::clamp(std::nearbyint(y / scale) + zero_point, 0.0, 255.0);
    return (q - zero_point) * scale;
}

}  // namespace sqz::ir
