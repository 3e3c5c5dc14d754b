// The JIT engine: lowers a graph, compiles its kernels with Halide's JIT (LLVM) for the host, and
// runs them with sqzc's own thread pool behind Halide's parallel loops, so the thread count is
// exact. All tensor memory is allocated once, when the model is made.
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
    int threads = 0;           // 0: every core of the machine
    bool profile = false;      // time every kernel on every run
    std::string target;        // Halide target string; empty: the host
    bool c_source_forms = false;  // lower as for packages (LoweringOptions::c_source), to test
                                  // the package-only algorithms (int8 forms) through the JIT

};

// Time of one kernel per run, averaged since the last take.
struct ProfileEntry {
    std::string node;          // the kernel's nodes, "a + b + ..."
    double ms_per_run = 0;
    double share = 0;          // of the sum over kernels
};

class JitModel {
public:
    JitModel(const ir::Graph& graph, const JitOptions& options);
    ~JitModel();

    // One tensor per graph input (NCHW float32); returns one per graph output.
    std::vector<ir::Tensor> run(const std::vector<ir::Tensor>& inputs);
    // For timing loops: set inputs once, run in place, read outputs when done.
    void set_inputs(const std::vector<ir::Tensor>& inputs);
    void run_in_place();
    std::vector<ir::Tensor> outputs() const;

    double compile_ms() const { return compile_ms_; }
    int threads() const;
    size_t kernel_count() const;
    int64_t arena_bytes() const;
    std::vector<ProfileEntry> take_profile();

private:
    struct State;
    std::unique_ptr<State> state_;
    double compile_ms_ = 0;
};

}  // namespace sqz::codegen
