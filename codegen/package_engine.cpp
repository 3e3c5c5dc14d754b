// The emitted-source engine (see package_engine.h).
#include "codegen/package_engine.h"

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

// The package's C API as its header declares it, under a placeholder prefix: the loader takes the
// options struct and every function's type from there, so a changed API fails to compile here
// instead of crashing at run time.
#define SQZ_API_PACKAGE sqz_loaded
#define SQZ_API_PACKAGE_UPPER SQZ_LOADED
#include "runtime/model_api.h"

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
    sqz_loaded_model* model = nullptr;
    std::vector<ir::Dims> input_dims, output_dims;
    std::vector<std::vector<float>> inputs, outputs;

    // One pointer per function of the API, of the type the header declares.
#define SQZ_LOADED_FUNCTION(name) decltype(&sqz_loaded_##name) name = nullptr;
    SQZ_API_FUNCTIONS(SQZ_LOADED_FUNCTION)
#undef SQZ_LOADED_FUNCTION

    void bind_api() {
#define SQZ_BIND_FUNCTION(name) bind(name, #name);
        SQZ_API_FUNCTIONS(SQZ_BIND_FUNCTION)
#undef SQZ_BIND_FUNCTION
    }

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

SourceModel::SourceModel(const ir::Graph& graph, const SourceOptions& options) : state_(std::make_unique<State>()) {
    const auto start = std::chrono::steady_clock::now();
    State& s = *state_;
    s.keep = options.keep_build;
    s.name = fmt::format("sqzsrc{}_{}", ::getpid(), g_counter++);
    s.dir = fs::temp_directory_path() / s.name;
    PackageOptions p;
    p.name = s.name;
    p.target = runnable_target(options.target, CodeKind::Package);
    p.force = true;
    p.source_description = "sqzc source engine";
    p.optimize = options.optimize;
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
    s.bind_api();

    sqz_loaded_options c{};
    c.threads = options.threads;
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
