// Patch moments of one convolution over one image (see layer_moments.h).
//
// Cost: per sampled position, F^2 / 2 multiply-adds for A (upper triangle, mirrored at the end) and
// F^2 for C, both skipping the zeros of the patch (after a ReLU, about half), plus one multiply-add
// per non-zero original weight for T.
#include "compiler/compression/layer_moments.h"

#include "ir/attrs.h"
#include "ir/error.h"

#include <algorithm>

namespace sqz::compiler {

LayerMoments::LayerMoments(int64_t f, int64_t o)
    : fan_in(f), out_channels(o), xx(static_cast<size_t>(f * f), 0.0), xt(static_cast<size_t>(f * f), 0.0),
      sum(static_cast<size_t>(f), 0.0), sum_target(static_cast<size_t>(f), 0.0),
      target_square(static_cast<size_t>(o), 0.0) {}

void LayerMoments::merge(const LayerMoments& other) {
    SQZ_ASSERT(other.fan_in == fan_in && other.out_channels == out_channels, "merging moments of different layers");
    positions += other.positions;
    for (size_t i = 0; i < xx.size(); ++i) xx[i] += other.xx[i];
    for (size_t i = 0; i < xt.size(); ++i) xt[i] += other.xt[i];
    for (size_t i = 0; i < sum.size(); ++i) sum[i] += other.sum[i];
    for (size_t i = 0; i < sum_target.size(); ++i) sum_target[i] += other.sum_target[i];
    for (size_t i = 0; i < target_square.size(); ++i) target_square[i] += other.target_square[i];
}

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

LayerMoments layer_moments(const ir::Node& node, const ir::TensorF64& input, const ir::TensorF64& target_input,
                           const std::vector<float>& target_weights, int64_t max_positions) {
    SQZ_ASSERT(node.op == ir::OpKind::Conv, "moments of '{}', which is not a convolution", node.name);
    SQZ_ASSERT(input.dims == target_input.dims && input.dims.size() == 4 && input.dims[0] == 1,
               "conv '{}': moments need two batch-1 inputs of one shape", node.name);
    const ir::Window& win = node.conv().window;
    const int64_t out_channels = node.type.dims[1], out_h = node.type.dims[2], out_w = node.type.dims[3];
    const int64_t fan_in = input.dims[1] * win.kernel_h * win.kernel_w;
    SQZ_ASSERT(static_cast<int64_t>(target_weights.size()) == out_channels * fan_in,
               "conv '{}': {} weights for {} x {}", node.name, target_weights.size(), out_channels, fan_in);
    const auto f = static_cast<size_t>(fan_in);

    // The original weights by output channel, non-zeros only.
    std::vector<std::vector<std::pair<uint32_t, double>>> rows(static_cast<size_t>(out_channels));
    for (size_t o = 0; o < rows.size(); ++o)
        for (size_t i = 0; i < f; ++i)
            if (const float v = target_weights[o * f + i]; v != 0.0f) rows[o].emplace_back(static_cast<uint32_t>(i), v);

    LayerMoments m(fan_in, out_channels);
    const int64_t total = out_h * out_w;
    const int64_t count = std::min(total, std::max<int64_t>(1, max_positions));
    std::vector<double> x(f), t(f);
    std::vector<uint32_t> nonzero;
    for (int64_t s = 0; s < count; ++s) {
        const int64_t p = s * total / count;  // evenly spread
        gather_patch(input, win, p / out_w, p % out_w, x);
        gather_patch(target_input, win, p / out_w, p % out_w, t);
        nonzero.clear();
        for (size_t i = 0; i < f; ++i)
            if (x[i] != 0.0) nonzero.push_back(static_cast<uint32_t>(i));
        for (uint32_t i : nonzero) {
            const double xi = x[i];
            double* a = &m.xx[i * f];
            for (size_t j = i; j < f; ++j) a[j] += xi * x[j];
            double* c = &m.xt[i * f];
            for (size_t j = 0; j < f; ++j) c[j] += xi * t[j];
            m.sum[i] += xi;
        }
        for (size_t i = 0; i < f; ++i) m.sum_target[i] += t[i];
        for (size_t o = 0; o < rows.size(); ++o) {
            double y = 0;
            for (const auto& [i, w] : rows[o]) y += w * t[i];
            m.target_square[o] += y * y;
        }
    }
    m.positions = count;
    for (size_t i = 0; i < f; ++i)
        for (size_t j = 0; j < i; ++j) m.xx[i * f + j] = m.xx[j * f + i];
    return m;
}

}  // namespace sqz::compiler
