// Lowering of MaxPool, AvgPool and GlobalAvgPool over channels-innermost activations. Windows that
// reach past the input (padding, or Caffe's rounded-up last window) read -inf for max pooling and
// 0 for average pooling, whose divisor follows ir::PoolAttrs.
#include "codegen/lowering_context.h"

#include "ir/lookup.h"

#include <algorithm>

namespace sqz::codegen {

using namespace Halide;

namespace {

// Vectorise over channels (channels innermost) or along rows (NCHW), and parallelise over rows
// and images: the schedule of every pool. When the producer is fused into the pool (fuse-pool),
// the rows go in strips, in parallel, and the producer computes the rows each strip needs.
void schedule_pool(LoweringContext& ctx, Func out, int channels, int width, int height, const std::string& producer) {
    const int vw = ctx.channels_innermost() ? (channels >= ctx.vector_width ? ctx.vector_width : 1) : ctx.x_vector(width);
    const Var inner = ctx.channels_innermost() ? ctx.c : ctx.x;
    const Var y = ctx.y, n = ctx.n, x = ctx.x, c = ctx.c;
    const bool nchw = !ctx.channels_innermost();
    const bool fused = ctx.fused(producer);
    const LoopLevel level = fused ? ctx.fused_level(producer) : LoopLevel();
    // Strips of a few rows: enough strips for both threads, few enough that the recomputed
    // producer rows at strip edges stay a small share.
    const int strip = std::max(1, std::min(4, height / 8));
    ctx.schedule([=]() mutable {
        Var yn("yn");
        if (nchw) out.reorder(x, c, y, n);
        if (vw > 1) out.vectorize(inner, vw, TailStrategy::ShiftInwards);
        if (fused) {
            Var yo("yo"), yi("yi");
            // Equal strips (the last one shifted inwards) give the producer's per-strip buffer a
            // constant size, so it lives on the stack: no allocation while the model runs.
            out.split(y, yo, yi, strip, TailStrategy::ShiftInwards).fuse(yo, n, yn).parallel(yn);
            LoopLevel shared = level;  // a handle: setting it sets the producer's level too
            shared.set(LoopLevel(out, yn));
            shared.lock();
        } else {
            out.fuse(y, n, yn).parallel(yn);
        }
    });
}

}  // namespace

void lower_pool(LoweringContext& ctx, const ir::Node& node) {
    const ir::PoolAttrs& a = node.pool();
    const ir::Window& win = a.window;
    const Value& in = ctx.value(node.inputs[0]);
    const int in_c = static_cast<int>(in.dims[1]);
    // Shapes as the kernel knows them: constants, or read from its buffers (a shape-generic kernel).
    const Expr in_w = value_extent(in, 1), in_h = value_extent(in, 2);
    const bool is_max = node.op == ir::OpKind::MaxPool;
    const Var c = ctx.c, x = ctx.x, y = ctx.y, n = ctx.n;

    // The algorithm.
    // Outside the input: the lowest value for a max (0 for u8 activations, which are never
    // negative), 0 for an average.
    const Type type = lookup(in.func.output_types(), 0, "output type of the pool's input");
    const Expr low = type == Float(32) ? Expr(Float(32).min()) : cast(type, 0);
    // Windows only reach past the input along x and y. A shape-generic kernel bounds those alone
    // (unknown extents would otherwise cost a test per vector of channels and per image too).
    const Region bounds = in.extents.empty()
                              ? value_region(in)
                              : Region{Range(), {0, in_w}, {0, in_h}, Range()};
    Func src = BoundaryConditions::constant_exterior(in.func, is_max ? low : Expr(0.0f), bounds);
    RDom r(0, static_cast<int>(win.kernel_w), 0, static_cast<int>(win.kernel_h), ctx.func_name(node.name, "r"));
    Expr x0 = x * static_cast<int>(win.stride_w) - static_cast<int>(win.pad_left);
    Expr y0 = y * static_cast<int>(win.stride_h) - static_cast<int>(win.pad_top);
    Func out(ctx.func_name(node.name));
    if (is_max) {
        out(c, x, y, n) = maximum(src(c, x0 + r.x, y0 + r.y, n), ctx.func_name(node.name, "max"));
    } else {
        const int kw = static_cast<int>(win.kernel_w), kh = static_cast<int>(win.kernel_h);
        Expr count;
        if (a.count_include_pad) {
            count = (min(x0 + kw, in_w + static_cast<int>(win.pad_right)) - x0) *
                    (min(y0 + kh, in_h + static_cast<int>(win.pad_bottom)) - y0);
        } else {
            count = (min(x0 + kw, in_w) - max(x0, 0)) * (min(y0 + kh, in_h) - max(y0, 0));
        }
        out(c, x, y, n) = sum(src(c, x0 + r.x, y0 + r.y, n), ctx.func_name(node.name, "sum")) / cast<float>(count);
    }
    Value value{out, node.type.dims};
    ctx.materialize(value, node.name);
    ctx.define(node.name, value);

    // Schedule.
    schedule_pool(ctx, out, in_c, static_cast<int>(node.type.dims[3]), static_cast<int>(node.type.dims[2]),
                  node.inputs[0]);
}

void lower_global_avg_pool(LoweringContext& ctx, const ir::Node& node) {
    const Value& in = ctx.value(node.inputs[0]);
    const Var c = ctx.c, x = ctx.x, y = ctx.y, n = ctx.n;

    // The algorithm: a float32 sum over the map, then one division.
    const Expr in_w = value_extent(in, 1), in_h = value_extent(in, 2);
    RDom r(0, in_w, 0, in_h, ctx.func_name(node.name, "r"));
    Func out(ctx.func_name(node.name));
    Expr divisor = in.extents.empty() ? Expr(static_cast<float>(in.dims[2] * in.dims[3])) : cast<float>(in_w * in_h);
    out(c, x, y, n) = sum(in.func(c, r.x, r.y, n), ctx.func_name(node.name, "sum")) / divisor;
    Value value{out, node.type.dims};
    ctx.materialize(value, node.name);
    ctx.define(node.name, value);

    // Schedule.
    schedule_pool(ctx, out, static_cast<int>(in.dims[1]), 1, 1, node.inputs[0]);
}

}  // namespace sqz::codegen
