// The JIT engine (see jit_model.h). Every kernel is compiled by Halide's JIT; its buffers are views
// into memory allocated once (the planned arena, the graph's inputs and outputs). Halide calls
// back into sqzc through a JITUserContext whose handlers route parallel loops to a
// runtime::ThreadPool owned by this model and serve any allocation a kernel makes from the calling
// thread's own stack (thread_stacks.h), or else from an arena.
#include "codegen/jit_model.h"

#include "codegen/thread_stacks.h"

#include "ir/error.h"
#include "ir/lookup.h"
#include "ir/parallel.h"
#include "runtime/arena.h"
#include "runtime/thread_pool.h"

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>

namespace sqz::codegen {

using namespace Halide;

namespace {

struct Context : JITUserContext {
    runtime::ThreadPool* pool = nullptr;
    ThreadStacks* stacks = nullptr;
    runtime::Arena* scratch = nullptr;
    std::atomic<int> heap_fallbacks{0};  // allocations neither the stacks nor the arena could serve
    std::string* error = nullptr;
};

int do_par_for(JITUserContext* uc, int (*f)(JITUserContext*, int, uint8_t*), int min, int extent, uint8_t* closure) {
    auto* ctx = static_cast<Context*>(uc);
    return ctx->pool->parallel_for(reinterpret_cast<runtime::ThreadPool::Task>(f), uc, min, extent, closure);
}

void* scratch_malloc(JITUserContext* uc, size_t bytes) {
    auto* ctx = static_cast<Context*>(uc);
    if (void* p = ctx->stacks->allocate(ctx->pool->thread_index(), bytes)) return p;
    if (void* p = ctx->scratch->allocate(bytes)) return p;
    ctx->heap_fallbacks.fetch_add(1);
    return std::aligned_alloc(runtime::Arena::kAlignment, runtime::arena_round_up(bytes + runtime::Arena::kSlack));
}

void scratch_free(JITUserContext* uc, void* p) {
    auto* ctx = static_cast<Context*>(uc);
    if (!ctx->stacks->free(p) && !ctx->scratch->free(p)) std::free(p);
}

void capture_error(JITUserContext* uc, const char* message) {
    auto* ctx = static_cast<Context*>(uc);
    if (ctx->error) *ctx->error += message;
}

void ignore_print(JITUserContext*, const char*) {}

// 64-byte aligned, zero-initialised memory.
struct AlignedBytes {
    std::unique_ptr<uint8_t, void (*)(void*)> data{nullptr, std::free};
    void allocate(int64_t bytes) {
        const size_t size = runtime::arena_round_up(static_cast<size_t>(std::max<int64_t>(bytes, 1)) + 64);
        data.reset(static_cast<uint8_t*>(std::aligned_alloc(64, size)));
        if (!data) throw std::bad_alloc();
        std::memset(data.get(), 0, size);
    }
    float* floats() const { return reinterpret_cast<float*>(data.get()); }
};

// Everything a JIT model owns; it stays put, as the kernels' buffer views point into it.
struct State {
    LoweredModel model;
    Target target;
    std::unique_ptr<runtime::ThreadPool> pool;
    Context context;
    std::string error;
    AlignedBytes arena;                              // the planned tensors
    std::map<std::string, AlignedBytes> external;    // graph inputs and outputs
    std::vector<std::vector<Buffer<>>> outputs;      // per kernel, its output and workspace views
    ThreadStacks stacks;                             // allocations made inside kernels, per thread
    runtime::Arena scratch;                          // those the stacks cannot take
    std::unique_ptr<unsigned char[]> scratch_memory;
    std::vector<std::string> node_names;             // of the graph, for profiles
    bool profile = false;
    std::vector<double> kernel_ms;
    int profiled_runs = 0;

    const std::string& graph_node_name(size_t i) const { return lookup(node_names, i, "graph node"); }

    uint8_t* memory_of(const std::string& slot) {
        const Slot& root = model.plan.root(slot);
        if (root.kind == Slot::Kind::Arena) return arena.data.get() + root.offset;
        return lookup(external, root.name, "graph input or output memory for slot").data.get();
    }

