// Lowering of int8 Conv nodes (ConvQuant::int8_input): u8 activations times int8 weights with
// int32 accumulation, then the integer requantisation to u8 (or the float epilogue), exactly as
// ir/quantization.h defines it. Weights are packed four input channels at a time so that the
// reduction maps onto the target's dot-product instructions (AVX-512 VNNI vpdpbusd: 4 u8 x s8
// products summed into each int32 lane; ARM sdot).
//
// The JIT (LLVM) and packages (sqzc's C++ backend, c_backend.h, which prints the same reduction as
// the target's dot-product instructions where Halide's own C++ printer would scalarise it) share
// this algorithm and schedule. Packages had two forms of their own until the C++ backend learned
// the dot products: scalar row dot products left to g++'s vectoriser, and exact float32 sums for
// short reductions; the shared form ran v1.1 twice as fast (docs/int8.md).
//
// A float input (the image, for the first conv) is quantised first, whole, into the kernel's
// workspace (quantized_input.h): q(c, x, y, n) over the padded map, in groups of four channels
// (ir::quantize_input, in float32 as the interpreter computes it; the padding and the channels
// beyond the input's hold the zero point z, whose real value is 0). The reduction then reads q with
// no bounds tests and sums q * w_q, which is the definition's sum of (q - z) * w_q plus
// z * sum(w_q): the packed bias holds bias_q - z * sum(w_q).
//
// Buffers: input u8 f(c, x, y, n) (or float, quantised as above); packed weight
// w(c4, co, cb, kx, ky) = w_q[co, 4*cb + c4, ky, kx] (0 for channels beyond the input's); bias b(co)
// int32; multiplier m(co) int32 (u8 output) or float (float output); output f(c, x, y, n).
#include "codegen/conv_blocking.h"
#include "codegen/lowering_context.h"
#include "codegen/quantized_input.h"

#include "ir/error.h"
#include "ir/quantization.h"

#include <algorithm>

