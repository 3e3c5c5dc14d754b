// Lowering a whole graph (see lowering.h): the graph input becomes an NCHW ImageParam viewed
// channels-innermost, each node is lowered by its op family (one table), the graph outputs are
// written back in row-major NCHW order, and then either the manual schedule steps run or an
// autoscheduler schedules the pipeline.
#include "codegen/lowering.h"
#include "codegen/lowering_context.h"

#include "ir/error.h"

#include <array>
#include <mutex>

namespace sqz::codegen {

using namespace Halide;

namespace {

// Halide names must be C identifiers; IR names may hold '/', '.', ':' and more.
std::string sanitize(const std::string& name) {
    std::string out;
    for (char ch : name) out.push_back(std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_');
    if (out.empty() || std::isdigit(static_cast<unsigned char>(out[0]))) out.insert(out.begin(), '_');
    return out;
}

using Lowerer = void (*)(LoweringContext&, const ir::Node&);

// One entry per ir::OpKind, in enum order.
constexpr std::array<Lowerer, 12> kLowerers = {
    lower_conv,              // Conv
    lower_relu,              // Relu
    lower_pool,              // MaxPool
    lower_pool,              // AvgPool
    lower_global_avg_pool,   // GlobalAvgPool
    lower_concat,            // Concat
    lower_add,               // Add
    lower_passthrough,       // Dropout
    lower_softmax,           // Softmax
    lower_reshape,           // Flatten
    lower_reshape,           // Reshape
    lower_passthrough,       // Identity
};

struct SchedulerInfo {
    Scheduler scheduler;
    const char* name;         // as on the command line
    const char* plugin_name;  // as registered by the Halide plugin
    const char* library;      // plugin file under Halide's library folder
};

constexpr SchedulerInfo kSchedulers[] = {
    {Scheduler::Manual, "manual", "", ""},
    {Scheduler::Adams2019, "adams2019", "Adams2019", "libautoschedule_adams2019.so"},
    {Scheduler::Mullapudi2016, "mullapudi2016", "Mullapudi2016", "libautoschedule_mullapudi2016.so"},
    {Scheduler::Li2018, "li2018", "Li2018", "libautoschedule_li2018.so"},
};

const SchedulerInfo& scheduler_info(Scheduler s) {
    for (const SchedulerInfo& info : kSchedulers)
        if (info.scheduler == s) return info;
    SQZ_ASSERT(false, "unknown scheduler {}", static_cast<int>(s));
}

void load_scheduler_plugin(const SchedulerInfo& info) {
    static std::mutex mutex;
    static std::vector<std::string> loaded;
    std::lock_guard<std::mutex> lock(mutex);
    for (const std::string& name : loaded)
        if (name == info.library) return;
    const std::string path = std::string(SQZ_HALIDE_PLUGIN_DIR) + "/" + info.library;
    try {
        load_plugin(path);
    } catch (const std::exception& e) {
        user_error("cannot load the {} autoscheduler from {}: {}", info.name, path, e.what());
    }
    loaded.push_back(info.library);
}

// Tells Halide the exact shape of an NCHW float buffer parameter (dims x, y, c, n).
void set_nchw_shape(OutputImageParam p, const ir::Dims& dims) {
    const int rank = static_cast<int>(dims.size());
    int stride = 1;
    for (int d = 0; d < rank; ++d) {
        const int extent = static_cast<int>(dims[static_cast<size_t>(rank - 1 - d)]);
        p.dim(d).set_bounds(0, extent).set_stride(stride);
        stride *= extent;
    }
}

void set_nchw_estimates(OutputImageParam p, const ir::Dims& dims) {
    Region region;
    for (size_t d = dims.size(); d-- > 0;) region.push_back({0, static_cast<int>(dims[d])});
    p.set_estimates(region);
}

}  // namespace

// --- LoweringContext -------------------------------------------------------------------------

LoweringContext::LoweringContext(const ir::Graph& g, const LoweringOptions& o)
    : graph(g), options(o), vector_width(o.target.natural_vector_size<float>()) {}

std::string LoweringContext::func_name(const std::string& ir_name, const char* role) {
    return fmt::format("{}{}{}_{}", sanitize(ir_name), *role ? "_" : "", role, name_counter_++);
}

const Value& LoweringContext::value(const std::string& name) const {
    auto it = values_.find(name);
    SQZ_ASSERT(it != values_.end(), "value '{}' used before it was lowered", name);
    return it->second;
}

void LoweringContext::define(const std::string& name, Value value) { values_[name] = std::move(value); }

ImageParam LoweringContext::add_weight(const std::string& constant_name, Buffer<float> packed) {
    const std::string name = func_name(constant_name, "w");
    ImageParam param(Float(32), packed.dimensions(), name);
    int stride = 1;
    Region estimates;
    for (int d = 0; d < packed.dimensions(); ++d) {
        param.dim(d).set_bounds(0, packed.dim(d).extent()).set_stride(stride);
        estimates.push_back({0, packed.dim(d).extent()});
        stride *= packed.dim(d).extent();
    }
    param.set_estimates(estimates);
    weights_.push_back({name, param, packed});
    return param;
}

void LoweringContext::run_schedules() {
    for (auto& step : schedules_) step();
}

void LoweringContext::materialize(Value& v) {
    v.materialized = true;
    materialized_.push_back(v);
    if (!manual()) return;
    Func f = v.func;
    std::vector<Var> vars = value_vars(*this, v);
    Region region = value_region(v);
    schedule([f, vars, region]() mutable {
        f.compute_root();
        for (size_t d = 0; d < vars.size(); ++d) f.bound(vars[d], region[d].min, region[d].extent);
    });
}

Region value_region(const Value& v) {
    const ir::Dims& d = v.dims;
    if (d.size() == 4)
        return {{0, static_cast<int>(d[1])}, {0, static_cast<int>(d[3])}, {0, static_cast<int>(d[2])},
                {0, static_cast<int>(d[0])}};
    return {{0, static_cast<int>(d[1])}, {0, static_cast<int>(d[0])}};
}

std::vector<Var> value_vars(const LoweringContext& ctx, const Value& v) {
    if (v.dims.size() == 4) return {ctx.c, ctx.x, ctx.y, ctx.n};
    return {ctx.c, ctx.n};
}

// --- lowering --------------------------------------------------------------------------------

void LoweredModel::bind_weights() {
    for (PackedWeight& w : weights) w.param.set(w.buffer);
}

Scheduler parse_scheduler(const std::string& name) {
    for (const SchedulerInfo& info : kSchedulers)
        if (name == info.name) return info.scheduler;
    user_error("unknown schedule '{}' (choose manual, adams2019, mullapudi2016 or li2018)", name);
}

std::string scheduler_name(Scheduler scheduler) { return scheduler_info(scheduler).name; }

Target parse_target(const std::string& text) {
    if (text.empty() || text == "host") return get_host_target();
    if (!Target::validate_target_string(text))
        user_error("invalid Halide target '{}' (examples: host, x86-64-linux-avx2-fma, arm-64-linux)", text);
    return Target(text);
}

LoweredModel lower(const ir::Graph& graph, const LoweringOptions& options) {
    LoweringContext ctx(graph, options);
    LoweredModel model;

    for (const ir::GraphInput& in : graph.inputs) {
        const ir::TensorType type = graph.type_of(in.name);
        if (type.rank() != 4)
            user_error("input '{}' is {}; code generation needs a 4-D NCHW input", in.name, ir::to_string(type));
        ImageParam param(Float(32), 4, "input_" + sanitize(in.name));
        set_nchw_shape(param, type.dims);
        set_nchw_estimates(param, type.dims);
        Func view(ctx.func_name(in.name, "nhwc"));
        view(ctx.c, ctx.x, ctx.y, ctx.n) = param(ctx.x, ctx.y, ctx.c, ctx.n);
        ctx.define(in.name, Value{view, type.dims, false});
        model.inputs.push_back(param);
    }

    for (const ir::Node& node : graph.nodes) {
        const int rank = static_cast<int>(node.type.rank());
        if (rank != 4 && rank != 2)
            user_error("node '{}' produces {}; code generation handles 4-D (NCHW) and 2-D (NC) tensors only",
                       node.name, ir::to_string(node.type));
        kLowerers.at(static_cast<size_t>(node.op))(ctx, node);
    }

    std::vector<Func> outputs;
    for (const std::string& name : graph.outputs) {
        const Value& v = ctx.value(name);
        Func out(ctx.func_name(name, "out"));
        std::vector<Var> vars = value_vars(ctx, v);
        if (v.dims.size() == 4) {
            out(ctx.x, ctx.y, ctx.c, ctx.n) = v.func(ctx.c, ctx.x, ctx.y, ctx.n);
            out.set_estimates({{0, static_cast<int>(v.dims[3])}, {0, static_cast<int>(v.dims[2])},
                               {0, static_cast<int>(v.dims[1])}, {0, static_cast<int>(v.dims[0])}});
        } else {
            out(ctx.c, ctx.n) = v.func(ctx.c, ctx.n);
            out.set_estimates({{0, static_cast<int>(v.dims[1])}, {0, static_cast<int>(v.dims[0])}});
        }
        if (ctx.manual()) {
            const int vw = ctx.vector_width;
            const ir::Dims dims = v.dims;
            Var xv = ctx.x, cv = ctx.c;
            ctx.schedule([out, dims, vw, xv, cv]() mutable {
                Var inner = dims.size() == 4 ? xv : cv;
                int extent = static_cast<int>(dims.size() == 4 ? dims[3] : dims[1]);
                if (extent >= vw) out.vectorize(inner, vw, TailStrategy::ShiftInwards);
            });
        }
        outputs.push_back(out);
        model.output_dims.push_back(v.dims);
    }

    model.pipeline = Pipeline(outputs);
    if (ctx.manual()) {
        ctx.run_schedules();
    } else {
        const SchedulerInfo& info = scheduler_info(options.scheduler);
        load_scheduler_plugin(info);
        MachineParams params(std::max(1, options.threads), 32 * 1024 * 1024, 40);
        try {
            model.schedule_source =
                model.pipeline.auto_schedule(info.plugin_name, options.target, params).schedule_source;
        } catch (const CompileError& e) {
            user_error("the {} autoscheduler failed on this model: {}", info.name, e.what());
        }
    }
    model.weights = std::move(ctx.weights());
    model.bind_weights();
    return model;
}

}  // namespace sqz::codegen