    // A slot's buffer for a kernel: an output without its border; an input with it, from 0 or
    // (border_below_zero) from -border.
    Buffer<> view(const std::string& slot, bool with_border, bool border_below_zero = false, int origin = 0) {
        std::vector<halide_dimension_t> shape;
        const std::vector<BufferDim> dims = border_below_zero ? model.plan.halide_dims_border_below_zero(slot, origin)
                                                              : model.plan.halide_dims(slot, with_border);
        for (const BufferDim& d : dims) shape.push_back({d.min, d.extent, d.stride, 0});
        const halide_type_t type = halide_type_of(lookup(model.plan.slots, slot, "slot").dtype);
        return Buffer<>(Runtime::Buffer<>(type, memory_of(slot) + model.plan.host_offset(slot, with_border), shape));
    }
};

class JitModel final : public Engine {
public:
    JitModel(const ir::Graph& graph, const JitOptions& options);

    double compile_ms() const override { return compile_ms_; }
    int threads() const override { return state_->pool->threads(); }

    void set_inputs(const std::vector<ir::Tensor>& inputs) override {
        State& s = *state_;
        const ModelPlan& plan = s.model.plan;
        if (inputs.size() != plan.input_slots.size())
            user_error("the model takes {} inputs, {} given", plan.input_slots.size(), inputs.size());
        for (size_t i = 0; i < inputs.size(); ++i) {
            const Slot& slot = lookup(plan.slots, plan.input_slots[i], "input slot");
            if (static_cast<int64_t>(inputs[i].data.size()) != slot.elements())
                user_error("input {} has {} values, the model expects {}", i, inputs[i].data.size(), slot.elements());
            std::memcpy(lookup(s.external, slot.name, "input memory").data.get(), inputs[i].data.data(),
                        inputs[i].data.size() * sizeof(float));
        }
    }

    void run_in_place() override {
        State& s = *state_;
        s.error.clear();
        for (size_t k = 0; k < s.model.kernels.size(); ++k) {
            const auto start = std::chrono::steady_clock::now();
            try {
                s.model.kernels[k].pipeline.realize(&s.context, Realization(s.outputs[k]), s.target);
            } catch (const RuntimeError& e) {
                // The buffers are sized by the plan the pipelines were made for: a failure is ours.
                SQZ_INTERNAL_ERROR("running kernel {} failed: {} {}", s.model.kernels[k].name, e.what(), s.error);
            }
            const std::chrono::duration<double, std::milli> took = std::chrono::steady_clock::now() - start;
            if (s.profile) s.kernel_ms[k] += took.count();
        }
        if (s.profile) ++s.profiled_runs;
        if (s.stacks.bad_frees() > 0) SQZ_INTERNAL_ERROR("a kernel freed memory its thread stack had not handed out");
    }

    std::vector<ir::Tensor> outputs() const override {
        State& s = *state_;
        std::vector<ir::Tensor> out;
        for (size_t i = 0; i < s.model.plan.output_slots.size(); ++i) {
            const Slot& slot = lookup(s.model.plan.slots, s.model.plan.output_slots[i], "output slot");
            const float* data = lookup(s.external, slot.name, "output memory").floats();
            out.push_back({slot.dims, std::vector<float>(data, data + slot.elements())});
        }
        return out;
    }

