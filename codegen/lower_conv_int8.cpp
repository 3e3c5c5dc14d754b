// Lowering of int8 Conv nodes (ConvQuant::int8_input): u8 activations times int8 weights with
// int32 accumulation, then the integer requantisation to u8 (or the float epilogue), exactly as
// ir/quantization.h defines it. Weights are packed four input channels at a time so that the
// reduction maps onto the target's dot-product instructions (AVX-512 VNNI vpdpbusd: 4 u8 x s8
// products summed into each int32 lane).
//
// Packages go through Halide's C++ backend, which turns that vector reduction into near-scalar
// code; for them (LoweringOptions::c_source) the sum takes one of two other forms (Int8Form
// below), both measured on one thread with g++ -O3: scalar dot products over the contiguous
// (kx, ci) run of an input row, which g++ vectorises into dot-product instructions itself (3x3
// convs 112-260 GOP/s, 1x1 convs over 64 or more channels 136-408 GOP/s, but 5-17 GOP/s over 16
// channels), and for short reductions the float conv's vectorised schedule, exact because every
// partial sum of u8 x s8 products of at most 512 terms is an integer below 2^24.
//
// Buffers: input u8 f(c, x, y, n); packed weight w(c4, co, cb, kx, ky) = w_q[co, 4*cb + c4, ky, kx]
// (JIT) or w(j, co, ky) = w_q[co, j % ci, ky, j / ci] (C++ backend); bias b(co) int32; multiplier
// m(co) int32 (u8 output) or float (float output); output f(c, x, y, n).
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

// The C++ backend's layout: each output channel's (kx, ci) run of one kernel row is contiguous,
// as the input's (x, c) run is.
Buffer<int8_t> pack_int8_weight_rows(const ir::Int8ConvParams& p, const ir::Dims& d) {
    const int co = static_cast<int>(d[0]), ci = static_cast<int>(d[1]), kh = static_cast<int>(d[2]),
              kw = static_cast<int>(d[3]);
    Buffer<int8_t> packed(ci * kw, co, kh);
    for (int o = 0; o < co; ++o)
        for (int i = 0; i < ci; ++i)
            for (int ky = 0; ky < kh; ++ky)
                for (int kx = 0; kx < kw; ++kx)
                    packed(kx * ci + i, o, ky) = p.weights[static_cast<size_t>(((o * ci + i) * kh + ky) * kw + kx)];
    return packed;
}

template <typename T>
Buffer<T> vector_buffer(const std::vector<T>& v) {
    Buffer<T> b(static_cast<int>(v.size()));
    for (size_t i = 0; i < v.size(); ++i) b(static_cast<int>(i)) = v[i];
    return b;
}


// How the int32 sum over (ci, kx, ky) is computed.
enum class Int8Form {
    Vnni,        // JIT: four-channel groups vectorised atomically (vpdpbusd)
    Rows,        // C++ backend: scalar dot products over contiguous (kx, ci) runs
    ExactFloat,  // C++ backend, short reductions: float32 FMAs, exact (see below)
};

// u8 x s8 products are at most 255 * 128 = 32640 in magnitude and exact in float32; their sums
// stay exact while below 2^24, that is for reductions of up to 514 terms. The C++ compiler
// vectorises the float conv's schedule well, and the row dot products only when the row is long.
Int8Form choose_int8_form(const LoweringContext& ctx, int64_t reduction) {
    if (!ctx.options.c_source) return Int8Form::Vnni;
    const bool long_rows = reduction >= 128 && reduction % 32 == 0;
    return reduction <= 512 && !long_rows ? Int8Form::ExactFloat : Int8Form::Rows;
}

