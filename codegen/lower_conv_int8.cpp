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
// Buffers: input u8 f(c, x, y, n); packed weight w(c4, co, cb, kx, ky) = w_q[co, 4*cb + c4, ky, kx];
// bias b(co) int32; multiplier m(co) int32 (u8 output) or float (float output); output f(c, x, y, n).
#include "codegen/conv_blocking.h"
#include "codegen/lowering_context.h"

#include "ir/error.h"
#include "ir/quantization.h"

#include <algorithm>

namespace sqz::codegen {

using namespace Halide;

namespace {

Buffer<int8_t> pack_int8_weight(const ir::Int8ConvParams& p, const ir::Dims& d) {
    const int co = static_cast<int>(d[0]), ci = static_cast<int>(d[1]), kh = static_cast<int>(d[2]),
              kw = static_cast<int>(d[3]);
    Buffer<int8_t> packed(4, co, ci / 4, kw, kh);
    for (int o = 0; o < co; ++o)
        for (int i = 0; i < ci; ++i)
            for (int ky = 0; ky < kh; ++ky)
                for (int kx = 0; kx < kw; ++kx)
                    packed(i % 4, o, i / 4, kx, ky) = p.weights[static_cast<size_t>(((o * ci + i) * kh + ky) * kw + kx)];
    return packed;
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
              in_w = static_cast<int>(in.dims[3]), batch = static_cast<int>(in.dims[0]);
    const int out_c = static_cast<int>(node.type.dims[1]), out_w = static_cast<int>(node.type.dims[3]);
    const int kw = static_cast<int>(win.kernel_w), kh = static_cast<int>(win.kernel_h);
    SQZ_ASSERT(in_c % 4 == 0 && ctx.channels_innermost(), "int8 conv '{}' needs channels-innermost input in fours",
               node.name);
    const ir::Int8ConvParams p = ir::int8_conv_params(*weight, bias, q);

    // The algorithm: the bias plus the int32 sum over (c4, cb, kx, ky), ci = 4 * cb + c4.
    ImageParam b = ctx.add_derived_weight(node.name + ".bias_q", vector_buffer(p.bias));
    ImageParam w = ctx.add_derived_weight(node.inputs[1], pack_int8_weight(p, weight->type.dims));
    const int64_t max_pad = std::max({win.pad_top, win.pad_left, win.pad_bottom, win.pad_right});
    Func src = in.func;
    if (max_pad > in.border)
        src = BoundaryConditions::constant_exterior(in.func, cast<uint8_t>(0), {{0, in_c}, {0, in_w}, {0, in_h}, {0, batch}});
    const Var c = ctx.c, x = ctx.x, y = ctx.y, n = ctx.n;
    const Expr x0 = x * static_cast<int>(win.stride_w) - static_cast<int>(win.pad_left);
    const Expr y0 = y * static_cast<int>(win.stride_h) - static_cast<int>(win.pad_top);
    Func acc(ctx.func_name(node.name, "acc"));
    RDom r(0, 4, 0, in_c / 4, 0, kw, 0, kh, ctx.func_name(node.name, "r"));
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
    ctx.schedule([=]() mutable {
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
