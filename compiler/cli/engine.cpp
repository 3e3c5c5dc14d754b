// The engine table (see engine.h).
#include "compiler/cli/engine.h"

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

struct EngineEntry {
    const char* name;
    std::unique_ptr<Engine> (*make)(const ir::Graph&, const EngineOptions&);
};

const EngineEntry kEngines[] = {
    {"reference", [](const ir::Graph& g, const EngineOptions&) -> std::unique_ptr<Engine> {
         return std::make_unique<ReferenceEngine>(g);
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
