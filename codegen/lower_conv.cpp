// Lowering of Conv nodes: a direct convolution over channels-innermost activations, with weights
// packed at compile time so that output channels are contiguous, bias as the initial value, and
// the optional fused ReLU in the epilogue. Outputs that read nothing but padding (the ring of a
// padded 1x1 conv) take the epilogue of the bias instead of summing zeros, where the schedule
// allows (see PaddingRing).
//
// Buffers: input f(c, x, y, n); packed weight w(co, ci, kx, ky) (co innermost); bias b(co);
// output f(c, x, y, n). Accumulation is float32 in the order ci, kx, ky for each output.
#include "codegen/conv_blocking.h"
#include "codegen/lowering_context.h"

#include "ir/error.h"

#include <algorithm>
#include <optional>

namespace sqz::codegen {

using namespace Halide;

namespace {

// [O, I, kh, kw] row-major into w(co, ci, kx, ky) with co innermost.
WeightGather conv_weight_gather(const ir::Dims& d) {
    const int64_t ci = d[1], kh = d[2], kw = d[3];
    return {{static_cast<int32_t>(d[0]), static_cast<int32_t>(ci), static_cast<int32_t>(kw), static_cast<int32_t>(kh)},
            {ci * kh * kw, kh * kw, 1, kw}};
}

WeightGather bias_gather(const ir::Dims& d) { return {{static_cast<int32_t>(d[0])}, {1}}; }

}  // namespace

// Channels innermost: a tile is `channels` output channels (whole vectors) by `pixels` outputs
// along x, accumulated in registers over the whole reduction; the input value is broadcast.
// `level`: none (its own parallel loop), or the loop of a consumer it is fused into (then the
// consumer's loop is the parallel one).
void schedule_conv_channels_innermost(LoweringContext& ctx, Func out, Func acc, RDom r, int64_t weight_elements,
                                      int64_t input_elements, int out_c, int out_w, std::optional<LoopLevel> level) {
    const ConvBlocking blk = choose_conv_blocking(ctx.options.target, out_c, out_w);
    const int vw = ctx.vector_width;
    // The JIT: two input channels per iteration of the reduction loop, when their number is even
    // (v1.1 3%, Deep Compression v1.0 1% faster at one thread, alternating in one process). g++
    // unrolls the packages' loops itself, and gains nothing from it.
    const int64_t* in_c = Internal::as_const_int(r.x.extent());
    const bool unroll_input_channels = !ctx.options.c_source && in_c && *in_c % 2 == 0;
    const Var c = ctx.c, x = ctx.x, y = ctx.y, n = ctx.n;
    ctx.schedule([=]() mutable {
        const ConvTileVars t = place_conv_tiles(out, blk, weight_elements, input_elements, out_c, level, c, x, y, n);
        const Var xo = t.xo, ci = t.ci;
        acc.compute_at(out, xo).store_in(MemoryType::Register).unroll(x);
        acc.update().reorder(c, x, r.x, r.y, r.z).unroll(x);
        if (unroll_input_channels) {
            RVar rxo("rxo"), rxi("rxi");
            acc.update().split(r.x, rxo, rxi, 2).unroll(rxi);
        }
        if (blk.vectorize) {
            out.vectorize(ci, vw).unroll(ci);
            acc.vectorize(c, vw).unroll(c);
            acc.update().vectorize(c, vw).unroll(c);
        } else {
            out.unroll(ci);
            acc.unroll(c);
            acc.update().unroll(c);
        }
    });
}

namespace {

// Output pixels along x that one tile of a size build computes: enough accumulators to hide most
// of the multiply-add latency, few enough that the tile's code stays small.
constexpr int kSizeTilePixels = 4;

// A size build (LoweringOptions::optimize), channels innermost: a tile is one vector of output
// channels by a few pixels along x, accumulated in registers, the reduction loops rolled; rows in
// parallel. The tile depends on the layer only through whether it has a vector of channels and
// a row of kSizeTilePixels, so layers of the same form get the same code.
void schedule_conv_for_size(LoweringContext& ctx, Func out, Func acc, RDom r, int out_c, int out_w,
                            std::optional<LoopLevel> level) {
    const int vw = ctx.vector_width;
    const bool vectorize = out_c >= vw;
    const int channels = vectorize ? vw : out_c;
    const int pixels = std::min(out_w, kSizeTilePixels);
    const Var c = ctx.c, x = ctx.x, y = ctx.y, n = ctx.n;
    ctx.schedule([=]() mutable {
        Var co("co"), ci("ci"), xo("xo"), xi("xi");
        out.split(c, co, ci, channels, TailStrategy::ShiftInwards)
            .split(x, xo, xi, pixels, TailStrategy::ShiftInwards)
            .reorder(ci, xi, xo, co, y, n)
            .unroll(xi);
        // Rows in parallel, images in turn: fused with the images, a row of unknown extent would
        // hide the accumulators' constant size from Halide.
        if (level) out.compute_at(*level).store_in(MemoryType::Stack);
        else out.parallel(y);
        acc.compute_at(out, xo).store_in(MemoryType::Register).unroll(x);
        acc.update().reorder(c, x, r.x, r.y, r.z).unroll(x);
        if (vectorize) {
            out.vectorize(ci, vw);
            acc.vectorize(c, vw);
            acc.update().vectorize(c, vw);
        } else {
            out.unroll(ci);
            acc.unroll(c);
            acc.update().unroll(c);
        }
    });
}

// NCHW: a tile is two vectors of pixels along x by up to 8 output channels; each weight is
// broadcast and the input is loaded along x (strided for stride-2 convolutions).
void schedule_nchw(LoweringContext& ctx, Func out, Func acc, RDom r, int out_c, int out_w, std::optional<LoopLevel> level) {
    const int xv = ctx.x_vector(out_w);
    const int xb = out_w >= 2 * xv ? 2 * xv : xv;
    const int cb = std::min(out_c, 8);
    const Var c = ctx.c, x = ctx.x, y = ctx.y, n = ctx.n;
    ctx.schedule([=]() mutable {
        Var co("co"), ci("ci"), xo("xo"), xi("xi"), yn("yn");
        out.split(x, xo, xi, xb, TailStrategy::ShiftInwards)
            .split(c, co, ci, cb, TailStrategy::ShiftInwards)
            .reorder(xi, ci, xo, co, y, n)
            .unroll(ci);
        if (level) out.compute_at(*level).store_in(MemoryType::Stack);
        else out.fuse(y, n, yn).parallel(yn);
        acc.compute_at(out, xo).store_in(MemoryType::Register).reorder_storage(x, c, y, n).unroll(c);
        acc.update().reorder(x, c, r.x, r.y, r.z).unroll(c);
        if (xv > 1) {
            out.vectorize(xi, xv).unroll(xi);
            acc.vectorize(x, xv).unroll(x);
            acc.update().vectorize(x, xv).unroll(x);
        } else {
            out.unroll(xi);
            acc.unroll(x);
            acc.update().unroll(x);
        }
    });
}

// Outputs along each edge of a stride-1 conv that read nothing but padding: output x reads input
// x - pad_left + [0, k), all of it padding when x < pad_left - (k - 1), and likewise at the far
// edge. A 1x1 conv with padding 1 (conv10 of SqueezeNet v1.0: 13x13 in, 15x15 out) has a ring of
// one pixel, 56 of its 225 outputs, each of them the epilogue of the bias alone.
struct PaddingRing {
    int left = 0, right = 0, top = 0, bottom = 0;
    bool any() const { return left > 0 || right > 0 || top > 0 || bottom > 0; }
};

PaddingRing padding_ring(const ir::Window& w) {
    if (w.stride_w != 1 || w.stride_h != 1) return {};
    const auto width = [](int64_t pad, int64_t k) { return static_cast<int>(std::max<int64_t>(0, pad - (k - 1))); };
    return {width(w.pad_left, w.kernel_w), width(w.pad_right, w.kernel_w), width(w.pad_top, w.kernel_h),
            width(w.pad_bottom, w.kernel_h)};
}

}  // namespace

void lower_conv(LoweringContext& ctx, const ir::Node& node) {
    if (node.conv().quant.int8_input) {
        lower_conv_int8(ctx, node);
        return;
    }
    if (node.conv().algorithm != ir::ConvAlgorithm::Direct) {
        lower_conv_winograd(ctx, node);
        return;
    }
    const ir::ConvAttrs& a = node.conv();
    const ir::Window& win = a.window;
    const Value& in = ctx.value(node.inputs[0]);
    const ir::Constant* weight = ctx.graph.find_constant(node.inputs[1]);
    SQZ_ASSERT(weight && weight->bound(), "conv '{}' has no bound weight", node.name);
    const int in_c = static_cast<int>(in.dims[1]), in_h = static_cast<int>(in.dims[2]),
              in_w = static_cast<int>(in.dims[3]);
    const int out_c = static_cast<int>(node.type.dims[1]), out_w = static_cast<int>(node.type.dims[3]);

    // The algorithm.
    ImageParam w = ctx.add_weight(node.inputs[1], conv_weight_gather(weight->type.dims));
    // Padding: read it from the input's zero border when the slot has one (the memory plan gives
    // one to every arena slot a padded conv reads); otherwise test bounds on each load.
    const Var c = ctx.c, x = ctx.x, y = ctx.y, n = ctx.n;
    Func src = in.func;
    if (a.quant.rounds_float_input()) {
        // An imported quantized model rounds its image to 8 bits first (ir::ConvQuant), once per
        // element; the zero border stays zero (0 lies on the grid). Ties round up, as for u8 outputs.
        Func rounded(ctx.func_name(node.name, "rounded_input"));
        const float scale = static_cast<float>(a.quant.input_scale), zero = static_cast<float>(a.quant.input_zero_point);
        rounded(c, x, y, n) = (floor(clamp(in.func(c, x, y, n) / scale + zero, 0.0f, 255.0f) + 0.5f) - zero) * scale;
        src = rounded;
        const int vw = ctx.vector_width;
        ctx.schedule([=]() mutable {
            rounded.compute_root().reorder(x, c, y, n).vectorize(x, vw, TailStrategy::GuardWithIf).parallel(y);
        });
    }
    // Shapes as the kernel knows them: constants, or read from its buffers (a shape-generic kernel).
    const Expr in_channels = value_extent(in, 0);
    if (conv_input_border(node, in.dims) > in.border)
        src = BoundaryConditions::constant_exterior(src, 0.0f, value_region(in));
    RDom r(0, in_channels, 0, static_cast<int>(win.kernel_w), 0, static_cast<int>(win.kernel_h),
           ctx.func_name(node.name, "r"));
    Func acc(ctx.func_name(node.name, "acc"));
    Expr bias = 0.0f;
    if (node.has_bias()) {
        ImageParam b = ctx.add_weight(node.inputs[2], bias_gather(ctx.graph.type_of(node.inputs[2]).dims));
        bias = b(c);
    }
    acc(c, x, y, n) = bias;
    const int stride_w = static_cast<int>(win.stride_w), stride_h = static_cast<int>(win.stride_h);
    const int pad_left = static_cast<int>(win.pad_left), pad_top = static_cast<int>(win.pad_top);
    if (ctx.shape_generic() && in.input >= 0 && src.function().same_as(in.func.function()) && pad_left == pad_top && !a.residual) {
        // A shape-generic kernel reads its input's buffer in padded coordinates (the binding puts
        // pixel (0, 0) at (pad, pad)), so its code holds no padding: convolutions of one form but
        // different padding then share it.
        ctx.set_input_origin(in.input, pad_left);
        acc(c, x, y, n) += w(c, r.x, r.y, r.z) * in.param(r.x, x * stride_w + r.y, y * stride_h + r.z, n);
    } else {
        acc(c, x, y, n) += w(c, r.x, r.y, r.z) * src(r.x, x * stride_w - pad_left + r.y, y * stride_h - pad_top + r.z, n);
    }
    // The epilogue of a sum: activation, then the bypass residual (its channel slice; u8 ones
    // scaled), then quantisation to u8 when the next int8 layers want it.
    const auto epilogue = [&](Expr sum) {
        Expr result = a.relu ? max(sum, 0.0f) : sum;
        if (a.residual) {
            Expr res = ctx.value(node.residual_input()).func(c + static_cast<int>(a.residual_offset), x, y, n);
            result += a.quant.residual_scale > 0 ? cast<float>(res) * static_cast<float>(a.quant.residual_scale) : res;
        }
        // Rounding by truncating v + 0.5 after the clamp (ties round up rather than to even): Halide's
        // C++ backend calls nearbyint for round() lane by lane, which made conv1 of int8 packages 4x slower.
        if (a.quant.u8_output)
            result = cast<uint8_t>(clamp(result / static_cast<float>(a.quant.output_scale), 0.0f, 255.0f) + 0.5f);
        return result;
    };
    Func out(ctx.func_name(node.name));
    // Where outputs read only padding (PaddingRing) and the weights outweigh the input (so the
    // tiles run per block of output channels, all rows: conv10 of SqueezeNet v1.0), the sums run
    // over the interior only, into a block of `interior` on the stack, and the output takes the
    // ring from the bias: a quarter fewer multiply-adds for that conv10. Only in the speed build's
    // own kernels, and where nothing but the bias reaches the ring (no residual).
    const PaddingRing ring = padding_ring(win);
    const int out_h = static_cast<int>(node.type.dims[2]);
    const int interior_w = out_w - ring.left - ring.right, interior_h = out_h - ring.top - ring.bottom;
    const ConvBlocking blk = choose_conv_blocking(ctx.options.target, out_c, interior_w);
    const int64_t weight_elements = weight->type.numel(), input_elements = static_cast<int64_t>(in_c) * in_h * in_w;
    Func interior;
    const bool ring_apart = ring.any() && !a.residual && ctx.manual() && ctx.channels_innermost() && !ctx.for_size() &&
                            !ctx.fused(node.name) && !ctx.shape_generic() && blk.vectorize && interior_w > 0 &&
                            interior_h > 0 && channel_blocks_outermost(blk, weight_elements, input_elements, out_c);
    if (ring_apart) {
        interior = Func(ctx.func_name(node.name, "interior"));
        interior(c, x, y, n) = epilogue(acc(c, x + ring.left, y + ring.top, n));
        Expr inside = x >= ring.left && x < out_w - ring.right && y >= ring.top && y < out_h - ring.bottom;
        out(c, x, y, n) = select(inside, interior(c, clamp(x - ring.left, 0, interior_w - 1),
                                                  clamp(y - ring.top, 0, interior_h - 1), n),
                                 epilogue(bias));
    } else {
        out(c, x, y, n) = epilogue(acc(c, x, y, n));
    }

    Value value{out, node.type.dims};
    ctx.materialize(value, node.name);
    ctx.define(node.name, value);
    if (!ctx.manual()) return;

    // Schedule.
    // A conv fused into its consumer computes at the consumer's loop (set by the consumer's schedule).
    const std::optional<LoopLevel> level = ctx.fused_level_if_any(node.name);
    if (ring_apart) {
        // Per block of output channels (in parallel): its interior, then its whole output.
        const int vw = ctx.vector_width;
        Var co("co"), ci("ci"), con("con");
        ctx.schedule([=]() mutable {
            out.split(c, co, ci, blk.channels, TailStrategy::ShiftInwards)
                .reorder(ci, x, y, co, n)
                .vectorize(ci, vw)
                .unroll(ci)
                .fuse(co, n, con)
                .parallel(con);
        });
        schedule_conv_channels_innermost(ctx, interior, acc, r, weight_elements, input_elements, out_c, interior_w,
                                         LoopLevel(out, con));
    } else if (ctx.channels_innermost() && ctx.for_size()) {
        schedule_conv_for_size(ctx, out, acc, r, out_c, out_w, level);
    } else if (ctx.channels_innermost()) {
        schedule_conv_channels_innermost(ctx, out, acc, r, weight_elements, input_elements, out_c, out_w, level);
    } else {
        schedule_nchw(ctx, out, acc, r, out_c, out_w, level);
    }
}

}  // namespace sqz::codegen
