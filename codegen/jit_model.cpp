// The JIT engine (see jit_model.h). Halide's JIT calls back into sqzc through a JITUserContext
// whose handlers route parallel loops to a runtime::ThreadPool owned by this model.
#include "codegen/jit_model.h"

#include "ir/error.h"
#include "runtime/thread_pool.h"

#include <chrono>
#include <cstring>
#include <map>
#include <regex>
#include <sstream>
#include <thread>

namespace sqz::codegen {

using namespace Halide;

namespace {

struct Context : JITUserContext {
    runtime::ThreadPool* pool = nullptr;
    std::string* printed = nullptr;  // the profiler's reports and other runtime output
    std::string* error = nullptr;
};

int do_par_for(JITUserContext* uc, int (*f)(JITUserContext*, int, uint8_t*), int min, int extent, uint8_t* closure) {
    auto* ctx = static_cast<Context*>(uc);
    return ctx->pool->parallel_for(reinterpret_cast<runtime::ThreadPool::Task>(f), uc, min, extent, closure);
}

void capture_print(JITUserContext* uc, const char* message) {
    auto* ctx = static_cast<Context*>(uc);
    if (ctx->printed) *ctx->printed += message;
}

void capture_error(JITUserContext* uc, const char* message) {
    auto* ctx = static_cast<Context*>(uc);
    if (ctx->error) *ctx->error += message;
}

int default_threads() {
    unsigned n = std::thread::hardware_concurrency();
    return n == 0 ? 1 : static_cast<int>(n);
}

// Row-major NCHW (or NC) host tensor <-> Halide buffer with dims reversed (x, y, c, n).
Buffer<float> make_buffer(const ir::Dims& dims) {
    std::vector<int> sizes(dims.rbegin(), dims.rend());
    return Buffer<float>(sizes);
}

}  // namespace

struct JitModel::State {
    LoweredModel model;
    Target target;
    std::unique_ptr<runtime::ThreadPool> pool;
    Context context;
    std::string printed;
    std::string error;
    std::vector<Buffer<float>> input_buffers;
    std::vector<Buffer<float>> output_buffers;
    std::map<std::string, ProfileEntry> profile;
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
    if (options.profile) lowering.target.set_feature(Target::Profile);
    s.target = lowering.target;
    s.model = lower(graph, lowering);
    try {
        s.model.pipeline.compile_jit(s.target);
    } catch (const CompileError& e) {
        user_error("JIT compilation failed: {}", e.what());
    }
    s.pool = std::make_unique<runtime::ThreadPool>(threads);
    s.context.handlers.custom_do_par_for = do_par_for;
    s.context.handlers.custom_print = capture_print;
    s.context.handlers.custom_error = capture_error;
    s.context.pool = s.pool.get();
    s.context.printed = &s.printed;
    s.context.error = &s.error;
    for (const ir::GraphInput& in : graph.inputs) s.input_buffers.push_back(make_buffer(graph.type_of(in.name).dims));
    for (const ir::Dims& dims : s.model.output_dims) s.output_buffers.push_back(make_buffer(dims));
    for (size_t i = 0; i < s.input_buffers.size(); ++i) s.model.inputs[i].set(s.input_buffers[i]);
    compile_ms_ = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

JitModel::~JitModel() = default;

int JitModel::threads() const { return state_->pool->threads(); }

void JitModel::set_inputs(const std::vector<ir::Tensor>& inputs) {
    State& s = *state_;
    if (inputs.size() != s.input_buffers.size())
        user_error("the model takes {} inputs, {} given", s.input_buffers.size(), inputs.size());
    for (size_t i = 0; i < inputs.size(); ++i) {
        Buffer<float>& b = s.input_buffers[i];
        if (inputs[i].data.size() != b.number_of_elements())
            user_error("input {} has {} values, the model expects {}", i, inputs[i].data.size(), b.number_of_elements());
        std::memcpy(b.data(), inputs[i].data.data(), inputs[i].data.size() * sizeof(float));
    }
}

void JitModel::run_in_place() {
    State& s = *state_;
    s.error.clear();
    try {
        if (s.output_buffers.size() == 1) {
            s.model.pipeline.realize(&s.context, s.output_buffers[0], s.target);
        } else {
            std::vector<Buffer<>> buffers(s.output_buffers.begin(), s.output_buffers.end());
            Realization r(buffers);
            s.model.pipeline.realize(&s.context, r, s.target);
        }
    } catch (const RuntimeError& e) {
        user_error("running the compiled model failed: {} {}", e.what(), s.error);
    }
}

std::vector<ir::Tensor> JitModel::outputs() const {
    std::vector<ir::Tensor> out;
    for (size_t i = 0; i < state_->output_buffers.size(); ++i) {
        const Buffer<float>& b = state_->output_buffers[i];
        out.push_back({state_->model.output_dims[i], std::vector<float>(b.data(), b.data() + b.number_of_elements())});
    }
    return out;
}

std::vector<ir::Tensor> JitModel::run(const std::vector<ir::Tensor>& inputs) {
    set_inputs(inputs);
    run_in_place();
    return outputs();
}

std::vector<ProfileEntry> JitModel::take_profile() {
    // Halide prints one report per run:
    //   <pipeline>  total time: 4.5 ms  samples: ...  runs: 1  time/run: 4.5 ms
    //     <func>: 1.2ms (26%) ...
    State& s = *state_;
    std::map<std::string, double> ms;
    double total = 0;
    int runs = 0;
    std::istringstream in(s.printed);
    static const std::regex header(R"(total time:\s*([0-9.]+)\s*ms)");
    static const std::regex line(R"(^\s+([A-Za-z_][A-Za-z0-9_$]*):\s+([0-9.]+)ms)");
    for (std::string text; std::getline(in, text);) {
        std::smatch m;
        if (std::regex_search(text, m, header)) {
            total += std::stod(m[1]);
            ++runs;
        } else if (std::regex_search(text, m, line)) {
            ms[m[1]] += std::stod(m[2]);
        }
    }
    s.printed.clear();
    std::vector<ProfileEntry> out;
    for (const auto& [func, t] : ms) {
        ProfileEntry e;
        e.func = func;
        e.ms_per_run = runs ? t / runs : 0;
        e.share = total > 0 ? t / total : 0;
        out.push_back(e);
    }
    return out;
}

}  // namespace sqz::codegen
