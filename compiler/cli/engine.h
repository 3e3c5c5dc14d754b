// Execution engines behind `sqzc run` and `sqzc bench`: the float64 reference interpreter, and
// (from codegen/) the Halide JIT and the emitted-source engine. One table maps names to engines.
#pragma once

#include "ir/graph.h"
#include "ir/host_tensor.h"

#include <memory>
#include <string>
#include <vector>

namespace sqz::cli {

struct EngineOptions {
    int threads = 0;  // 0: the machine's core count
};

class Engine {
public:
    virtual ~Engine() = default;
    // Runs the graph on one tensor per graph input; returns one float32 tensor per output.
    virtual std::vector<ir::Tensor> run(const std::vector<ir::Tensor>& inputs) = 0;
};

std::unique_ptr<Engine> make_engine(const std::string& name, const ir::Graph& graph, const EngineOptions& options);
// "reference, jit, ..." for help texts.
std::string engine_names();

}  // namespace sqz::cli
