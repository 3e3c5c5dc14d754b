// Lowering of the element-wise and data-movement nodes: ReLU, Add, Concat (along channels),
// Dropout and Identity (no-ops at inference), Flatten and Reshape (index remapping).
#include "codegen/lowering_context.h"

#include "ir/error.h"

namespace sqz::codegen {

using namespace Halide;

namespace {

// Materialises `out` with the schedule of every element-wise copy: vectorised over the innermost
// logical dimension, parallel over rows (4-D) or images (2-D).
void define_elementwise(LoweringContext& ctx, const ir::Node& node, Func out) {
    Value value{out, node.type.dims};
    ctx.materialize(value, node.name);
    ctx.define(node.name, value);
    if (!ctx.manual()) return;
    const int channels = static_cast<int>(node.type.dims[1]);
    const bool four_d = node.type.rank() == 4;
    const bool along_x = four_d && !ctx.channels_innermost();
    const int vw = along_x ? ctx.x_vector(static_cast<int>(node.type.dims[3]))
                           : (channels >= ctx.vector_width ? ctx.vector_width : 1);
    const Var c = ctx.c, x = ctx.x, y = ctx.y, n = ctx.n;
    ctx.schedule([=]() mutable {
        if (along_x) out.reorder(x, c, y, n);
        if (vw > 1) out.vectorize(along_x ? x : c, vw, TailStrategy::ShiftInwards);
        if (four_d) {
            Var yn("yn");
            out.fuse(y, n, yn).parallel(yn);
        }
    });
}

Expr call(const Value& v, const std::vector<Expr>& args) { return v.func(args); }

}  // namespace

void lower_relu(LoweringContext& ctx, const ir::Node& node) {
    const Value& in = ctx.value(node.inputs[0]);
    std::vector<Var> vars = value_vars(ctx, in);
    Func out(ctx.func_name(node.name));
    out(vars) = max(in.func(vars), 0.0f);
    define_elementwise(ctx, node, out);
}

void lower_add(LoweringContext& ctx, const ir::Node& node) {
    const Value& a = ctx.value(node.inputs[0]);
    const Value& b = ctx.value(node.inputs[1]);
    std::vector<Var> vars = value_vars(ctx, a);
    Func out(ctx.func_name(node.name));
    out(vars) = a.func(vars) + b.func(vars);
    define_elementwise(ctx, node, out);
}

void lower_concat(LoweringContext& ctx, const ir::Node& node) {
    if (node.concat().axis != 1)
        user_error("node '{}': code generation concatenates along channels (axis 1) only, not axis {}", node.name,
                   node.concat().axis);
    // One update per input copies its channels into place; the pure definition is never read.
    Value first = ctx.value(node.inputs[0]);
    std::vector<Var> vars = value_vars(ctx, first);
    Func out(ctx.func_name(node.name));
    out(vars) = undef<float>();
    std::vector<RDom> ranges;
    std::vector<int> extents;
    int offset = 0;
    for (const std::string& name : node.inputs) {
        const Value& in = ctx.value(name);
        const int channels = static_cast<int>(in.dims[1]);
        RDom r(0, channels, ctx.func_name(node.name, "r"));
        std::vector<Expr> dst{r.x + offset}, src{r.x};
        for (size_t d = 1; d < vars.size(); ++d) {
            dst.push_back(vars[d]);
            src.push_back(vars[d]);
        }
        out(dst) = in.func(src);
        ranges.push_back(r);
        extents.push_back(channels);
        offset += channels;
    }
    Value value{out, node.type.dims};
    ctx.materialize(value, node.name);
    ctx.define(node.name, value);
    if (!ctx.manual()) return;
    const int vw = ctx.vector_width;
    const bool four_d = node.type.rank() == 4;
    const bool along_x = four_d && !ctx.channels_innermost();
    const int xv = along_x ? ctx.x_vector(static_cast<int>(node.type.dims[3])) : 1;
    const Var x = ctx.x, y = ctx.y;
    ctx.schedule([=]() mutable {
        for (size_t i = 0; i < ranges.size(); ++i) {
            Stage s = out.update(static_cast<int>(i));
            RVar rc = ranges[i].x;
            if (along_x) {
                s.reorder(x, rc, y);
                if (xv > 1) s.vectorize(x, xv, TailStrategy::GuardWithIf);
            } else if (extents[i] >= vw) {
                RVar rco("rco"), rci("rci");
                s.split(rc, rco, rci, vw, TailStrategy::GuardWithIf).vectorize(rci);
            }
            if (four_d) s.parallel(y);
        }
    });
}

void lower_passthrough(LoweringContext& ctx, const ir::Node& node) {
    ctx.define(node.name, ctx.value(node.inputs[0]));
}

void lower_reshape(LoweringContext& ctx, const ir::Node& node) {
    const Value& in = ctx.value(node.inputs[0]);
    const ir::Dims& from = in.dims;
    const ir::Dims& to = node.type.dims;
    std::vector<Var> vars = value_vars(ctx, Value{Func(), to});
    // Logical row-major offset within one image, then the source coordinates of that offset.
    Expr flat = to.size() == 4 ? (vars[0] * static_cast<int>(to[2]) + vars[2]) * static_cast<int>(to[3]) + vars[1]
                               : Expr(vars[0]);
    std::vector<Expr> src;
    if (from.size() == 4) {
        const int h = static_cast<int>(from[2]), w = static_cast<int>(from[3]);
        src = {flat / (h * w), flat % w, (flat / w) % h, vars.back()};
    } else {
        src = {flat, vars.back()};
    }
    Func out(ctx.func_name(node.name));
    out(vars) = call(in, src);
    // Dropping or adding 1x1 spatial dimensions is free: keep such views inline.
    const bool trivial = (from.size() == 2 || (from[2] == 1 && from[3] == 1)) &&
                         (to.size() == 2 || (to[2] == 1 && to[3] == 1));
    if (trivial) {
        ctx.define(node.name, Value{out, to, false});
        return;
    }
    define_elementwise(ctx, node, out);
}

}  // namespace sqz::codegen
