// Lowering of Softmax over channels (axis 1): subtract the maximum, exponentiate, normalise.
#include "codegen/lowering_context.h"

#include "ir/error.h"

namespace sqz::codegen {

using namespace Halide;

void lower_softmax(LoweringContext& ctx, const ir::Node& node) {
    if (node.softmax().axis != 1)
        user_error("node '{}': code generation supports softmax over channels (axis 1) only, not axis {}", node.name,
                   node.softmax().axis);
    const Value& in = ctx.value(node.inputs[0]);
    const int channels = static_cast<int>(in.dims[1]);
    std::vector<Var> vars = value_vars(ctx, in);
    std::vector<Var> rest(vars.begin() + 1, vars.end());

    // The algorithm.
    RDom r(0, channels, ctx.func_name(node.name, "r"));
    auto at = [&](Expr channel) {
        std::vector<Expr> args{std::move(channel)};
        args.insert(args.end(), rest.begin(), rest.end());
        return args;
    };
    Func peak(ctx.func_name(node.name, "max")), expo(ctx.func_name(node.name, "exp")),
        total(ctx.func_name(node.name, "sum")), out(ctx.func_name(node.name));
    peak(rest) = maximum(in.func(at(r.x)), ctx.func_name(node.name, "peak"));
    expo(vars) = exp(in.func(vars) - peak(rest));
    total(rest) = sum(expo(at(r.x)), ctx.func_name(node.name, "total"));
    out(vars) = expo(vars) / total(rest);
    Value value{out, node.type.dims};
    ctx.materialize(value, node.name);
    ctx.define(node.name, value);
    if (!ctx.manual()) return;

    // Schedule: everything per image (or pixel); the exponentials are stored once.
    const int vw = ctx.vector_width;
    const Var c = ctx.c;
    ctx.schedule([=]() mutable {
        peak.compute_at(out, rest.back());
        expo.compute_at(out, rest.back());
        total.compute_at(out, rest.back());
        if (channels >= vw) {
            expo.vectorize(c, vw, TailStrategy::ShiftInwards);
            out.vectorize(c, vw, TailStrategy::ShiftInwards);
        }
    });
}

}  // namespace sqz::codegen