    std::vector<LayerTime> take_profile() override {
        State& s = *state_;
        std::vector<LayerTime> out;
        double total = 0;
        for (double ms : s.kernel_ms) total += ms;
        for (size_t k = 0; k < s.model.kernels.size() && s.profiled_runs > 0; ++k) {
            LayerTime e;
            const Kernel& kernel = s.model.plan.kernels[k];
            for (size_t i : kernel.nodes) e.node += (e.node.empty() ? "" : " + ") + s.graph_node_name(i);
            if (kernel.nodes.empty()) e.node = kernel.name;
            e.ms_per_run = s.kernel_ms[k] / s.profiled_runs;
            e.share = total > 0 ? s.kernel_ms[k] / total : 0;
            out.push_back(e);
        }
        s.kernel_ms.assign(s.kernel_ms.size(), 0.0);
        s.profiled_runs = 0;
        return out;
    }

private:
    std::unique_ptr<State> state_ = std::make_unique<State>();
    double compile_ms_ = 0;
};

}  // namespace

JitModel::JitModel(const ir::Graph& graph, const JitOptions& options) {
    const auto start = std::chrono::steady_clock::now();
    State& s = *state_;
    const int threads = options.threads > 0 ? options.threads : hardware_threads();
    LoweringOptions lowering;
    lowering.scheduler = options.scheduler;
    lowering.threads = threads;
    lowering.target = runnable_target(options.target);
    lowering.c_source = options.c_source_forms;
    lowering.optimize = options.optimize;
    s.target = lowering.target;
    s.profile = options.profile;
    s.model = lower(graph, lowering);
    for (const ir::Node& node : graph.nodes) s.node_names.push_back(node.name);
    if (const char* dump = std::getenv("SQZ_DUMP_STMT")) {
        for (LoweredKernel& k : s.model.kernels) {
            std::vector<Argument> args;
            for (auto& p : k.inputs) args.push_back(p);
            for (auto& w : k.weights) args.push_back(w.param);
            k.pipeline.compile_to_lowered_stmt(std::string(dump) + "/" + k.name + ".stmt", args, Text, s.target);
        }
    }
    // Kernels are independent pipelines: compile them on all cores. The pipelines are sqzc's own,
    // so Halide rejecting one is a bug in sqzc, not in the model.
    parallel_for_each(s.model.kernels.size(), hardware_threads(), [&](size_t k) {
        try {
            s.model.kernels[k].pipeline.compile_jit(s.target);
        } catch (const CompileError& e) {
            SQZ_INTERNAL_ERROR("Halide's JIT compilation of kernel {} for {} failed: {}", s.model.kernels[k].name,
                               s.target.to_string(), e.what());
        }
    });
    s.pool = std::make_unique<runtime::ThreadPool>(threads);
    s.context.handlers.custom_do_par_for = do_par_for;
    s.context.handlers.custom_malloc = scratch_malloc;
    s.context.handlers.custom_free = scratch_free;
    s.context.handlers.custom_error = capture_error;
    s.context.handlers.custom_print = ignore_print;
    s.context.pool = s.pool.get();
    s.context.stacks = &s.stacks;
    s.context.scratch = &s.scratch;
    s.context.error = &s.error;

    // Memory, once: the arena (bordered slots stay zero outside what their kernels write), the
    // graph's inputs and outputs, and a view for every kernel argument.
    const ModelPlan& plan = s.model.plan;
    s.arena.allocate(plan.arena_bytes);
    for (const auto& [name, slot] : plan.slots)
        if (slot.kind == Slot::Kind::Input || slot.kind == Slot::Kind::Output) s.external[name].allocate(slot.bytes());
    for (size_t k = 0; k < plan.kernels.size(); ++k) {
        const Kernel& kernel = plan.kernels[k];
        LoweredKernel& lowered = s.model.kernels[k];
        for (size_t i = 0; i < kernel.inputs.size() && i < lowered.inputs.size(); ++i)
            lowered.inputs[i].set(s.view(kernel.inputs[i], true, lowered.border_below_zero,
                                         i < lowered.input_origins.size() ? lowered.input_origins[i] : 0));
        std::vector<Buffer<>> outs{s.view(kernel.output, false)};
        for (const std::string& w : kernel.workspaces) outs.push_back(s.view(w, false));
        s.outputs.push_back(std::move(outs));
    }
    s.kernel_ms.assign(plan.kernels.size(), 0.0);

    // Size the memory for allocations inside kernels (blocks over 16 KB that Halide's LLVM backend
    // moves off the stack, such as the Winograd convs' products): one run, with no thread stacks
    // yet, in a large, untouched virtual region measures how far the blocks reach. No thread has
    // more in use at once than all of them together, so each thread's stack gets that much; the
    // arena stays behind them.
    const size_t probe_bytes = size_t{1} << 32;
    std::unique_ptr<unsigned char[]> probe(new (std::nothrow) unsigned char[probe_bytes]);
    if (probe) {
        s.scratch.reset(probe.get(), probe_bytes);
        run_in_place();
        const size_t need = s.scratch.high_water() + 2 * runtime::Arena::kAlignment + runtime::Arena::kSlack;
        s.scratch_memory.reset(new unsigned char[need]);
        s.scratch.reset(s.scratch_memory.get(), need);
        if (s.scratch.high_water() > 0) s.stacks.reset(threads, need + 16 * ThreadStacks::kAlignment);
    }
    compile_ms_ = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}





std::unique_ptr<Engine> make_jit_engine(const ir::Graph& graph, const JitOptions& options) {
    return std::make_unique<JitModel>(graph, options);
}

}  // namespace sqz::codegen
