// The engine table (see engine.h): each name with the function that makes its engine from the
// generic options.
#include "codegen/engine.h"

#include "codegen/jit_model.h"
#include "codegen/reference_engine.h"
#include "codegen/package_engine.h"
#include "ir/error.h"

namespace sqz::codegen {
namespace {

std::unique_ptr<Engine> make_reference(const ir::Graph& graph, const EngineOptions&) {
    return make_reference_engine(graph);
}

std::unique_ptr<Engine> make_jit(const ir::Graph& graph, const EngineOptions& options) {
    JitOptions o;
    o.threads = options.threads;
    o.scheduler = parse_scheduler(options.schedule);
    o.profile = options.profile;
    o.target = options.target;
    o.optimize = options.optimize;
    return make_jit_engine(graph, o);
}

std::unique_ptr<Engine> make_source(const ir::Graph& graph, const EngineOptions& options) {
    if (options.schedule != "manual") user_error("the source engine uses the manual schedules only");
    SourceOptions o;
    o.threads = options.threads;
    o.profile = options.profile;
    o.target = options.target;
    o.optimize = options.optimize;
    return make_source_engine(graph, o);
}

struct EngineEntry {
    std::string_view name;
    std::unique_ptr<Engine> (*make)(const ir::Graph&, const EngineOptions&);
};

constexpr EngineEntry kEngines[] = {
    {"reference", make_reference},
    {"jit", make_jit},
    {"source", make_source},
};

}  // namespace

std::string engine_names() {
    std::string out;
    for (const EngineEntry& e : kEngines) out += (out.empty() ? "" : ", ") + std::string(e.name);
    return out;
}

std::unique_ptr<Engine> make_engine(std::string_view name, const ir::Graph& graph, const EngineOptions& options) {
    for (const EngineEntry& e : kEngines)
        if (name == e.name) return e.make(graph, options);
    user_error("unknown engine '{}' (choose from {})", name, engine_names());
}

}  // namespace sqz::codegen