namespace sqz::codegen {

using namespace Halide;

namespace {

Buffer<int8_t> pack_int8_weight(const ir::Int8ConvParams& p, const ir::Dims& d) {
    const int co = static_cast<int>(d[0]), ci = static_cast<int>(d[1]), kh = static_cast<int>(d[2]),
              kw = static_cast<int>(d[3]);
    Buffer<int8_t> packed(4, co, (ci + 3) / 4, kw, kh);
    packed.fill(0);
    for (int o = 0; o < co; ++o)
        for (int i = 0; i < ci; ++i)
            for (int ky = 0; ky < kh; ++ky)
                for (int kx = 0; kx < kw; ++kx)
                    packed(i % 4, o, i / 4, kx, ky) = p.weights[static_cast<size_t>(((o * ci + i) * kh + ky) * kw + kx)];
    return packed;
}

// bias_q - z * (the sum of each output channel's weights): the bias of a reduction that reads
// the quantised input q where the definition reads q - z.
std::vector<int32_t> bias_with_zero_point(const ir::Int8ConvParams& p, int32_t zero_point, const ir::Node& node) {
    std::vector<int32_t> bias = p.bias;
    const size_t per_output = p.weights.size() / bias.size();
    for (size_t o = 0; o < bias.size(); ++o) {
        int64_t sum = 0;
        for (size_t k = o * per_output; k < (o + 1) * per_output; ++k) sum += p.weights[k];
        const int64_t b = static_cast<int64_t>(bias[o]) - static_cast<int64_t>(zero_point) * sum;
        SQZ_ASSERT(b >= INT32_MIN && b <= INT32_MAX, "bias of int8 conv '{}' channel {} overflows int32", node.name, o);
        bias[o] = static_cast<int32_t>(b);
    }
    return bias;
}

// ir::quantize_input of float x in Halide: the same float32 operations (strict: no reciprocal, no
// fused multiply-add), then half to even without a call (the C++ backend would call nearbyint lane
// by lane): for v in [0, 255], v + 2^23 has no fraction bits left, so adding rounds v to an integer
// half to even, and subtracting 2^23 again is exact.
Expr quantize_input_expr(const Expr& x, double scale, int32_t zero_point) {
    const Expr v = clamp(strict_float(x / static_cast<float>(scale) + static_cast<float>(zero_point)), 0.0f, 255.0f);
    const Expr rounded = strict_float((v + 8388608.0f) - 8388608.0f);
    return cast<uint8_t>(rounded);
}

template <typename T>
Buffer<T> vector_buffer(const std::vector<T>& v) {
    Buffer<T> b(static_cast<int>(v.size()));
    for (size_t i = 0; i < v.size(); ++i) b(static_cast<int>(i)) = v[i];
    return b;
}

}  // namespace

void lower_conv_int8(LoweringContext& ctx, const ir::Node& node) {
    const ir::ConvAttrs& a = node.conv();
    const ir::ConvQuant& q = a.quant;
    const ir::Window& win = a.window;
    const Value& in = ctx.value(node.inputs[0]);
    const ir::Constant* weight = ctx.graph.find_constant(node.inputs[1]);
    const ir::Constant* bias = node.has_bias() ? ctx.graph.find_constant(node.inputs[2]) : nullptr;
    const int in_c = static_cast<int>(in.dims[1]), in_h = static_cast<int>(in.dims[2]),
              in_w = static_cast<int>(in.dims[3]);
    const int out_c = static_cast<int>(node.type.dims[1]), out_w = static_cast<int>(node.type.dims[3]);
    const int kw = static_cast<int>(win.kernel_w), kh = static_cast<int>(win.kernel_h);
    const bool float_input = needs_quantized_input(ctx.graph, node);
    SQZ_ASSERT((float_input || in_c % 4 == 0) && ctx.channels_innermost(),
               "int8 conv '{}' needs channels-innermost input in fours", node.name);
    const ir::Int8ConvParams p = ir::int8_conv_params(*weight, bias, q);
    const int groups = (in_c + 3) / 4;

    // The algorithm: the bias plus the int32 sum over (c4, cb, kx, ky), ci = 4 * cb + c4.
    ImageParam b = ctx.add_derived_weight(
        node.name + ".bias_q", vector_buffer(float_input ? bias_with_zero_point(p, q.input_zero_point, node) : p.bias));
    ImageParam w = ctx.add_derived_weight(node.inputs[1], pack_int8_weight(p, weight->type.dims));
    const int64_t max_pad = std::max({win.pad_top, win.pad_left, win.pad_bottom, win.pad_right});
    const Var c = ctx.c, x = ctx.x, y = ctx.y, n = ctx.n;
    Func src = in.func;
    Func quantized(ctx.func_name(node.name, "quantized_input"));
    Expr x0 = x * static_cast<int>(win.stride_w) - static_cast<int>(win.pad_left);
    Expr y0 = y * static_cast<int>(win.stride_h) - static_cast<int>(win.pad_top);
    if (float_input) {
        // The quantised input over the padded map (the workspace); outside the map and beyond the
        // input's channels the float input reads as 0, which quantises to the zero point.
        const Func bounded = BoundaryConditions::constant_exterior(in.func, 0.0f, value_region(in));
        quantized(c, x, y, n) = quantize_input_expr(
            bounded(c, x - static_cast<int>(win.pad_left), y - static_cast<int>(win.pad_top), n), q.input_scale,
            q.input_zero_point);
        ctx.add_workspace(quantized);
        src = quantized;
        x0 = x * static_cast<int>(win.stride_w);
        y0 = y * static_cast<int>(win.stride_h);
    } else if (max_pad > in.border) {
        src = BoundaryConditions::constant_exterior(in.func, cast<uint8_t>(0), value_region(in));
    }
    Func acc(ctx.func_name(node.name, "acc"));
    RDom r(0, 4, 0, groups, 0, kw, 0, kh, ctx.func_name(node.name, "r"));
    acc(c, x, y, n) = b(c);
    acc(c, x, y, n) += cast<int32_t>(src(r.y * 4 + r.x, x0 + r.z, y0 + r.w, n)) * cast<int32_t>(w(r.x, c, r.y, r.z, r.w));
    const Expr sum = acc(c, x, y, n);

    // The epilogue (quantization.h): integer requantisation to u8, or the float output.
    Expr result;
    if (q.u8_output) {
        ImageParam m = ctx.add_derived_weight(node.name + ".multiplier", vector_buffer(p.multiplier));
        const Expr round = Expr(static_cast<int64_t>(1) << (p.shift - 1));
        Expr v = (cast<int64_t>(sum) * cast<int64_t>(m(c)) + round) >> p.shift;
        if (a.relu) v = max(v, cast<int64_t>(0));
        if (a.residual) {
            Expr res = ctx.value(node.residual_input()).func(c + static_cast<int>(a.residual_offset), x, y, n);
            v += (cast<int64_t>(res) * cast<int64_t>(p.residual_multiplier) + round) >> p.shift;
        }
        result = cast<uint8_t>(clamp(v, cast<int64_t>(0), cast<int64_t>(255)));
    } else {
        ImageParam m = ctx.add_derived_weight(node.name + ".multiplier", vector_buffer(p.float_multiplier));
        Expr v = cast<float>(sum) * m(c);
        if (a.relu) v = max(v, 0.0f);
        if (a.residual) {
            Expr res = ctx.value(node.residual_input()).func(c + static_cast<int>(a.residual_offset), x, y, n);
            v += q.residual_scale > 0 ? cast<float>(res) * static_cast<float>(q.residual_scale) : res;
        }
        result = v;
    }
    Func out(ctx.func_name(node.name));
    out(c, x, y, n) = result;
    Value value{out, node.type.dims};
    ctx.materialize(value, node.name);
    ctx.define(node.name, value);
    if (!ctx.manual()) return;

    const std::optional<LoopLevel> level = ctx.fused_level_if_any(node.name);
    const int64_t input_elements = static_cast<int64_t>(in_c) * in_h * in_w;

    // Schedule: tiles of int32 accumulators as in the float conv, the four-channel groups of the
    // reduction vectorised atomically, which LLVM and sqzc's C++ backend both map onto the
    // dot-product instructions (16 int32 lanes of 4 products each per vpdpbusd on AVX-512).
    const ConvBlocking blk = choose_conv_blocking(ctx.options.target, out_c, out_w);
    const int64_t weight_elements = weight->type.numel();
    const int vw = ctx.vector_width;
    const int input_vector = std::min(vw, 16);
    ctx.schedule([=]() mutable {
        if (float_input) {
            // A pipeline output (the workspace): computed first, whole, row by row in parallel, the
            // four channels of a pixel unrolled and pixels across the lanes.
            Var yn("yn");
            quantized.reorder(c, x, y, n).fuse(y, n, yn).parallel(yn).bound(c, 0, 4 * groups).unroll(c)
                .vectorize(x, input_vector, TailStrategy::GuardWithIf);
        }
        const ConvTileVars t = place_conv_tiles(out, blk, weight_elements, input_elements, out_c, level, c, x, y, n);
        const Var xo = t.xo, ci = t.ci;
        acc.compute_at(out, xo).store_in(MemoryType::Register).unroll(x);
        acc.update().reorder(r.x, c, x, r.y, r.z, r.w).unroll(x);
        if (blk.vectorize) {
            out.vectorize(ci, vw).unroll(ci);
            acc.vectorize(c, vw).unroll(c);
            acc.update().atomic().vectorize(r.x).vectorize(c, vw).unroll(c);
        } else {
            out.unroll(ci);
            acc.unroll(c);
            acc.update().unroll(c);
        }
    });
}

}  // namespace sqz::codegen
