// Sampling one convolution's patches and target outputs (see layer_samples.h).
#include "compiler/compression/layer_samples.h"

#include "ir/attrs.h"
#include "ir/error.h"

#include <algorithm>

namespace sqz::compiler {
namespace {

// The input patch of output position (oy, ox), in weight order.
void gather_patch(const ir::TensorF64& x, const ir::Window& win, int64_t oy, int64_t ox, std::vector<double>& patch) {
    const int64_t channels = x.dims[1], h = x.dims[2], w = x.dims[3];
    size_t k = 0;
    for (int64_t c = 0; c < channels; ++c)
        for (int64_t ky = 0; ky < win.kernel_h; ++ky) {
            const int64_t iy = oy * win.stride_h - win.pad_top + ky;
            for (int64_t kx = 0; kx < win.kernel_w; ++kx, ++k) {
                const int64_t ix = ox * win.stride_w - win.pad_left + kx;
                patch[k] = iy < 0 || iy >= h || ix < 0 || ix >= w ? 0.0
                                                                  : x.data[static_cast<size_t>((c * h + iy) * w + ix)];
            }
        }
}

}  // namespace

LayerSamples LayerSamples::concatenate(const std::vector<LayerSamples>& parts) {
    SQZ_ASSERT(!parts.empty(), "concatenating no samples");
    LayerSamples out(parts[0].fan_in, parts[0].out_channels);
    for (const LayerSamples& s : parts) {
        SQZ_ASSERT(s.fan_in == out.fan_in && s.out_channels == out.out_channels, "concatenating samples of different layers");
        out.positions += s.positions;
    }
    const auto p = static_cast<size_t>(out.positions);
    out.patches.resize(static_cast<size_t>(out.fan_in) * p);
    out.targets.resize(static_cast<size_t>(out.out_channels) * p);
    out.input.reserve(p);
    size_t at = 0;
    for (const LayerSamples& s : parts) {
        const auto n = static_cast<size_t>(s.positions);
        for (size_t i = 0; i < static_cast<size_t>(out.fan_in); ++i)
            std::copy_n(&s.patches[i * n], n, &out.patches[i * p + at]);
        for (size_t o = 0; o < static_cast<size_t>(out.out_channels); ++o)
            std::copy_n(&s.targets[o * n], n, &out.targets[o * p + at]);
        out.input.insert(out.input.end(), s.input.begin(), s.input.end());
        at += n;
    }
    return out;
}

LayerSamples sample_layer(const ir::Node& node, const ir::TensorF64& input, const ir::TensorF64& target_input,
                          const std::vector<float>& target_weights, const std::vector<float>& target_bias,
                          int64_t max_positions, uint32_t index) {
    SQZ_ASSERT(node.op == ir::OpKind::Conv, "samples of '{}', which is not a convolution", node.name);
    SQZ_ASSERT(input.dims == target_input.dims && input.dims.size() == 4 && input.dims[0] == 1,
               "conv '{}': samples need two batch-1 inputs of one shape", node.name);
    const ir::Window& win = node.conv().window;
    const int64_t out_channels = node.type.dims[1], out_h = node.type.dims[2], out_w = node.type.dims[3];
    const int64_t fan_in = input.dims[1] * win.kernel_h * win.kernel_w;
    SQZ_ASSERT(static_cast<int64_t>(target_weights.size()) == out_channels * fan_in,
               "conv '{}': {} weights for {} x {}", node.name, target_weights.size(), out_channels, fan_in);
    SQZ_ASSERT(target_bias.empty() || static_cast<int64_t>(target_bias.size()) == out_channels,
               "conv '{}': {} biases for {} channels", node.name, target_bias.size(), out_channels);
    const auto f = static_cast<size_t>(fan_in), o_count = static_cast<size_t>(out_channels);

    // The original weights by output channel, non-zeros only.
    std::vector<std::vector<std::pair<uint32_t, double>>> rows(o_count);
    for (size_t o = 0; o < o_count; ++o)
        for (size_t i = 0; i < f; ++i)
            if (const float v = target_weights[o * f + i]; v != 0.0f) rows[o].emplace_back(static_cast<uint32_t>(i), v);

    const int64_t total = out_h * out_w;
    const int64_t count = std::min(total, std::max<int64_t>(1, max_positions));
    LayerSamples s(fan_in, out_channels);
    s.positions = count;
    s.patches.resize(f * static_cast<size_t>(count));
    s.targets.resize(o_count * static_cast<size_t>(count));
    s.input.assign(static_cast<size_t>(count), index);
    std::vector<double> x(f), t(f);
    for (int64_t k = 0; k < count; ++k) {
        const int64_t p = k * total / count;  // evenly spread
        gather_patch(input, win, p / out_w, p % out_w, x);
        gather_patch(target_input, win, p / out_w, p % out_w, t);
        for (size_t i = 0; i < f; ++i) s.patches[i * static_cast<size_t>(count) + static_cast<size_t>(k)] = x[i];
        for (size_t o = 0; o < o_count; ++o) {
            double y = target_bias.empty() ? 0.0 : static_cast<double>(target_bias[o]);
            for (const auto& [i, w] : rows[o]) y += w * t[i];
            s.targets[o * static_cast<size_t>(count) + static_cast<size_t>(k)] = y;
        }
    }
    return s;
}

}  // namespace sqz::compiler
