// Lowering a whole graph (see lowering.h): each planned kernel reads its input slots through
// buffer parameters of fixed shape, lowers its node by op family (one table), writes its output
// slot, and is then scheduled by the manual schedule steps or by an autoscheduler.
#include "codegen/lowering.h"
#include "codegen/lowering_context.h"

#include "ir/c_identifier.h"
#include "ir/error.h"
#include "ir/lookup.h"

#include <atomic>
#include <mutex>
#include <set>

namespace sqz::codegen {

using namespace Halide;

namespace {

using ir::OpKind;

struct Lowerer {
    OpKind op;
    void (*lower)(LoweringContext&, const ir::Node&);
};

// One entry per ir::OpKind, in enum order: checked when this file compiles.
constexpr Lowerer kLowerers[] = {
    {OpKind::Conv, lower_conv},
    {OpKind::Relu, lower_relu},
    {OpKind::MaxPool, lower_pool},
    {OpKind::AvgPool, lower_pool},
    {OpKind::GlobalAvgPool, lower_global_avg_pool},
    {OpKind::Concat, lower_concat},
    {OpKind::Add, lower_add},
    {OpKind::Dropout, lower_passthrough},
    {OpKind::Softmax, lower_softmax},
    {OpKind::Flatten, lower_reshape},
    {OpKind::Reshape, lower_reshape},
    {OpKind::Identity, lower_passthrough},
};
static_assert(ir::lists_every_op_in_order(kLowerers, &Lowerer::op), "kLowerers needs one entry per ir::OpKind, in order");

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

LoweringContext::LoweringContext(const ir::Graph& g, const LoweringOptions& o, std::map<std::string, std::string>& names,
                                 int lowering_id, int kernel, bool shape_generic)
    : graph(g), options(o), vector_width(o.target.natural_vector_size<float>()), func_nodes_(names),
      lowering_id_(lowering_id), kernel_(kernel), shape_generic_(shape_generic) {}

std::string LoweringContext::func_name(const std::string& ir_name, const char* role) {
    // Halide renames a Func whose name it has seen before in this process, so every lowering gets
    // its own marker (removed again from emitted sources, see package_kernels.cpp).
    // Halide names must be C identifiers; IR names may hold '/', '.', ':' and more.
    std::string name;
    if (shape_generic_) {
        // The kernel's index is part of the marker, so what remains is the same in every kernel of
        // the same form: the role and a count within the kernel.
        name = fmt::format("sqzL{}k{}x_{}_{}", lowering_id_, kernel_, *role ? role : "f", names_made_);
    } else {
        name = fmt::format("sqzL{}x_{}{}{}_{}", lowering_id_, c_identifier(ir_name), *role ? "_" : "", role,
                           func_nodes_.size());
    }
    ++names_made_;
    func_nodes_[name] = ir_name;
    return name;
}

const Value& LoweringContext::value(const std::string& name) const {
    auto it = values_.find(name);
    SQZ_ASSERT(it != values_.end(), "value '{}' used before it was lowered", name);
    return it->second;
}

void LoweringContext::define(const std::string& name, Value value) { values_[name] = std::move(value); }

ImageParam LoweringContext::add_weight(const std::string& constant_name, const WeightGather& gather) {
    const ir::Constant* constant = graph.find_constant(constant_name);
    SQZ_ASSERT(constant && constant->bound(), "weight '{}' is not a bound constant", constant_name);
    SQZ_ASSERT(gather.extents.size() == gather.strides.size(), "weight '{}': a gather of {} extents and {} strides",
               constant_name, gather.extents.size(), gather.strides.size());
    const std::vector<float>& values = constant->data();
    int64_t last = 0;  // the largest index the gather reads
    for (size_t d = 0; d < gather.extents.size(); ++d) last += (gather.extents[d] - 1) * gather.strides[d];
    SQZ_ASSERT(last < static_cast<int64_t>(values.size()), "weight '{}': the gather reads value {} of {}", constant_name,
               last, values.size());
    Buffer<float> packed(std::vector<int>(gather.extents.begin(), gather.extents.end()));
    packed.for_each_element([&](const int* at) {
        int64_t index = 0;
        for (size_t d = 0; d < gather.strides.size(); ++d) index += at[d] * gather.strides[d];
        packed(at) = values[static_cast<size_t>(index)];
    });
    return add_packed_weight(constant_name, packed, gather);
}

ImageParam LoweringContext::add_derived_weight(const std::string& source, Buffer<> packed) {
    return add_packed_weight(source, std::move(packed), std::nullopt);
}

ImageParam LoweringContext::add_packed_weight(const std::string& source, Buffer<> packed,
                                              std::optional<WeightGather> gather) {
    const std::string name = func_name(source, "w");
    ImageParam param(packed.type(), packed.dimensions(), name);
    int stride = 1;
    Region estimates;
    for (int d = 0; d < packed.dimensions(); ++d) {
        // Shape-generic kernels learn the extents and outer strides from the buffer.
        if (!shape_generic_) param.dim(d).set_bounds(0, packed.dim(d).extent()).set_stride(stride);
        else if (d == 0) param.dim(d).set_min(0).set_stride(1);
        else param.dim(d).set_min(0);
        estimates.push_back({0, packed.dim(d).extent()});
        stride *= packed.dim(d).extent();
    }
    // Estimates are for the autoschedulers; a shape-generic kernel's printed metadata would differ
    // by them between kernels of the same form.
    if (!shape_generic_) param.set_estimates(estimates);
    weights_.push_back({name, source, std::move(gather), 0, param, packed});
    return param;
}

int LoweringContext::x_vector(int width) const {
    int v = vector_width;
    while (v > width) v /= 2;
    return v >= 4 ? v : 1;
}

void LoweringContext::run_schedules() {
    // Consumers first: a consumer's schedule sets the loop level its fused producers compute at.
    for (auto it = schedules_.rbegin(); it != schedules_.rend(); ++it) (*it)();
}

void LoweringContext::materialize(Value& v, const std::string& node) {
    v.materialized = true;
    materialized_.push_back(v);
    // A shape-generic kernel's result is its output, whose buffer gives the bounds.
    if (!manual() || fused(node) || shape_generic_) return;
    Func f = v.func;
    std::vector<Var> vars = value_vars(*this, v);
    Region region = value_region(v);
    schedule([f, vars, region]() mutable {
        f.compute_root();
        for (size_t d = 0; d < vars.size(); ++d) f.bound(vars[d], region[d].min, region[d].extent);
    });
}

Expr value_extent(const Value& v, int d) {
    if (!v.extents.empty()) return lookup(v.extents, static_cast<size_t>(d), "extent of a value");
    const ir::Dims& dims = v.dims;
    static constexpr int kDimOf4[] = {1, 3, 2, 0};  // Func dims (c, x, y, n) in NCHW
    static constexpr int kDimOf2[] = {1, 0};        // (c, n) in NC
    SQZ_ASSERT((dims.size() == 4 && d < 4) || (dims.size() == 2 && d < 2), "dimension {} of a {}-D value", d, dims.size());
    return static_cast<int>(dims[static_cast<size_t>(dims.size() == 4 ? kDimOf4[d] : kDimOf2[d])]);
}

Region value_region(const Value& v) {
    Region region;
    for (int d = 0; d < static_cast<int>(v.dims.size()); ++d) region.push_back({0, value_extent(v, d)});
    return region;
}

std::vector<Var> value_vars(const LoweringContext& ctx, const Value& v) {
    if (v.dims.size() == 4) return {ctx.c, ctx.x, ctx.y, ctx.n};
    return {ctx.c, ctx.n};
}

// --- lowering --------------------------------------------------------------------------------

void LoweredModel::bind_weights() {
    for (LoweredKernel& kernel : kernels)
        for (PackedWeight& w : kernel.weights) w.param.set(w.buffer);
}

Scheduler parse_scheduler(const std::string& name) {
    for (const SchedulerInfo& info : kSchedulers)
        if (name == info.name) return info.scheduler;
    user_error("unknown schedule '{}' (choose manual, adams2019, mullapudi2016 or li2018)", name);
}

std::string scheduler_name(Scheduler scheduler) { return scheduler_info(scheduler).name; }

namespace {

// Constrains a dimension of a kernel's input or output buffer to a planned one: exactly, or (in a
// shape-generic kernel) only its min and a unit stride, the rest being read at run time.
void constrain(Internal::Dimension dim, const BufferDim& planned, bool shape_generic) {
    if (!shape_generic) dim.set_bounds(planned.min, planned.extent).set_stride(planned.stride);
    else if (planned.stride == 1) dim.set_min(planned.min).set_stride(1);
    else dim.set_min(planned.min);
}

// A buffer parameter with the type, shape and strides of a planned slot (with its border). A
// shape-generic kernel reads the border below zero and leaves the mins to the buffer too.
ImageParam slot_param(const ModelPlan& plan, const std::string& slot, const std::string& name, bool shape_generic) {
    const std::vector<BufferDim> dims = shape_generic ? plan.halide_dims_border_below_zero(slot) : plan.halide_dims(slot, true);
    ImageParam p(halide_type_of(lookup(plan.slots, slot, "slot").dtype), static_cast<int>(dims.size()), name);
    Region estimates;
    for (size_t d = 0; d < dims.size(); ++d) {
        if (shape_generic) {
            if (dims[d].stride == 1) p.dim(static_cast<int>(d)).set_stride(1);
        } else {
            constrain(p.dim(static_cast<int>(d)), dims[d], false);
        }
        estimates.push_back({dims[d].min, dims[d].extent});
    }
    if (!shape_generic) p.set_estimates(estimates);
    return p;
}

// The Func that reads a slot in value order: (c, x, y, n) or (c, n), in the slot's logical
// coordinates (a bordered slot's parameter starts `border` pixels before pixel (0, 0), unless the
// kernel reads the border below zero).
Func slot_view(LoweringContext& ctx, const Slot& slot, ImageParam p, const std::string& name) {
    Func view(name);
    const int b = slot.kind == Slot::Kind::Arena && !ctx.shape_generic() ? slot.border : 0;
    if (slot.dims.size() == 2) view(ctx.c, ctx.n) = p(ctx.c, ctx.n);
    else view(ctx.c, ctx.x, ctx.y, ctx.n) = p(ctx.c, ctx.x + b, ctx.y + b, ctx.n);
    return view;
}

// The kernels a size build lowers shape-generic: single nodes of the families that repeat in a
// network (direct float convolutions, pools), which need no memory of a size fixed by their shapes.
// Fused kernels keep their producer's strips on the stack, softmax its exponentials, Winograd its
// tiles; int8 convolutions keep their own schedules.
bool reads_shapes_at_run_time(const ir::Node& node) {
    switch (node.op) {
    case OpKind::Conv:
        return node.conv().algorithm == ir::ConvAlgorithm::Direct && !node.conv().quant.int8_input &&
               !node.conv().quant.rounds_float_input();
    case OpKind::MaxPool:
    case OpKind::AvgPool:
    case OpKind::GlobalAvgPool: return true;
    default: return false;
    }
}

void lower_kernel(const ir::Graph& graph, const LoweringOptions& options, LoweredModel& model, size_t index,
                  int lowering_id) {
    const ModelPlan& plan = model.plan;
    const Kernel& kernel = plan.kernels[index];
    LoweredKernel& lowered = model.kernels[index];
    lowered.name = kernel.name;
    const bool shape_generic = options.optimize == Optimize::Size && kernel.nodes.size() == 1 &&
                               reads_shapes_at_run_time(graph.nodes[kernel.nodes[0]]);
    LoweringContext ctx(graph, options, model.func_nodes, lowering_id, static_cast<int>(index), shape_generic);

    // Inputs: every IR value the kernel reads through one of its input slots.
    lowered.border_below_zero = shape_generic;
    std::map<std::string, Value> slot_values;
    for (const std::string& slot_name : kernel.inputs) {
        if (slot_values.count(slot_name)) continue;
        const Slot& slot = lookup(plan.slots, slot_name, "kernel input slot");
        ImageParam p = slot_param(plan, slot_name, ctx.func_name(slot_name, "in"), shape_generic);
        lowered.inputs.push_back(p);
        const int border = slot.kind == Slot::Kind::Arena ? slot.border : 0;
        Value v{slot_view(ctx, slot, p, ctx.func_name(slot_name, "view")), slot.dims, true, border};
        if (shape_generic) {
            for (int d = 0; d < p.dimensions(); ++d)
                v.extents.push_back(p.dim(d).extent() - (p.dimensions() == 4 && (d == 1 || d == 2) ? 2 * border : 0));
            v.param = p;
            v.input = static_cast<int>(lowered.inputs.size()) - 1;
        }
        slot_values[slot_name] = v;
    }
    for (const auto& [value, slot] : plan.value_slot) {
        auto it = slot_values.find(slot);
        if (it == slot_values.end()) continue;
        Value v = it->second;
        v.dims = graph.type_of(value).dims;
        if (v.dims == lookup(plan.slots, slot, "value slot").dims) ctx.define(value, v);
    }

    // The algorithm of each node (a conversion kernel has none: it copies its input).
    Value result;
    if (kernel.nodes.empty()) {
        result = lookup(slot_values, lookup(kernel.inputs, 0, "input of a conversion kernel"), "kernel input value");
    } else {
        // Every node but the last of a fused kernel is computed inside its consumer.
        for (size_t j = 0; j + 1 < kernel.nodes.size(); ++j) ctx.mark_fused(graph.nodes[kernel.nodes[j]].name);
        for (size_t i : kernel.nodes) {
            const ir::Node& node = graph.nodes[i];
            lookup(kLowerers, static_cast<size_t>(node.op), "lowering for op").lower(ctx, node);
        }
        result = ctx.value(graph.nodes[kernel.nodes.back()].name);
    }

    // The output stage writes the kernel's slot, whose shape and strides are fixed.
    const Slot& out_slot = lookup(plan.slots, kernel.output, "kernel output slot");
    Func out = result.func;
    // A materialised result is the pipeline's output itself (its stores follow the slot's strides);
    // views and conversion kernels need a stage of their own.
    const bool copy_stage = !result.materialized || kernel.nodes.empty();
    if (copy_stage) {
        out = Func(ctx.func_name(kernel.output, "out"));
        if (out_slot.dims.size() == 2) out(ctx.c, ctx.n) = result.func(ctx.c, ctx.n);
        else out(ctx.c, ctx.x, ctx.y, ctx.n) = result.func(ctx.c, ctx.x, ctx.y, ctx.n);
        if (ctx.manual()) {
            const int vw = ctx.vector_width;
            const bool nchw4 = out_slot.dims.size() == 4 && out_slot.layout == Layout::NCHW;
            const int inner = static_cast<int>(out_slot.dims.size() == 4 ? (nchw4 ? out_slot.dims[3] : out_slot.dims[1])
                                                                         : out_slot.dims[1]);
            Var inner_var = nchw4 ? ctx.x : ctx.c;
            Var c = ctx.c, x = ctx.x, y = ctx.y, n = ctx.n;
            ctx.schedule([out, vw, inner, inner_var, nchw4, c, x, y, n]() mutable {
                if (nchw4) out.reorder(x, c, y, n);
                if (inner >= vw) out.vectorize(inner_var, vw, TailStrategy::ShiftInwards);
            });
        }
    }
    // A pipeline output writes its slot: the slot's shape and strides, and the same bounds as
    // the autoschedulers' estimates.
    auto write_slot = [&](Func f, const std::string& slot) {
        const std::vector<BufferDim> dims = plan.halide_dims(slot, false);
        SQZ_ASSERT(static_cast<size_t>(f.dimensions()) == dims.size(), "{} of kernel {} has {} dims, its slot {} has {}",
                   f.name(), kernel.name, f.dimensions(), slot, dims.size());
        Region estimates;
        for (size_t d = 0; d < dims.size(); ++d) {
            constrain(f.output_buffer().dim(static_cast<int>(d)), dims[d], shape_generic);
            estimates.push_back({dims[d].min, dims[d].extent});
        }
        if (!shape_generic) f.set_estimates(estimates);
    };
    write_slot(out, kernel.output);
    lowered.output_name = out.name();
    // Workspaces are further outputs, written into their planned slots before the output reads them.
    std::vector<Func> outputs{out};
    SQZ_ASSERT(ctx.workspaces().size() == kernel.workspaces.size(), "kernel {} has {} workspaces, the plan {}",
               kernel.name, ctx.workspaces().size(), kernel.workspaces.size());
    for (size_t w = 0; w < kernel.workspaces.size(); ++w) {
        write_slot(ctx.workspaces()[w], kernel.workspaces[w]);
        outputs.push_back(ctx.workspaces()[w]);
    }
    lowered.pipeline = Pipeline(outputs);

    if (ctx.manual()) {
        ctx.run_schedules();
    } else {
        const SchedulerInfo& info = scheduler_info(options.scheduler);
        load_scheduler_plugin(info);
        MachineParams params(std::max(1, options.threads), 32 * 1024 * 1024, 40);
        try {
            model.schedule_source += lowered.pipeline.auto_schedule(info.plugin_name, options.target, params).schedule_source;
        } catch (const CompileError& e) {
            user_error("the {} autoscheduler failed on kernel {}: {}", info.name, kernel.name, e.what());
        }
    }
    lowered.weights = std::move(ctx.weights());
    for (size_t i = 0; i < lowered.inputs.size(); ++i) lowered.input_origins.push_back(ctx.input_origin(static_cast<int>(i)));
}

}  // namespace

LoweredModel lower(const ir::Graph& graph, const LoweringOptions& options) {
    // A quantized model's 8-bit roundings are lowered by compiler::prepare (onto int8 kernels, or
    // dropped for float32); code generation never sees them.
    if (!graph.activation_quant.empty())
        user_error("graph '{}' still rounds {} activations to 8 bits (an imported quantized model): compile it "
                   "through compiler::prepare", graph.name, graph.activation_quant.size());
    if (options.optimize == Optimize::Size && options.scheduler != Scheduler::Manual)
        user_error("--optimize size chooses the manual schedules; it cannot be combined with the {} autoscheduler",
                   scheduler_name(options.scheduler));
    LoweredModel model;
    model.plan = plan_model(graph);
    model.kernels.resize(model.plan.kernels.size());
    static std::atomic<int> lowerings{0};
    const int lowering_id = lowerings++;
    for (size_t k = 0; k < model.plan.kernels.size(); ++k) lower_kernel(graph, options, model, k, lowering_id);
    model.bind_weights();
    return model;
}

std::optional<Halide::LoopLevel> LoweringContext::fused_level_if_any(const std::string& node) const {
    if (!fused(node)) return std::nullopt;
    return fused_level(node);
}

}  // namespace sqz::codegen
