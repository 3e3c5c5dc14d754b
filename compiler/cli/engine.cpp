// The engine table (see engine.h).
#include "compiler/cli/engine.h"

#include "codegen/jit_model.h"
#include "codegen/source_model.h"
#include "ir/error.h"
#include "ir/interpreter.h"

namespace sqz::cli {
namespace {

class ReferenceEngine : public Engine {
public:
    explicit ReferenceEngine(const ir::Graph& graph) : graph_(graph) {}
    std::vector<ir::Tensor> run(const std::vector<ir::Tensor>& inputs) override {
        std::vector<ir::Tensor> out;
        for (ir::TensorF64& t : ir::interpret(graph_, inputs))
            out.push_back({t.dims, std::vector<float>(t.data.begin(), t.data.end())});
        return out;
    }

private:
    const ir::Graph& graph_;
};

class JitEngine : public Engine {
public:
    JitEngine(const ir::Graph& graph, const EngineOptions& options) : model_(graph, jit_options(options)) {}
    std::vector<ir::Tensor> run(const std::vector<ir::Tensor>& inputs) override { return model_.run(inputs); }
    void set_inputs(const std::vector<ir::Tensor>& inputs) override { model_.set_inputs(inputs); }
    void run_prepared() override { model_.run_in_place(); }
    std::vector<ir::Tensor> outputs() override { return model_.outputs(); }
    double compile_ms() const override { return model_.compile_ms(); }
    int threads() const override { return model_.threads(); }
    std::vector<LayerTime> layer_times() override {
        std::vector<LayerTime> out;
        for (const codegen::ProfileEntry& e : model_.take_profile()) out.push_back({e.node, e.ms_per_run, e.share});
        return out;
    }

private:
    static codegen::JitOptions jit_options(const EngineOptions& options) {
        codegen::JitOptions o;
        o.threads = options.threads;
        o.scheduler = codegen::parse_scheduler(options.schedule);
        o.profile = options.profile;
        o.target = options.target;
        return o;
    }
    codegen::JitModel model_;
};

// The emitted package, built with the system compiler and loaded (see codegen/source_model.h).
class SourceEngine : public Engine {
public:
    SourceEngine(const ir::Graph& graph, const EngineOptions& options) : model_(graph, source_options(options)) {}
    std::vector<ir::Tensor> run(const std::vector<ir::Tensor>& inputs) override { return model_.run(inputs); }
    void set_inputs(const std::vector<ir::Tensor>& inputs) override { model_.set_inputs(inputs); }
    void run_prepared() override { model_.run_in_place(); }
    std::vector<ir::Tensor> outputs() override { return model_.outputs(); }
    double compile_ms() const override { return model_.compile_ms(); }
    int threads() const override { return model_.threads(); }
    std::vector<LayerTime> layer_times() override {
        std::vector<LayerTime> out;
        for (const codegen::ProfileEntry& e : model_.take_profile()) out.push_back({e.node, e.ms_per_run, e.share});
        return out;
    }

private:
    static codegen::SourceOptions source_options(const EngineOptions& options) {
        if (options.schedule != "manual") user_error("the source engine uses the manual schedules only");
        codegen::SourceOptions o;
        o.threads = options.threads;
        o.profile = options.profile;
        o.target = options.target;
        return o;
    }
    codegen::SourceModel model_;
};

struct EngineEntry {
    const char* name;
    std::unique_ptr<Engine> (*make)(const ir::Graph&, const EngineOptions&);
};

const EngineEntry kEngines[] = {
    {"reference", [](const ir::Graph& g, const EngineOptions&) -> std::unique_ptr<Engine> {
         return std::make_unique<ReferenceEngine>(g);
     }},
    {"jit", [](const ir::Graph& g, const EngineOptions& o) -> std::unique_ptr<Engine> {
         return std::make_unique<JitEngine>(g, o);
     }},
    {"source", [](const ir::Graph& g, const EngineOptions& o) -> std::unique_ptr<Engine> {
         return std::make_unique<SourceEngine>(g, o);
     }},
};

}  // namespace

std::string engine_names() {
    std::string out;
    for (const EngineEntry& e : kEngines) out += (out.empty() ? "" : ", ") + std::string(e.name);
    return out;
}

std::unique_ptr<Engine> make_engine(const std::string& name, const ir::Graph& graph, const EngineOptions& options) {
    for (const EngineEntry& e : kEngines)
        if (name == e.name) return e.make(graph, options);
    user_error("unknown engine '{}' (choose from {})", name, engine_names());
}

}  // namespace sqz::cli
