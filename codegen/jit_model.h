// The JIT engine: lowers a graph, compiles its kernels with Halide's JIT (LLVM) for the host, and
// runs them with sqzc's own thread pool behind Halide's parallel loops, so the thread count is
// exact. All tensor memory is allocated once, when the model is made. Its profile has one entry per
// kernel, averaged since the last take.
#pragma once

#include "codegen/engine.h"
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
    Optimize optimize = Optimize::Speed;  // the schedules (optimize.h)
};

// Lowers `graph` and compiles its kernels for the host (or options.target, which must run here).
// Throws sqz::Error for what codegen cannot lower; Halide rejecting sqzc's own pipelines, at
// compile or run time, is an internal error.
std::unique_ptr<Engine> make_jit_engine(const ir::Graph& graph, const JitOptions& options);

}  // namespace sqz::codegen
