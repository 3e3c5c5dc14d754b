// Lowering of Conv nodes computed with Winograd F(m x m, 3 x 3) (ConvAlgorithm::WinogradF2/F4/F6,
// runtime/winograd.h): 3x3 stride-1 float convolutions over channels-innermost activations.
//
// With n = m + 2, an m x m output tile (tx, ty) is computed from the n x n input tile at
// (m tx - pad_left, m ty - pad_top) in three steps:
//   input transform   V(c, tile, e, f) = (BT d BT^T)[e][f]        for every input channel c
//   multiplications   M(k, tile, e, f) = sum_c U(k, c, e, f) V(c, tile, e, f)
//                                      (n^2 matrix products, U = G g G^T packed at compile time)
//   output transform  Y(k, tile) = AT M AT^T, then the epilogue of the direct conv: bias, ReLU,
//                                      the bypass residual, into the output's (concat slice) buffer.
// Both transforms run as two one-dimensional passes (along y, then x; along f, then e) with the
// matrices' constant coefficients written into the expressions, zeros left out.
//
// Buffers: input f(c, x, y, n), read up to border_high pixels past the map's right and bottom
// edges where the last tile overhangs (the memory plan gives the slot that border, zeroed, see
// conv_border.h); packed weight U(k, c, e, f) (k innermost); bias b(k); output f(c, x, y, n).
// The sums are float32; the transforms' rounding errors are documented in docs/performance.md.
//
// Schedule: one task per row of tiles (in parallel): V of the row, on the task's stack, then per
// block of KB output channels, per run of TB tiles: the n^2 products into M with KB/vector x TB
// accumulators in registers, reduced over c, then the output transform of each tile from M (on
// the stack), a vector of channels at a time. A row whose V would take more than
// kWinogradRowStackBytes (winograd_workspace.h) has V of the whole map computed first instead,
// into the kernel's workspace slot, in parallel over rows of tiles, and the tasks are then a row
// and a block of channels each.
#include "codegen/lowering_context.h"
#include "codegen/winograd_blocking.h"
#include "codegen/winograd_workspace.h"

#include "ir/error.h"
#include "runtime/winograd.h"

#include <algorithm>

