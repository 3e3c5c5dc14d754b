// The emitted-source engine (see source_model.h).
#include "codegen/source_model.h"

#include "codegen/package.h"
#include "ir/error.h"
#include "ir/parallel.h"
#include "ir/shell.h"

#include <dlfcn.h>
#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <unistd.h>

namespace sqz::codegen {

namespace fs = std::filesystem;

namespace {

std::atomic<int> g_counter{0};

class SourceModel final : public Engine {
public:
    SourceModel(const ir::Graph& graph, const SourceOptions& options);
    ~SourceModel() override;

    void set_inputs(const std::vector<ir::Tensor>& inputs) override;
    void run_in_place() override;
    std::vector<ir::Tensor> outputs() const override;

    double compile_ms() const override { return compile_ms_; }
    int threads() const override;
    std::vector<LayerTime> take_profile() override;

private:
    struct State;
    std::unique_ptr<State> state_;
    double compile_ms_ = 0;
};

// Runs shell commands on all cores; throws with the first failing one (in list order) and the
// start of its output.
void run_commands(const std::vector<std::string>& commands) {
    run_shell_all_or_throw(commands, hardware_threads(), "building the package");
}

}  // namespace

struct SourceModel::State {
    std::string name;
    fs::path dir;
    bool keep = false;
    void* library = nullptr;
    void* model = nullptr;
    std::vector<ir::Dims> input_dims, output_dims;
    std::vector<std::vector<float>> inputs, outputs;

    int (*create)(const void*, void**) = nullptr;
    int (*run_all)(void*, const float* const*, float* const*) = nullptr;
    void (*destroy)(void*) = nullptr;
    int (*threads)(const void*) = nullptr;
    const char* (*status_string)(int) = nullptr;
    void (*set_profiling)(void*, int) = nullptr;
    int (*kernel_count)() = nullptr;
    const char* (*kernel_name)(int) = nullptr;
    double (*kernel_ms)(void*, int) = nullptr;
    int (*profiled_runs)(void*) = nullptr;
    void (*profile_reset)(void*) = nullptr;

    template <typename F>
    void bind(F& f, const char* suffix) {
        const std::string symbol = name + "_" + suffix;
        f = reinterpret_cast<F>(dlsym(library, symbol.c_str()));
        if (!f) user_error("the built package lacks {}", symbol);
    }

    ~State() {
        if (model && destroy) destroy(model);
        if (library) dlclose(library);
        std::error_code ec;
        if (!keep && !dir.empty()) fs::remove_all(dir, ec);
    }
};

// The package's options struct, as its header declares it.
struct PackageOptionsC {
    int threads;
    void* arena;
    size_t arena_bytes;
    const char* weights_path;
};

SourceModel::SourceModel(const ir::Graph& graph, const SourceOptions& options) : state_(std::make_unique<State>()) {
    const auto start = std::chrono::steady_clock::now();
    State& s = *state_;
    s.keep = options.keep_build;
    s.name = fmt::format("sqzsrc{}_{}", ::getpid(), g_counter++);
    s.dir = fs::temp_directory_path() / s.name;
    PackageOptions p;
    p.name = s.name;
    p.target = runnable_target(options.target);
    p.force = true;
    p.source_description = "sqzc source engine";
    emit_package(graph, p, (s.dir / "package").string());

    // Compile every library source to an object, in parallel, then link one shared library.
    std::vector<std::string> compiles;
    std::vector<std::string> objects;
    for (const auto& entry : fs::directory_iterator(s.dir / "package")) {
        const std::string file = entry.path().filename().string();
        if (entry.path().extension() != ".cpp" || file.find("_selftest") != std::string::npos) continue;
        const fs::path object = s.dir / (entry.path().stem().string() + ".o");
        compiles.push_back(fmt::format("{} -std=c++17 {} -fPIC -c {} -o {}", options.compiler, options.flags,
                                       shell_quote(entry.path().string()), shell_quote(object.string())));
        objects.push_back(shell_quote(object.string()));
    }
    run_commands(compiles);
    const fs::path library = s.dir / ("lib" + s.name + ".so");
    run_commands({fmt::format("{} -shared -o {} {} -lpthread", options.compiler, shell_quote(library.string()),
                              fmt::join(objects, " "))});

    s.library = dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!s.library) user_error("cannot load the built package: {}", dlerror());
    s.bind(s.create, "create");
    s.bind(s.run_all, "run_all");
    s.bind(s.destroy, "destroy");
    s.bind(s.threads, "threads");
    s.bind(s.status_string, "status_string");
    s.bind(s.set_profiling, "set_profiling");
    s.bind(s.kernel_count, "kernel_count");
    s.bind(s.kernel_name, "kernel_name");
    s.bind(s.kernel_ms, "kernel_ms");
    s.bind(s.profiled_runs, "profiled_runs");
    s.bind(s.profile_reset, "profile_reset");

    PackageOptionsC c{options.threads, nullptr, 0, nullptr};
    if (int status = s.create(&c, &s.model)) user_error("creating the built model failed: {}", s.status_string(status));
    if (options.profile) s.set_profiling(s.model, 1);
    for (const ir::GraphInput& in : graph.inputs) {
        s.input_dims.push_back(graph.type_of(in.name).dims);
        s.inputs.emplace_back(static_cast<size_t>(graph.type_of(in.name).numel()));
    }
    for (const std::string& out : graph.outputs) {
        s.output_dims.push_back(graph.type_of(out).dims);
        s.outputs.emplace_back(static_cast<size_t>(graph.type_of(out).numel()));
    }
    compile_ms_ = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

SourceModel::~SourceModel() = default;

int SourceModel::threads() const { return state_->threads(state_->model); }

void SourceModel::set_inputs(const std::vector<ir::Tensor>& inputs) {
    State& s = *state_;
    if (inputs.size() != s.inputs.size()) user_error("the model takes {} inputs, {} given", s.inputs.size(), inputs.size());
    for (size_t i = 0; i < inputs.size(); ++i) {
        if (inputs[i].data.size() != s.inputs[i].size())
            user_error("input {} has {} values, the model expects {}", i, inputs[i].data.size(), s.inputs[i].size());
        s.inputs[i] = inputs[i].data;
    }
}

void SourceModel::run_in_place() {
    State& s = *state_;
    std::vector<const float*> in;
    std::vector<float*> out;
    for (auto& v : s.inputs) in.push_back(v.data());
    for (auto& v : s.outputs) out.push_back(v.data());
    if (int status = s.run_all(s.model, in.data(), out.data()))
        user_error("running the built model failed: {}", s.status_string(status));
}

std::vector<ir::Tensor> SourceModel::outputs() const {
    std::vector<ir::Tensor> out;
    for (size_t i = 0; i < state_->outputs.size(); ++i) out.push_back({state_->output_dims[i], state_->outputs[i]});
    return out;
}

std::vector<LayerTime> SourceModel::take_profile() {
    State& s = *state_;
    const int runs = s.profiled_runs(s.model);
    std::vector<LayerTime> out;
    double total = 0;
    for (int k = 0; k < s.kernel_count(); ++k) total += s.kernel_ms(s.model, k);
    for (int k = 0; k < s.kernel_count() && runs > 0; ++k) {
        const double ms = s.kernel_ms(s.model, k);
        out.push_back({s.kernel_name(k), ms / runs, total > 0 ? ms / total : 0});
    }
    s.profile_reset(s.model);
    return out;
}

std::unique_ptr<Engine> make_source_engine(const ir::Graph& graph, const SourceOptions& options) {
    return std::make_unique<SourceModel>(graph, options);
}

}  // namespace sqz::codegen
