// The emitted-source engine: writes a model's package (package.h), builds it with the system C++
// compiler into a shared library, loads it, and runs it through the package's own C API. It
// measures exactly what users of `sqzc compile` get.
#pragma once

#include "codegen/jit_model.h"
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
    bool keep_build = false;            // leave the build folder (for inspection)
};

class SourceModel {
public:
    SourceModel(const ir::Graph& graph, const SourceOptions& options);
    ~SourceModel();

    std::vector<ir::Tensor> run(const std::vector<ir::Tensor>& inputs);
    void set_inputs(const std::vector<ir::Tensor>& inputs);
    void run_in_place();
    std::vector<ir::Tensor> outputs() const;

    double compile_ms() const { return compile_ms_; }
    int threads() const;
    std::vector<ProfileEntry> take_profile();
    const std::string& build_dir() const;

private:
    struct State;
    std::unique_ptr<State> state_;
    double compile_ms_ = 0;
};

}  // namespace sqz::codegen