namespace sqz::codegen {

using namespace Halide;

namespace {

// sum_i row[i] * in[i], without the zero terms and with +-1 as additions and subtractions.
Expr combine(const double* row, const std::vector<Expr>& in) {
    Expr acc;
    for (size_t i = 0; i < in.size(); ++i) {
        const double c = row[i];
        if (c == 0) continue;
        if (!acc.defined()) acc = c == 1 ? in[i] : c == -1 ? -in[i] : in[i] * static_cast<float>(c);
        else if (c == 1) acc = acc + in[i];
        else if (c == -1) acc = acc - in[i];
        else acc = acc + in[i] * static_cast<float>(c);
    }
    return acc.defined() ? acc : Expr(0.0f);
}

Buffer<float> pack_winograd_weight(const ir::Constant& weight, int m) {
    const ir::Dims& d = weight.type.dims;
    const int co = static_cast<int>(d[0]), ci = static_cast<int>(d[1]), n = m + 2;
    Buffer<float> packed(co, ci, n, n);
    runtime::winograd_transform_weights(weight.data().data(), co, ci, m, packed.data());
    return packed;
}

}  // namespace

void lower_conv_winograd(LoweringContext& ctx, const ir::Node& node) {
    const ir::ConvAttrs& a = node.conv();
    const ir::Window& win = a.window;
    const int m = ir::winograd_tile(a.algorithm), n = m + 2;
    SQZ_ASSERT(runtime::winograd_tile_supported(m) && win.kernel_h == 3 && win.kernel_w == 3 && win.stride_h == 1 &&
                   win.stride_w == 1 && !a.quant.any() && ctx.channels_innermost(),
               "conv '{}' cannot be computed with {}", node.name, ir::conv_algorithm_name(a.algorithm));
    const Value& in = ctx.value(node.inputs[0]);
    const ir::Constant* weight = ctx.graph.find_constant(node.inputs[1]);
    SQZ_ASSERT(weight && weight->bound(), "conv '{}' has no bound weight", node.name);
    const int in_c = static_cast<int>(in.dims[1]);
    const int out_c = static_cast<int>(node.type.dims[1]),
              out_w = static_cast<int>(node.type.dims[3]);
    const runtime::WinogradMatrices t = runtime::winograd_matrices(m);
    const int pl = static_cast<int>(win.pad_left), pt = static_cast<int>(win.pad_top);

    // The algorithm.
    ImageParam u = ctx.add_derived_weight(node.inputs[1], pack_winograd_weight(*weight, m));
    ctx.weights().back().winograd_tile = m;
    Func src = in.func;
    if (conv_input_border(node, in.dims) > in.border)
        src = BoundaryConditions::constant_exterior(in.func, 0.0f, value_region(in));
    const Var c = ctx.c, x = ctx.x, y = ctx.y, nn = ctx.n;
    Var tx("tx"), ty("ty"), e("e"), f("f"), i("i");
    Func along_y(ctx.func_name(node.name, "wy"));  // (BT d)[.][f], per column i of the tile
    {
        std::vector<Expr> column, rows;
        for (int j = 0; j < n; ++j) column.push_back(src(c, m * tx - pl + i, m * ty - pt + j, nn));
        for (int row = 0; row < n; ++row) rows.push_back(combine(t.BT[row], column));
        along_y(c, tx, ty, i, f, nn) = mux(f, rows);
    }
    Func v(ctx.func_name(node.name, "wv"));  // the input transform BT d BT^T
    {
        std::vector<Expr> row, cols;
        for (int ii = 0; ii < n; ++ii) row.push_back(along_y(c, tx, ty, ii, f, nn));
        for (int col = 0; col < n; ++col) cols.push_back(combine(t.BT[col], row));
        v(c, tx, e, f, ty, nn) = mux(e, cols);
    }
    RDom rc(0, in_c, ctx.func_name(node.name, "r"));
    Func products(ctx.func_name(node.name, "wacc"));  // accumulators, in registers
    products(c, tx, ty, e, f, nn) = 0.0f;
    products(c, tx, ty, e, f, nn) += u(c, rc, e, f) * v(rc, tx, e, f, ty, nn);
    Func mm(ctx.func_name(node.name, "wm"));  // the products of a run of tiles, on the stack
    mm(c, tx, ty, e, f, nn) = products(c, tx, ty, e, f, nn);
    Func along_f(ctx.func_name(node.name, "wo"));  // (M AT^T)[e][.], per output row i
    {
        std::vector<Expr> col, rows;
        for (int ff = 0; ff < n; ++ff) col.push_back(mm(c, tx, ty, e, ff, nn));
        for (int b = 0; b < m; ++b) rows.push_back(combine(t.AT[b], col));
        along_f(c, tx, ty, e, i, nn) = mux(i, rows);
    }
    Expr acc;
    {
        std::vector<Expr> row, outs;
        for (int ee = 0; ee < n; ++ee) row.push_back(along_f(c, x / m, y / m, ee, y % m, nn));
        for (int b = 0; b < m; ++b) outs.push_back(combine(t.AT[b], row));
        acc = mux(x % m, outs);
    }
    if (node.has_bias()) {
        ImageParam b = ctx.add_weight(node.inputs[2], WeightGather{{out_c}, {1}});
        acc = acc + b(c);
    }
    // The epilogue, as the direct conv's: activation, then the bypass residual.
    Expr result = a.relu ? max(acc, 0.0f) : acc;
    if (a.residual) {
        Expr res = ctx.value(node.residual_input()).func(c + static_cast<int>(a.residual_offset), x, y, nn);
        result += a.quant.residual_scale > 0 ? cast<float>(res) * static_cast<float>(a.quant.residual_scale) : res;
    }
    Func out(ctx.func_name(node.name));
    out(c, x, y, nn) = result;

    Value value{out, node.type.dims};
    ctx.materialize(value, node.name);
    ctx.define(node.name, value);
    const bool whole_map_v = needs_winograd_workspace(node, in.dims);
    if (whole_map_v) ctx.add_workspace(v);  // V lives in the kernel's planned workspace
    if (!ctx.manual()) return;

    // Schedule.
    SQZ_ASSERT(!ctx.fused(node.name), "Winograd conv '{}' cannot be computed inside another kernel", node.name);
    const WinogradBlocking blk = choose_winograd_blocking(ctx.options.target, m, in_c, out_c, out_w);
    ctx.schedule([=]() mutable {
        Var yt("yt"), yi("yi"), xt("xt"), xi("xi"), to("to"), ti("ti"), ko("ko"), kk("kk"), kb("kb"), kv("kv"), yk("yk"),
            ykn("ykn");
        out.split(y, yt, yi, m, TailStrategy::GuardWithIf)
            .split(x, xt, xi, m, TailStrategy::GuardWithIf)
            .split(xt, to, ti, blk.tiles, TailStrategy::ShiftInwards)
            .split(c, ko, kk, blk.channels, TailStrategy::ShiftInwards)
            .split(kk, kb, kv, blk.vector, TailStrategy::ShiftInwards)
            .unroll(xi)
            .unroll(yi);
        // Rows of tiles outside channel blocks: each thread computes the rows of the output whose
        // V it transformed itself and reads V from its own cache, once per row, for every block.
        // With the blocks outside (each block's weights kept in cache across rows) a thread read
        // the whole of V, half of it from the other core, once per block: the Deep Compression
        // model's package on 2 threads took 5.08-5.25 ms against 4.60-4.76 (interleaved runs, one
        // sitting). V of a row on the task's stack, rather than of the whole map in a loop of its
        // own before, saves that loop's start and end and V's round trip through the workspace:
        // v1.1's eight Winograd kernels took 0.59-0.60 ms on 2 threads against about 0.75, and
        // the model 1.85-1.89 ms against 2.00-2.07 (JIT, the thread pool's loops timed, three
        // interleaved pairs, one sitting), 1 thread unchanged within the noise. Two tasks per row
        // on the 7-row maps, each with half the blocks and V computed twice, balanced the
        // threads but were no faster.
        out.reorder(kv, xi, yi, kb, ti, to, ko, yt, nn);
        if (whole_map_v) out.fuse(ko, yt, yk).fuse(yk, nn, ykn).parallel(ykn);
        else out.fuse(yt, nn, ykn).parallel(ykn);
        if (blk.vector > 1) out.vectorize(kv);
        else out.unroll(kv);

        // Constant extents (one tile row, one tile) keep bounds inference exact: the output's
        // guarded last tile would otherwise widen what V must hold past the map.
        along_f.compute_at(out, kb).store_in(MemoryType::Register).bound_extent(c, blk.vector).bound_extent(i, m)
            .bound_extent(e, n).bound_extent(tx, 1).bound_extent(ty, 1).unroll(e).unroll(i);
        if (blk.vector > 1) along_f.vectorize(c);
        mm.compute_at(out, to).store_in(MemoryType::Stack).bound_extent(c, blk.channels).bound_extent(tx, blk.tiles)
            .bound_extent(ty, 1).bound_extent(e, n).bound_extent(f, n).reorder(c, tx, e, f).unroll(tx);
        products.compute_at(mm, e).store_in(MemoryType::Register).unroll(tx);
        products.update().reorder(c, tx, rc).unroll(tx);
        if (blk.vector > 1) {
            mm.vectorize(c, blk.vector);
            products.vectorize(c, blk.vector).unroll(c);
            products.update().vectorize(c, blk.vector).unroll(c);
        } else {
            mm.unroll(c);
            products.unroll(c);
            products.update().unroll(c);
        }

        v.reorder(c, e, f, tx, ty, nn).unroll(e).unroll(f);
        if (whole_map_v) {
            // An output of the pipeline (its workspace), computed first, whole; its extents are
            // the workspace slot's.
            Var tyn("tyn");
            v.fuse(ty, nn, tyn).parallel(tyn);
        } else {
            // One row of tiles, of constant extents, so that it is an array on the stack.
            v.compute_at(out, ykn).store_in(MemoryType::Stack).bound(c, 0, in_c).bound(tx, 0, (out_w + m - 1) / m)
                .bound(e, 0, n).bound(f, 0, n).bound_extent(ty, 1).bound_extent(nn, 1);
        }
        along_y.compute_at(v, tx).bound_extent(i, n).bound_extent(f, n).unroll(i).unroll(f);
        if (blk.input_vector > 1) {
            v.vectorize(c, blk.input_vector, TailStrategy::ShiftInwards);
            along_y.vectorize(c, blk.input_vector, TailStrategy::ShiftInwards);
        }
    });
}

}  // namespace sqz::codegen