// The float conv's layout w(co, ci, kx, ky), holding the int8 values.
Buffer<float> pack_int8_weight_as_float(const ir::Int8ConvParams& p, const ir::Dims& d) {
    const int co = static_cast<int>(d[0]), ci = static_cast<int>(d[1]), kh = static_cast<int>(d[2]),
              kw = static_cast<int>(d[3]);
    Buffer<float> packed(co, ci, kw, kh);
    for (int o = 0; o < co; ++o)
        for (int i = 0; i < ci; ++i)
            for (int ky = 0; ky < kh; ++ky)
                for (int kx = 0; kx < kw; ++kx)
                    packed(o, i, kx, ky) = p.weights[static_cast<size_t>(((o * ci + i) * kh + ky) * kw + kx)];
    return packed;
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
    const Int8Form form = choose_int8_form(ctx, static_cast<int64_t>(in_c) * kw * kh);

    // The algorithm: the int32 sum over (ci, kx, ky) in one of three forms, plus the bias.
    ImageParam b = ctx.add_derived_weight(node.name + ".bias_q", vector_buffer(p.bias));
    const int64_t max_pad = std::max({win.pad_top, win.pad_left, win.pad_bottom, win.pad_right});
    Func src = in.func;
    if (max_pad > in.border)
        src = BoundaryConditions::constant_exterior(in.func, cast<uint8_t>(0), {{0, in_c}, {0, in_w}, {0, in_h}, {0, batch}});
    const Var c = ctx.c, x = ctx.x, y = ctx.y, n = ctx.n;
    const Expr x0 = x * static_cast<int>(win.stride_w) - static_cast<int>(win.pad_left);
    const Expr y0 = y * static_cast<int>(win.stride_h) - static_cast<int>(win.pad_top);
    const std::string r_name = ctx.func_name(node.name, "r");
    Func acc(ctx.func_name(node.name, "acc"));
    RDom r;
    Expr sum;  // the int32 sum with the bias
    switch (form) {
    case Int8Form::Vnni: {
        ImageParam w = ctx.add_derived_weight(node.inputs[1], pack_int8_weight(p, weight->type.dims));
        r = RDom(0, 4, 0, in_c / 4, 0, kw, 0, kh, r_name);
        acc(c, x, y, n) = b(c);
        acc(c, x, y, n) += cast<int32_t>(src(r.y * 4 + r.x, x0 + r.z, y0 + r.w, n)) * cast<int32_t>(w(r.x, c, r.y, r.z, r.w));
        sum = acc(c, x, y, n);
        break;
    }
    case Int8Form::Rows: {
        // j runs over a row's (kx, ci): with the input's constant strides Halide simplifies
        // j % in_c + (x0 + j / in_c) * in_c into one contiguous index.
        ImageParam w = ctx.add_derived_weight(node.inputs[1], pack_int8_weight_rows(p, weight->type.dims));
        r = RDom(0, in_c * kw, 0, kh, r_name);
        acc(c, x, y, n) = b(c);
        acc(c, x, y, n) += cast<int32_t>(src(r.x % in_c, x0 + r.x / in_c, y0 + r.y, n)) * cast<int32_t>(w(r.x, c, r.y));
        sum = acc(c, x, y, n);
        break;
    }
    case Int8Form::ExactFloat: {
        ImageParam w = ctx.add_derived_weight(node.inputs[1], pack_int8_weight_as_float(p, weight->type.dims));
        r = RDom(0, in_c, 0, kw, 0, kh, r_name);
        acc(c, x, y, n) = 0.0f;
        acc(c, x, y, n) += w(c, r.x, r.y, r.z) * cast<float>(src(r.x, x0 + r.y, y0 + r.z, n));
        sum = cast<int32_t>(acc(c, x, y, n)) + b(c);
        break;
    }
    }

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

    const std::optional<LoopLevel> level =
        ctx.fused(node.name) ? std::optional<LoopLevel>(ctx.fused_level(node.name)) : std::nullopt;
    const int64_t input_elements = static_cast<int64_t>(in_c) * in_h * in_w;
    if (form == Int8Form::ExactFloat) {
        schedule_conv_channels_innermost(ctx, out, acc, r, weight->type.numel(), input_elements, out_c, out_w, level);
        return;
    }

    // Schedule: tiles of int32 accumulators as in the float conv. Vnni: the four-channel groups of
    // the reduction are vectorised atomically, which Halide maps onto the dot-product instructions.
    // Rows: an 8-channel by 2-pixel tile, one scalar dot product per accumulator, left to the C++
    // compiler's vectoriser (8 x 2 was the best of 8x2, 4x4 and 2x8 on 3x3 and 1x1 layers).
    const bool rows = form == Int8Form::Rows;
    const ConvBlocking blk = rows ? ConvBlocking{std::min(8, out_c), std::min(2, out_w), false}
                                  : choose_conv_blocking(ctx.options.target, out_c, out_w);
    const int64_t weight_elements = weight->type.numel();
    const int vw = ctx.vector_width;
    ctx.schedule([=]() mutable {
        const ConvTileVars t = place_conv_tiles(out, blk, weight_elements, input_elements, out_c, level, c, x, y, n);
        const Var xo = t.xo, ci = t.ci;
        acc.compute_at(out, xo).store_in(MemoryType::Register).unroll(x);
        if (rows) {
            out.unroll(ci);
            acc.unroll(c);
            acc.update().reorder(r.x, c, x, r.y).unroll(c).unroll(x);
            return;
        }
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
