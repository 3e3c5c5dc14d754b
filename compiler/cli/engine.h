// Execution engines behind `sqzc run` and `sqzc bench`: the float64 reference interpreter, and
// (from codegen/) the Halide JIT. One table maps names to engines.
#pragma once

#include "ir/graph.h"
#include "ir/host_tensor.h"

#include <memory>
#include <string>
#include <vector>

namespace sqz::cli {

struct EngineOptions {
    int threads = 0;                  // 0: the machine's core count
    std::string schedule = "manual";  // JIT: manual, adams2019, mullapudi2016 or li2018
    bool profile = false;             // JIT: time every kernel
    std::string target;               // JIT: Halide target string (default: the host)
};

// Time spent in one node (or fused group) of the graph, from a profiled engine.
struct LayerTime {
    std::string node;
    double ms = 0;       // per run
    double share = 0;    // of the total
};

class Engine {
public:
    virtual ~Engine() = default;
    // Runs the graph on one tensor per graph input; returns one float32 tensor per output.
    virtual std::vector<ir::Tensor> run(const std::vector<ir::Tensor>& inputs) = 0;
    // For timing loops: set inputs once, run many times, then read outputs.
    virtual void set_inputs(const std::vector<ir::Tensor>& inputs) { inputs_ = inputs; }
    virtual void run_prepared() { outputs_ = run(inputs_); }
    virtual std::vector<ir::Tensor> outputs() { return outputs_; }
    // Per-node times accumulated since the engine was made (profiling engines only).
    virtual std::vector<LayerTime> layer_times() { return {}; }
    virtual double compile_ms() const { return 0; }
    virtual int threads() const { return 1; }

private:
    std::vector<ir::Tensor> inputs_;
    std::vector<ir::Tensor> outputs_;
};

std::unique_ptr<Engine> make_engine(const std::string& name, const ir::Graph& graph, const EngineOptions& options);
// "reference, jit, ..." for help texts.
std::string engine_names();

}  // namespace sqz::cli
