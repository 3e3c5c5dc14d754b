// One interface for every way sqzc runs a graph: the Halide JIT (jit_model.h), the emitted package
// built and loaded (package_engine.h), and the float64 reference interpreter (reference_engine.h).
// `sqzc run`, `sqzc bench`, the benchmark server and the tests drive them all the same way; one
// table maps engine names to them (make_engine).
#pragma once

#include "codegen/optimize.h"
#include "ir/graph.h"
#include "ir/host_tensor.h"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sqz::codegen {

// Time spent in one kernel (a node, or a fused group "a + b + ...") per run, from a profiling engine.
struct LayerTime {
    std::string node;
    double ms_per_run = 0;
    double share = 0;  // of the sum over kernels
};

class Engine {
public:
    virtual ~Engine() = default;

    // One float32 NCHW tensor per graph input; returns one per graph output.
    std::vector<ir::Tensor> run(const std::vector<ir::Tensor>& inputs) {
        set_inputs(inputs);
        run_in_place();
        return outputs();
    }
    // For timing loops: set inputs once, run in place many times, then read the outputs. Throws
    // sqz::Error when the inputs do not fit the graph.
    virtual void set_inputs(const std::vector<ir::Tensor>& inputs) = 0;
    virtual void run_in_place() = 0;
    virtual std::vector<ir::Tensor> outputs() const = 0;

    // How long making the engine took (lowering, compiling, building), in milliseconds.
    virtual double compile_ms() const = 0;
    // The threads a run uses.
    virtual int threads() const = 0;
    // Per-kernel times since the last take (empty unless the engine was made to profile); resets them.
    virtual std::vector<LayerTime> take_profile() = 0;
};

// What every engine can be asked for by name (engines ignore what does not apply to them).
struct EngineOptions {
    int threads = 0;                  // 0: the machine's core count
    std::string schedule = "manual";  // jit: manual, adams2019, mullapudi2016 or li2018; source: manual
    bool profile = false;             // jit, source: time every kernel
    std::string target;               // jit, source: Halide target string (default: the host)
    Optimize optimize = Optimize::Speed;  // jit, source: the schedules (optimize.h)
};

// The engine called `name` ("reference", "jit", "source") for `graph`. Throws sqz::Error for an
// unknown name or options the engine cannot honour.
std::unique_ptr<Engine> make_engine(std::string_view name, const ir::Graph& graph, const EngineOptions& options);
// "reference, jit, source", for help texts.
std::string engine_names();

}  // namespace sqz::codegen
