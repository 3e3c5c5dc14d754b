// The calibration convolution (see calibration_conv.h).
//
// Per output channel, the output map (at most a few tens of KB: it stays in L1) accumulates one
// non-zero weight at a time: for kernel offset (ky, kx), the output rows whose input row lies
// inside the image, and in each row the output columns [ox_begin, ox_end) whose input column does,
// computed once per offset instead of tested per element.
#include "compiler/compression/calibration_conv.h"

#include "ir/error.h"

#include <algorithm>

namespace sqz::compiler {
namespace {

// The outputs o in [0, out) with 0 <= o * stride - pad + k < in.
void valid_range(int64_t out, int64_t in, int64_t stride, int64_t pad, int64_t k, int64_t& begin, int64_t& end) {
    const int64_t first = pad - k;  // o * stride >= first
    begin = first <= 0 ? 0 : (first + stride - 1) / stride;
    const int64_t last = in - 1 + pad - k;  // o * stride <= last
    end = last < 0 ? 0 : std::min(out, last / stride + 1);
    begin = std::min(begin, end);
}

struct Shape {
    int64_t channels, in_h, in_w, out_c, out_h, out_w;
};

// The algorithm. On x86-64, compiled for AVX-512 and AVX2 as well as the base target (no FMA: the
// products and sums stay those of the interpreter), chosen at load time; elsewhere as it is.
#if defined(__x86_64__) && defined(__GNUC__)
#define SQZ_CALIBRATION_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define SQZ_CALIBRATION_CLONES
#endif
SQZ_CALIBRATION_CLONES
void convolve(const Shape& s, const ir::Window& win, const double* input, const float* w, const float* bias,
              double* out) {
    const int64_t taps = win.kernel_h * win.kernel_w, map = s.out_h * s.out_w;
    const bool pointwise = taps == 1 && win.stride_h == 1 && win.stride_w == 1 && win.pad_top == 0 &&
                           win.pad_left == 0 && s.in_h == s.out_h && s.in_w == s.out_w;
    // Per kernel offset, the valid output rows and columns.
    std::vector<int64_t> row_begin(win.kernel_h), row_end(win.kernel_h), col_begin(win.kernel_w), col_end(win.kernel_w);
    for (int64_t ky = 0; ky < win.kernel_h; ++ky)
        valid_range(s.out_h, s.in_h, win.stride_h, win.pad_top, ky, row_begin[ky], row_end[ky]);
    for (int64_t kx = 0; kx < win.kernel_w; ++kx)
        valid_range(s.out_w, s.in_w, win.stride_w, win.pad_left, kx, col_begin[kx], col_end[kx]);
    const int64_t sx = win.stride_w;
    for (int64_t o = 0; o < s.out_c; ++o) {
        double* dst = out + o * map;
        std::fill(dst, dst + map, bias ? static_cast<double>(bias[o]) : 0.0);
        const float* wo = w + o * s.channels * taps;
        for (int64_t c = 0; c < s.channels; ++c) {
            const double* src = input + c * s.in_h * s.in_w;
            if (pointwise) {
                const double wv = wo[c];
                if (wv != 0)
                    for (int64_t i = 0; i < map; ++i) dst[i] += wv * src[i];
                continue;
            }
            for (int64_t ky = 0; ky < win.kernel_h; ++ky)
                for (int64_t kx = 0; kx < win.kernel_w; ++kx) {
                    const double wv = wo[(c * win.kernel_h + ky) * win.kernel_w + kx];
                    if (wv == 0) continue;
                    const int64_t x0 = col_begin[kx], x1 = col_end[kx];
                    for (int64_t oy = row_begin[ky]; oy < row_end[ky]; ++oy) {
                        const int64_t iy = oy * win.stride_h - win.pad_top + ky;
                        double* d = dst + oy * s.out_w;
                        const double* x = src + iy * s.in_w - win.pad_left + kx;
                        if (sx == 1)
                            for (int64_t ox = x0; ox < x1; ++ox) d[ox] += wv * x[ox];
                        else
                            for (int64_t ox = x0; ox < x1; ++ox) d[ox] += wv * x[ox * sx];
                    }
                }
        }
    }
}

}  // namespace

bool calibration_conv_applies(const ir::Graph& graph, const ir::Node& node) {
    if (node.op != ir::OpKind::Conv || node.inputs.size() < 2) return false;
    const ir::ConvAttrs& a = node.conv();
    if (a.quant.any() || a.residual || graph.activation_quant.count(node.name)) return false;
    const ir::Constant* w = graph.find_constant(node.inputs[1]);
    const ir::Dims& in = graph.type_of(node.inputs[0]).dims;
    if (!w || !w->bound() || in.size() != 4 || in[0] != 1 || node.type.dims.size() != 4) return false;
    if (node.has_bias() && !graph.find_constant(node.inputs[2])) return false;
    return w->type.numel() == node.type.dims[1] * in[1] * a.window.kernel_h * a.window.kernel_w;
}

ir::TensorF64 calibration_conv(const ir::Graph& graph, const ir::Node& node, const ir::TensorF64& input) {
    SQZ_ASSERT(calibration_conv_applies(graph, node), "conv '{}' is not a plain float convolution", node.name);
    SQZ_ASSERT(input.dims == graph.type_of(node.inputs[0]).dims, "conv '{}': input of shape {}", node.name,
               ir::dims_to_string(input.dims));
    const ir::ConvAttrs& a = node.conv();
    const std::vector<float>& w = graph.find_constant(node.inputs[1])->data();
    const std::vector<float>* bias = node.has_bias() ? &graph.find_constant(node.inputs[2])->data() : nullptr;
    ir::TensorF64 out{node.type.dims, std::vector<double>(static_cast<size_t>(node.type.numel()))};
    const Shape shape{input.dims[1], input.dims[2], input.dims[3], node.type.dims[1], node.type.dims[2], node.type.dims[3]};
    convolve(shape, a.window, input.data.data(), w.data(), bias ? bias->data() : nullptr, out.data.data());
    if (a.relu)
        for (double& v : out.data) v = std::max(v, 0.0);
    return out;
}

}  // namespace sqz::compiler
