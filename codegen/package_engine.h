// The emitted-source engine: writes a model's package (package.h), builds it with the system C++
// compiler into a shared library, loads it, and runs it through the package's own C API. It
// measures exactly what users of `sqzc compile` get.
#pragma once

#include "codegen/engine.h"
#include "codegen/optimize.h"
#include "ir/graph.h"
#include "ir/host_tensor.h"

#include <memory>
#include <string>
#include <vector>

namespace sqz::codegen {

struct SourceOptions {
    int threads = 0;                    // 0: every core
    std::string target;                 // Halide target; empty: the host (must run here)
    std::string compiler = "c++";       // the C++ compiler command
    std::string flags = "-O2";          // what a user would pass; kernels raise themselves to -O3
    bool profile = false;               // time every kernel on every run
    bool keep_build = false;            // leave the build folder ($TMPDIR/sqzsrc<pid>_<n>) for inspection
    Optimize optimize = Optimize::Speed;  // the package's schedules (optimize.h)
};

// Emits `graph` as a package into a temporary folder, builds it and loads it. Throws sqz::Error if
// the build fails. Its profile comes from the package's own profiler.
std::unique_ptr<Engine> make_source_engine(const ir::Graph& graph, const SourceOptions& options);

}  // namespace sqz::codegen
