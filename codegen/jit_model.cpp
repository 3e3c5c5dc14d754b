// The JIT engine (see jit_model.h). Halide's JIT calls back into sqzc through a JITUserContext
// whose handlers route parallel loops to a runtime::ThreadPool owned by this model.
#include "codegen/jit_model.h"

#include "ir/error.h"
#include "runtime/arena.h"
#include "runtime/thread_pool.h"

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <map>
#include <thread>

namespace sqz::codegen {

using namespace Halide;

namespace {

struct Context : JITUserContext {
    runtime::ThreadPool* pool = nullptr;
    runtime::Arena* arena = nullptr;
    std::atomic<int> heap_fallbacks{0};  // allocations the arena could not serve
    std::string* error = nullptr;
};

void* arena_malloc(JITUserContext* uc, size_t bytes) {
    auto* ctx = static_cast<Context*>(uc);
    if (void* p = ctx->arena->allocate(bytes)) return p;
    ctx->heap_fallbacks.fetch_add(1);
    return std::aligned_alloc(runtime::Arena::kAlignment, runtime::arena_round_up(bytes + runtime::Arena::kSlack));
}

void arena_free(JITUserContext* uc, void* p) {
    auto* ctx = static_cast<Context*>(uc);
    if (!ctx->arena->free(p)) std::free(p);
}

int do_par_for(JITUserContext* uc, int (*f)(JITUserContext*, int, uint8_t*), int min, int extent, uint8_t* closure) {
    auto* ctx = static_cast<Context*>(uc);
    return ctx->pool->parallel_for(reinterpret_cast<runtime::ThreadPool::Task>(f), uc, min, extent, closure);
}

void capture_error(JITUserContext* uc, const char* message) {
    auto* ctx = static_cast<Context*>(uc);
    if (ctx->error) *ctx->error += message;
}

void ignore_print(JITUserContext*, const char*) {}

int default_threads() {
    unsigned n = std::thread::hardware_concurrency();
    return n == 0 ? 1 : static_cast<int>(n);
}

}  // namespace

struct JitModel::State {
    LoweredModel model;
    Target target;
    std::unique_ptr<runtime::ThreadPool> pool;
    Context context;
    runtime::Arena arena;
    std::unique_ptr<unsigned char[]> arena_memory;
    std::string error;
    std::map<std::string, Buffer<float>> buffers;      // every slot
    std::vector<std::vector<Buffer<>>> segment_outputs; // per segment, in pipeline output order
    bool profile = false;
    std::vector<double> segment_ms;                     // accumulated when profiling
    int profiled_runs = 0;
};

JitModel::JitModel(const ir::Graph& graph, const JitOptions& options) : state_(std::make_unique<State>()) {
    const auto start = std::chrono::steady_clock::now();
    State& s = *state_;
    const int threads = options.threads > 0 ? options.threads : default_threads();
    LoweringOptions lowering;
    lowering.scheduler = options.scheduler;
    lowering.threads = threads;
    lowering.target = get_host_target();
    lowering.convs_per_segment = options.profile ? -1 : options.convs_per_segment;
    s.target = lowering.target;
    s.profile = options.profile;
    s.model = lower(graph, lowering);
    for (Segment& segment : s.model.segments) {
        try {
            segment.pipeline.compile_jit(s.target);
        } catch (const CompileError& e) {
            user_error("JIT compilation of {} failed: {}", segment.name, e.what());
        }
    }
    s.pool = std::make_unique<runtime::ThreadPool>(threads);
    s.context.handlers.custom_do_par_for = do_par_for;
    s.context.handlers.custom_error = capture_error;
    s.context.handlers.custom_print = ignore_print;
    s.context.handlers.custom_malloc = arena_malloc;
    s.context.handlers.custom_free = arena_free;
    s.context.pool = s.pool.get();
    s.context.arena = &s.arena;
    s.context.error = &s.error;

    for (const auto& [key, slot] : s.model.slots) s.buffers.emplace(key, Buffer<float>(slot.halide_extents()));
    for (Segment& segment : s.model.segments) {
        for (auto& [key, param] : segment.inputs) param.set(s.buffers.at(key));
        std::vector<Buffer<>> outs;
        for (const std::string& key : segment.outputs) outs.push_back(s.buffers.at(key));
        s.segment_outputs.push_back(std::move(outs));
    }
    s.segment_ms.assign(s.model.segments.size(), 0.0);

    // Size the arena: one run in a large, untouched virtual region measures how far the blocks
    // reach; then the real arena gets exactly that (plus slack), allocated once.
    {
        const size_t probe_bytes = size_t{4} << 30;
        std::unique_ptr<unsigned char[]> probe(new (std::nothrow) unsigned char[probe_bytes]);
        if (probe) {
            s.arena.reset(probe.get(), probe_bytes);
            run_in_place();
            const size_t need = s.arena.high_water();
            s.arena_memory.reset(new unsigned char[need + 2 * runtime::Arena::kAlignment + runtime::Arena::kSlack]);
            s.arena.reset(s.arena_memory.get(), need + 2 * runtime::Arena::kAlignment + runtime::Arena::kSlack);
        }
    }
    compile_ms_ = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

JitModel::~JitModel() = default;

int JitModel::threads() const { return state_->pool->threads(); }

size_t JitModel::segment_count() const { return state_->model.segments.size(); }

void JitModel::set_inputs(const std::vector<ir::Tensor>& inputs) {
    State& s = *state_;
    if (inputs.size() != s.model.input_slots.size())
        user_error("the model takes {} inputs, {} given", s.model.input_slots.size(), inputs.size());
    for (size_t i = 0; i < inputs.size(); ++i) {
        Buffer<float>& b = s.buffers.at(s.model.input_slots[i]);
        if (inputs[i].data.size() != b.number_of_elements())
            user_error("input {} has {} values, the model expects {}", i, inputs[i].data.size(), b.number_of_elements());
        std::memcpy(b.data(), inputs[i].data.data(), inputs[i].data.size() * sizeof(float));
    }
}

void JitModel::run_in_place() {
    State& s = *state_;
    s.error.clear();
    for (size_t i = 0; i < s.model.segments.size(); ++i) {
        const auto start = std::chrono::steady_clock::now();
        Realization outputs(s.segment_outputs[i]);
        try {
            s.model.segments[i].pipeline.realize(&s.context, outputs, s.target);
        } catch (const RuntimeError& e) {
            user_error("running {} failed: {} {}", s.model.segments[i].name, e.what(), s.error);
        }
        if (s.profile)
            s.segment_ms[i] += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    }
    if (s.profile) ++s.profiled_runs;
}

std::vector<ir::Tensor> JitModel::outputs() const {
    std::vector<ir::Tensor> out;
    for (const std::string& key : state_->model.output_slots) {
        const Buffer<float>& b = state_->buffers.at(key);
        out.push_back({state_->model.slots.at(key).dims, std::vector<float>(b.data(), b.data() + b.number_of_elements())});
    }
    return out;
}

std::vector<ir::Tensor> JitModel::run(const std::vector<ir::Tensor>& inputs) {
    set_inputs(inputs);
    run_in_place();
    return outputs();
}

std::vector<ProfileEntry> JitModel::take_profile() {
    State& s = *state_;
    std::vector<ProfileEntry> out;
    double total = 0;
    for (double ms : s.segment_ms) total += ms;
    for (size_t i = 0; i < s.model.segments.size() && s.profiled_runs > 0; ++i) {
        ProfileEntry e;
        for (const std::string& node : s.model.segments[i].nodes) e.node += (e.node.empty() ? "" : " + ") + node;
        e.ms_per_run = s.segment_ms[i] / s.profiled_runs;
        e.share = total > 0 ? s.segment_ms[i] / total : 0;
        out.push_back(e);
    }
    s.segment_ms.assign(s.segment_ms.size(), 0.0);
    s.profiled_runs = 0;
    return out;
}

}  // namespace sqz::codegen
