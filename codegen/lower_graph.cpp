// Lowering a whole graph (see lowering.h): the graph input becomes an NCHW ImageParam viewed
// channels-innermost, each node is lowered by its op family (one table), the graph outputs are
// written back in row-major NCHW order, and then either the manual schedule steps run or an
// autoscheduler schedules the pipeline.
#include "codegen/lowering.h"
#include "codegen/lowering_context.h"
#include "codegen/segments.h"

#include "ir/error.h"

#include <array>
#include <mutex>
#include <set>

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

}  // namespace

// --- LoweringContext -------------------------------------------------------------------------

LoweringContext::LoweringContext(const ir::Graph& g, const LoweringOptions& o, std::map<std::string, std::string>& names)
    : graph(g), options(o), vector_width(o.target.natural_vector_size<float>()), func_nodes_(names) {}

std::string LoweringContext::func_name(const std::string& ir_name, const char* role) {
    std::string name = fmt::format("{}{}{}_{}", sanitize(ir_name), *role ? "_" : "", role, func_nodes_.size());
    func_nodes_[name] = ir_name;
    return name;
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
    for (Segment& segment : segments)
        for (PackedWeight& w : segment.weights) w.param.set(w.buffer);
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

std::vector<int> TensorSlot::halide_extents() const {
    std::vector<int> e;
    if (layout == Layout::NCHW) {
        for (auto it = dims.rbegin(); it != dims.rend(); ++it) e.push_back(static_cast<int>(*it));
    } else if (dims.size() == 4) {
        e = {static_cast<int>(dims[1]), static_cast<int>(dims[3]), static_cast<int>(dims[2]), static_cast<int>(dims[0])};
    } else {
        e = {static_cast<int>(dims[1]), static_cast<int>(dims[0])};
    }
    return e;
}

namespace {

// A dense buffer parameter with the exact extents and strides of `slot`.
ImageParam slot_param(const TensorSlot& slot, const std::string& name) {
    const std::vector<int> extents = slot.halide_extents();
    ImageParam p(Float(32), static_cast<int>(extents.size()), name);
    int stride = 1;
    Region estimates;
    for (size_t d = 0; d < extents.size(); ++d) {
        p.dim(static_cast<int>(d)).set_bounds(0, extents[d]).set_stride(stride);
        estimates.push_back({0, extents[d]});
        stride *= extents[d];
    }
    p.set_estimates(estimates);
    return p;
}

void check_rank(const std::string& what, const ir::TensorType& type) {
    if (type.rank() != 4 && type.rank() != 2)
        user_error("{} is {}; code generation handles 4-D (NCHW) and 2-D (NC) tensors only", what,
                   ir::to_string(type));
}

// Lowers the nodes of one segment into `segment`, registering the slots it reads and writes.
void lower_segment(const ir::Graph& graph, const LoweringOptions& options, const std::vector<size_t>& node_indices,
                   size_t index, const std::map<std::string, size_t>& segment_of, LoweredModel& model,
                   Segment& segment) {
    LoweringContext ctx(graph, options, model.func_nodes);
    std::set<std::string> local;
    for (size_t i : node_indices) local.insert(graph.nodes[i].name);

    // Values from outside: graph inputs (NCHW) and earlier segments' values (channels innermost).
    std::set<std::string> bound;
    for (size_t i : node_indices) {
        for (const std::string& in : graph.nodes[i].inputs) {
            if (local.count(in) || bound.count(in) || graph.find_constant(in)) continue;
            bound.insert(in);
            const ir::TensorType type = graph.type_of(in);
            check_rank(fmt::format("value '{}'", in), type);
            Func view(ctx.func_name(in, "view"));
            if (graph.find_input(in)) {
                const std::string key = "input:" + in;
                ImageParam p = slot_param(model.slots.at(key), ctx.func_name(in, "input"));
                if (type.rank() == 4) view(ctx.c, ctx.x, ctx.y, ctx.n) = p(ctx.x, ctx.y, ctx.c, ctx.n);
                else view(ctx.c, ctx.n) = p(ctx.n, ctx.c);
                segment.inputs.emplace_back(key, p);
                ctx.define(in, Value{view, type.dims, false});
            } else {
                ImageParam p = slot_param(model.slots.at(in), ctx.func_name(in, "in"));
                std::vector<Var> vars = type.rank() == 4 ? std::vector<Var>{ctx.c, ctx.x, ctx.y, ctx.n}
                                                         : std::vector<Var>{ctx.c, ctx.n};
                view(vars) = p(vars);
                segment.inputs.emplace_back(in, p);
                ctx.define(in, Value{view, type.dims, true});
            }
        }
    }

    for (size_t i : node_indices) {
        const ir::Node& node = graph.nodes[i];
        check_rank(fmt::format("node '{}'", node.name), node.type);
        kLowerers.at(static_cast<size_t>(node.op))(ctx, node);
        segment.nodes.push_back(node.name);
    }

    // Values read by later segments, then graph outputs converted to NCHW.
    std::vector<Func> outputs;
    for (size_t i : node_indices) {
        const ir::Node& node = graph.nodes[i];
        bool read_later = false;
        for (size_t j = i + 1; j < graph.nodes.size(); ++j)
            for (const std::string& in : graph.nodes[j].inputs)
                read_later = read_later || (in == node.name && segment_of.at(graph.nodes[j].name) > index);
        if (!read_later) continue;
        const Value& v = ctx.value(node.name);
        Func out = v.func;
        if (!v.materialized) {  // an inline view: give the segment a real output stage
            out = Func(ctx.func_name(node.name, "seg_out"));
            std::vector<Var> vars = value_vars(ctx, v);
            out(vars) = v.func(vars);
        }
        out.set_estimates(value_region(v));
        model.slots[node.name] = TensorSlot{node.name, v.dims, Layout::ChannelsInnermost};
        segment.outputs.push_back(node.name);
        outputs.push_back(out);
    }
    for (const std::string& name : graph.outputs) {
        if (!local.count(name)) continue;
        const Value& v = ctx.value(name);
        Func out(ctx.func_name(name, "out"));
        if (v.dims.size() == 4) {
            out(ctx.x, ctx.y, ctx.c, ctx.n) = v.func(ctx.c, ctx.x, ctx.y, ctx.n);
        } else {
            out(ctx.c, ctx.n) = v.func(ctx.c, ctx.n);
        }
        const std::string key = "output:" + name;
        const TensorSlot& slot = model.slots.at(key);
        Region estimates;
        for (int e : slot.halide_extents()) estimates.push_back({0, e});
        out.set_estimates(estimates);
        if (ctx.manual()) {
            const int vw = ctx.vector_width;
            const int inner = slot.halide_extents()[0];
            Var inner_var = v.dims.size() == 4 ? ctx.x : ctx.c;
            ctx.schedule([out, vw, inner, inner_var]() mutable {
                if (inner >= vw) out.vectorize(inner_var, vw, TailStrategy::ShiftInwards);
            });
        }
        segment.outputs.push_back(key);
        outputs.push_back(out);
    }
    SQZ_ASSERT(!outputs.empty(), "segment {} computes nothing anyone reads", index);

    segment.pipeline = Pipeline(outputs);
    if (ctx.manual()) {
        ctx.run_schedules();
    } else {
        const SchedulerInfo& info = scheduler_info(options.scheduler);
        load_scheduler_plugin(info);
        MachineParams params(std::max(1, options.threads), 32 * 1024 * 1024, 40);
        try {
            model.schedule_source += segment.pipeline.auto_schedule(info.plugin_name, options.target, params).schedule_source;
        } catch (const CompileError& e) {
            user_error("the {} autoscheduler failed on this model: {}", info.name, e.what());
        }
    }
    segment.weights = std::move(ctx.weights());
}

}  // namespace

LoweredModel lower(const ir::Graph& graph, const LoweringOptions& options) {
    LoweredModel model;
    for (const ir::GraphInput& in : graph.inputs) {
        const ir::TensorType type = graph.type_of(in.name);
        if (type.rank() != 4)
            user_error("input '{}' is {}; code generation needs a 4-D NCHW input", in.name, ir::to_string(type));
        const std::string key = "input:" + in.name;
        model.slots[key] = TensorSlot{key, type.dims, Layout::NCHW};
        model.input_slots.push_back(key);
    }
    for (const std::string& out : graph.outputs) {
        if (graph.find_input(out)) user_error("graph output '{}' is a graph input; nothing to compute", out);
        const ir::TensorType type = graph.type_of(out);
        check_rank(fmt::format("output '{}'", out), type);
        const std::string key = "output:" + out;
        model.slots[key] = TensorSlot{key, type.dims, Layout::NCHW};
        model.output_slots.push_back(key);
    }

    const SegmentPlan plan = plan_segments(graph, options.convs_per_segment);
    std::map<std::string, size_t> segment_of;
    for (size_t s = 0; s < plan.segments.size(); ++s)
        for (size_t i : plan.segments[s]) segment_of[graph.nodes[i].name] = s;
    for (size_t s = 0; s < plan.segments.size(); ++s) {
        Segment segment;
        segment.name = fmt::format("seg{}", s);
        lower_segment(graph, options, plan.segments[s], s, segment_of, model, segment);
        model.segments.push_back(std::move(segment));
    }
    model.bind_weights();
    return model;
}

}  // namespace sqz::codegen
