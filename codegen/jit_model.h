// The JIT engine: lowers a graph, compiles the pipeline with Halide's JIT (LLVM) for the host, and
// runs it with sqzc's own thread pool behind Halide's parallel loops, so the thread count is exact.
#pragma once

#include "codegen/lowering.h"
#include "ir/graph.h"
#include "ir/host_tensor.h"

#include <memory>
#include <string>
#include <vector>

namespace sqz::codegen {

struct JitOptions {
    Scheduler scheduler = Scheduler::Manual;
    int threads = 0;          // 0: every core of the machine
    bool profile = false;     // compile with Halide's sampling profiler
};

// Per-Func share of run time from Halide's profiler.
struct ProfileEntry {
    std::string func;
    double ms_per_run = 0;   // average over the profiled runs
    double share = 0;        // of the whole pipeline's time
};

class JitModel {
public:
    JitModel(const ir::Graph& graph, const JitOptions& options);
    ~JitModel();

    // One tensor per graph input (NCHW float32); returns one per graph output.
    std::vector<ir::Tensor> run(const std::vector<ir::Tensor>& inputs);
    // Runs on inputs already set with the last run()'s shapes, writing into internal buffers;
    // returns the outputs of the last call (for timing loops without copies).
    void run_in_place();
    void set_inputs(const std::vector<ir::Tensor>& inputs);
    std::vector<ir::Tensor> outputs() const;

    double compile_ms() const { return compile_ms_; }
    int threads() const;
    // Halide's profiler report since the last call (only with JitOptions::profile).
    std::vector<ProfileEntry> take_profile();

private:
    struct State;
    std::unique_ptr<State> state_;
    double compile_ms_ = 0;
};

}  // namespace sqz::codegen
