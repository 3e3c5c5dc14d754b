// The float64 reference interpreter (see interpreter.h). One function per operator, each a direct
// transcription of the operator's definition in attrs.h.
#include "ir/interpreter.h"

#include "ir/error.h"
#include "ir/quantization.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_map>

namespace sqz::ir {
namespace {

using Values = std::vector<double>;

struct Dims4 {
    int64_t n, c, h, w;
    explicit Dims4(const Dims& d) : n(d[0]), c(d[1]), h(d[2]), w(d[3]) {}
};

// Rounds every value to the 8-bit grid of (scale, zero_point) (quantization.h).
void round_to_grid(Values& values, double scale, int32_t zero_point) {
    for (double& v : values) v = fake_quantize(v, scale, zero_point);
}

Values conv(const TensorF64& input, const Node& node, const Constant& weight, const Constant* bias,
            const TensorF64* residual) {
    const ConvAttrs& a = node.conv();
    const Window& win = a.window;
    TensorF64 rounded;
    if (a.quant.rounds_float_input()) {
        rounded = input;
        round_to_grid(rounded.data, a.quant.input_scale, a.quant.input_zero_point);
    }
    const TensorF64& x = a.quant.rounds_float_input() ? rounded : input;
    Dims4 in(x.dims), out(node.type.dims);
    const std::vector<float>& w = weight.data();
    Values y(static_cast<size_t>(node.type.numel()));
    for (int64_t n = 0; n < out.n; ++n) {
        for (int64_t o = 0; o < out.c; ++o) {
            double* dst = &y[static_cast<size_t>(((n * out.c + o) * out.h) * out.w)];
            std::fill(dst, dst + out.h * out.w, bias ? static_cast<double>(bias->data()[static_cast<size_t>(o)]) : 0.0);
            for (int64_t c = 0; c < in.c; ++c) {
                const double* src = &x.data[static_cast<size_t>(((n * in.c + c) * in.h) * in.w)];
                for (int64_t ky = 0; ky < win.kernel_h; ++ky) {
                    for (int64_t kx = 0; kx < win.kernel_w; ++kx) {
                        double wv = w[static_cast<size_t>(((o * in.c + c) * win.kernel_h + ky) * win.kernel_w + kx)];
                        if (wv == 0) continue;  // pruned weights (2/3 of Deep Compression's) add nothing
                        for (int64_t oy = 0; oy < out.h; ++oy) {
                            int64_t iy = oy * win.stride_h - win.pad_top + ky;
                            if (iy < 0 || iy >= in.h) continue;
                            for (int64_t ox = 0; ox < out.w; ++ox) {
                                int64_t ix = ox * win.stride_w - win.pad_left + kx;
                                if (ix < 0 || ix >= in.w) continue;
                                dst[oy * out.w + ox] += wv * src[iy * in.w + ix];
                            }
                        }
                    }
                }
            }
            if (a.relu)
                for (int64_t i = 0; i < out.h * out.w; ++i) dst[i] = std::max(dst[i], 0.0);
            if (residual) {
                const int64_t rc = residual->dims[1];
                const double* r = &residual->data[static_cast<size_t>(((n * rc + a.residual_offset + o) * out.h) * out.w)];
                const double scale = a.quant.residual_scale > 0 ? a.quant.residual_scale : 1.0;  // u8 residual
                for (int64_t i = 0; i < out.h * out.w; ++i) dst[i] += r[i] * scale;
            }
            if (a.quant.u8_output)
                for (int64_t i = 0; i < out.h * out.w; ++i) dst[i] = quantize_u8(dst[i], a.quant.output_scale);
        }
    }
    return y;
}

// An int8 convolution, exactly as quantization.h defines it: u8 input values (held as doubles; a
// float input is quantised first and its zero point subtracted), int8 weights, an int64
// accumulator, and the integer (or float) epilogue.
Values conv_int8(const TensorF64& input, bool float_input, const Node& node, const Constant& weight,
                 const Constant* bias, const TensorF64* residual) {
    const ConvAttrs& a = node.conv();
    const Window& win = a.window;
    const Int8ConvParams p = int8_conv_params(weight, bias, a.quant);
    TensorF64 quantised;
    if (float_input) {
        quantised = input;
        for (double& v : quantised.data)
            v = static_cast<double>(quantize_input(v, a.quant.input_scale, a.quant.input_zero_point)) -
                a.quant.input_zero_point;
    }
    const TensorF64& x = float_input ? quantised : input;
    Dims4 in(x.dims), out(node.type.dims);
    Values y(static_cast<size_t>(node.type.numel()));
    std::vector<int64_t> acc(static_cast<size_t>(out.h * out.w));
    for (int64_t n = 0; n < out.n; ++n) {
        for (int64_t o = 0; o < out.c; ++o) {
            std::fill(acc.begin(), acc.end(), p.bias[static_cast<size_t>(o)]);
            for (int64_t c = 0; c < in.c; ++c) {
                const double* src = &x.data[static_cast<size_t>(((n * in.c + c) * in.h) * in.w)];
                for (int64_t ky = 0; ky < win.kernel_h; ++ky)
                    for (int64_t kx = 0; kx < win.kernel_w; ++kx) {
                        const int64_t wq = p.weights[static_cast<size_t>(((o * in.c + c) * win.kernel_h + ky) * win.kernel_w + kx)];
                        if (wq == 0) continue;
                        for (int64_t oy = 0; oy < out.h; ++oy) {
                            const int64_t iy = oy * win.stride_h - win.pad_top + ky;
                            if (iy < 0 || iy >= in.h) continue;
                            for (int64_t ox = 0; ox < out.w; ++ox) {
                                const int64_t ix = ox * win.stride_w - win.pad_left + kx;
                                if (ix < 0 || ix >= in.w) continue;
                                acc[static_cast<size_t>(oy * out.w + ox)] += wq * static_cast<int64_t>(src[iy * in.w + ix]);
                            }
                        }
                    }
            }
            double* dst = &y[static_cast<size_t>(((n * out.c + o) * out.h) * out.w)];
            const double* r = nullptr;
            if (residual)
                r = &residual->data[static_cast<size_t>(((n * residual->dims[1] + a.residual_offset + o) * out.h) * out.w)];
            for (int64_t i = 0; i < out.h * out.w; ++i) {
                const int64_t t = acc[static_cast<size_t>(i)];
                SQZ_ASSERT(t >= INT32_MIN && t <= INT32_MAX, "int8 accumulator of '{}' overflows", node.name);
                if (a.quant.u8_output) {
                    int64_t u = rounding_shift(t * p.multiplier[static_cast<size_t>(o)], p.shift);
                    if (a.relu) u = std::max<int64_t>(u, 0);
                    if (r) u += rounding_shift(static_cast<int64_t>(r[i]) * p.residual_multiplier, p.shift);
                    dst[i] = static_cast<double>(std::clamp<int64_t>(u, 0, 255));
                } else {
                    double v = static_cast<double>(static_cast<float>(t) * p.float_multiplier[static_cast<size_t>(o)]);
                    if (a.relu) v = std::max(v, 0.0);
                    if (r) v += r[i] * (a.quant.residual_scale > 0 ? a.quant.residual_scale : 1.0);
                    dst[i] = v;
                }
            }
        }
    }
    return y;
}

Values pool(const TensorF64& x, const Node& node) {
    const PoolAttrs& a = node.pool();
    const Window& win = a.window;
    const bool is_max = node.op == OpKind::MaxPool;
    Dims4 in(x.dims), out(node.type.dims);
    Values y(static_cast<size_t>(node.type.numel()));
    size_t k = 0;
    for (int64_t nc = 0; nc < out.n * out.c; ++nc) {
        const double* src = &x.data[static_cast<size_t>(nc * in.h * in.w)];
        for (int64_t oy = 0; oy < out.h; ++oy) {
            for (int64_t ox = 0; ox < out.w; ++ox) {
                int64_t y0 = oy * win.stride_h - win.pad_top, x0 = ox * win.stride_w - win.pad_left;
                int64_t y1 = y0 + win.kernel_h, x1 = x0 + win.kernel_w;
                double acc = is_max ? -std::numeric_limits<double>::infinity() : 0.0;
                for (int64_t iy = std::max<int64_t>(y0, 0); iy < std::min(y1, in.h); ++iy)
                    for (int64_t ix = std::max<int64_t>(x0, 0); ix < std::min(x1, in.w); ++ix)
                        acc = is_max ? std::max(acc, src[iy * in.w + ix]) : acc + src[iy * in.w + ix];
                if (!is_max) {
                    int64_t count;
                    if (a.count_include_pad)
                        count = (std::min(y1, in.h + win.pad_bottom) - y0) * (std::min(x1, in.w + win.pad_right) - x0);
                    else
                        count = (std::min(y1, in.h) - std::max<int64_t>(y0, 0)) *
                                (std::min(x1, in.w) - std::max<int64_t>(x0, 0));
                    acc /= static_cast<double>(count);
                }
                y[k++] = acc;
            }
        }
    }
    return y;
}

Values global_avg_pool(const TensorF64& x) {
    Dims4 in(x.dims);
    Values y(static_cast<size_t>(in.n * in.c));
    for (int64_t nc = 0; nc < in.n * in.c; ++nc) {
        double sum = 0;
        for (int64_t i = 0; i < in.h * in.w; ++i) sum += x.data[static_cast<size_t>(nc * in.h * in.w + i)];
        y[static_cast<size_t>(nc)] = sum / static_cast<double>(in.h * in.w);
    }
    return y;
}

// Splits dims around `axis` into outer (before), the axis itself, and inner (after) extents.
void split_at(const Dims& dims, int64_t axis, int64_t& outer, int64_t& inner) {
    outer = inner = 1;
    for (int64_t i = 0; i < static_cast<int64_t>(dims.size()); ++i) {
        if (i < axis) outer *= dims[static_cast<size_t>(i)];
        if (i > axis) inner *= dims[static_cast<size_t>(i)];
    }
}

Values concat(const std::vector<const TensorF64*>& parts, const Node& node) {
    int64_t axis = node.concat().axis, outer, inner;
    split_at(node.type.dims, axis, outer, inner);
    Values y;
    y.reserve(static_cast<size_t>(node.type.numel()));
    for (int64_t o = 0; o < outer; ++o) {
        for (const TensorF64* t : parts) {
            int64_t chunk = t->dims[static_cast<size_t>(axis)] * inner;
            auto begin = t->data.begin() + o * chunk;
            y.insert(y.end(), begin, begin + chunk);
        }
    }
    return y;
}

Values softmax(const TensorF64& x, const Node& node) {
    int64_t axis = node.softmax().axis, outer, inner;
    split_at(x.dims, axis, outer, inner);
    int64_t len = x.dims[static_cast<size_t>(axis)];
    Values y(x.data.size());
    for (int64_t o = 0; o < outer; ++o) {
        for (int64_t i = 0; i < inner; ++i) {
            auto at = [&](int64_t k) { return static_cast<size_t>((o * len + k) * inner + i); };
            double m = -std::numeric_limits<double>::infinity();
            for (int64_t k = 0; k < len; ++k) m = std::max(m, x.data[at(k)]);
            double sum = 0;
            for (int64_t k = 0; k < len; ++k) sum += (y[at(k)] = std::exp(x.data[at(k)] - m));
            for (int64_t k = 0; k < len; ++k) y[at(k)] /= sum;
        }
    }
    return y;
}

}  // namespace

TensorF64 evaluate_node(const Graph& graph, const Node& node, const ValueLookup& value_of) {
    auto arg = [&](size_t i) -> const TensorF64& { return value_of(node.inputs[i]); };
    TensorF64 result{node.type.dims, {}};
    switch (node.op) {
    case OpKind::Conv: {
        const Constant* w = graph.find_constant(node.inputs[1]);
        const Constant* b = node.has_bias() ? graph.find_constant(node.inputs[2]) : nullptr;
        SQZ_ASSERT(w != nullptr, "conv '{}' has no weight constant", node.name);
        if (!w->bound() || (b && !b->bound())) user_error("conv '{}' has no weights bound", node.name);
        const TensorF64* residual = node.conv().residual ? &arg(node.inputs.size() - 1) : nullptr;
        const bool float_input = graph.type_of(node.inputs[0]).dtype == DType::F32;
        result.data = node.conv().quant.int8_input ? conv_int8(arg(0), float_input, node, *w, b, residual)
                                                   : conv(arg(0), node, *w, b, residual);
        break;
    }
    case OpKind::Relu:
        result.data = arg(0).data;
        for (double& v : result.data) v = std::max(v, 0.0);
        break;
    case OpKind::MaxPool:
    case OpKind::AvgPool: result.data = pool(arg(0), node); break;
    case OpKind::GlobalAvgPool: result.data = global_avg_pool(arg(0)); break;
    case OpKind::Concat: {
        std::vector<const TensorF64*> parts;
        for (size_t i = 0; i < node.inputs.size(); ++i) parts.push_back(&arg(i));
        result.data = concat(parts, node);
        break;
    }
    case OpKind::Add: {
        result.data = arg(0).data;
        const Values& b = arg(1).data;
        for (size_t i = 0; i < result.data.size(); ++i) result.data[i] += b[i];
        break;
    }
    case OpKind::Softmax: result.data = softmax(arg(0), node); break;
    case OpKind::Dropout:
    case OpKind::Identity:
    case OpKind::Flatten:
    case OpKind::Reshape: result.data = arg(0).data; break;
    case OpKind::Count: SQZ_ASSERT(false, "node '{}' has no operator", node.name);
    }
    SQZ_ASSERT(static_cast<int64_t>(result.data.size()) == node.type.numel(), "node '{}' produced {} values",
               node.name, result.data.size());
    if (auto q = graph.activation_quant.find(node.name); q != graph.activation_quant.end())
        round_to_grid(result.data, q->second.scale, q->second.zero_point);
    return result;
}

std::vector<TensorF64> interpret(const Graph& graph, const std::vector<Tensor>& inputs) {
    return interpret(graph, inputs, NodeObserver());
}

std::vector<TensorF64> interpret(const Graph& graph, const std::vector<Tensor>& inputs, const NodeObserver& observe) {
    if (inputs.size() != graph.inputs.size())
        user_error("graph '{}' takes {} inputs, {} given", graph.name, graph.inputs.size(), inputs.size());
    std::unordered_map<std::string, TensorF64> values;
    for (size_t i = 0; i < inputs.size(); ++i) {
        TensorType expected = graph.type_of(graph.inputs[i].name);
        if (inputs[i].dims != expected.dims || static_cast<int64_t>(inputs[i].data.size()) != expected.numel())
            user_error("input '{}' has shape {} with {} values, expected {}", graph.inputs[i].name,
                       dims_to_string(inputs[i].dims), inputs[i].data.size(), dims_to_string(expected.dims));
        TensorF64 value{inputs[i].dims, Values(inputs[i].data.begin(), inputs[i].data.end())};
        if (auto q = graph.activation_quant.find(graph.inputs[i].name); q != graph.activation_quant.end())
            round_to_grid(value.data, q->second.scale, q->second.zero_point);
        values[graph.inputs[i].name] = std::move(value);
    }
    // Free each value after its last use.
    std::unordered_map<std::string, int> remaining;
    for (const Node& node : graph.nodes)
        for (const std::string& in : node.inputs) ++remaining[in];
    for (const std::string& out : graph.outputs) ++remaining[out];

    for (const Node& node : graph.nodes) {
        TensorF64 result = evaluate_node(graph, node, [&](const std::string& name) -> const TensorF64& {
            auto it = values.find(name);
            SQZ_ASSERT(it != values.end(), "node '{}' reads '{}' before it is computed", node.name, name);
            return it->second;
        });
        if (observe) observe(node, result);
        for (const std::string& in : node.inputs)
            if (--remaining[in] == 0) values.erase(in);
        values[node.name] = std::move(result);
    }

    std::vector<TensorF64> outputs;
    for (const std::string& name : graph.outputs) {
        auto it = values.find(name);
        SQZ_ASSERT(it != values.end(), "output '{}' was not computed", name);
        outputs.push_back(it->second);
    }
    return outputs;
}

}  // namespace sqz::ir
