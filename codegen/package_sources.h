// The hand-facing sources of a package, generated from the model plan: the public header (C and
// C++ API, shapes, buffer sizes, preprocessing), the model implementation (memory, buffers, the
// kernel sequence), the kernels' declarations, the self-test, a CMakeLists.txt and a README.
#pragma once

#include "codegen/lowering.h"
#include "codegen/package.h"
#include "codegen/package_kernels.h"
#include "codegen/package_weights.h"
#include "ir/graph.h"
#include "ir/host_tensor.h"

#include <string>
#include <vector>

namespace sqz::codegen {

struct PackageModel {
    const ir::Graph& graph;
    const LoweredModel& model;
    const PackageOptions& options;
    const std::vector<EmittedKernel>& kernels;
    const WeightBlob& weights;
    int64_t scratch_bytes = 0;                  // arena space for allocations inside kernels
    std::vector<ir::Tensor> selftest_inputs;    // one per graph input
    std::vector<ir::Tensor> selftest_outputs;   // expected (reference interpreter), one per output
};

std::string package_header(const PackageModel& p);
std::string package_model_source(const PackageModel& p);
std::string package_kernels_header(const PackageModel& p);
std::string package_selftest_source(const PackageModel& p);
std::string package_selftest_data(const PackageModel& p);
std::string package_cmake(const PackageModel& p, const std::vector<std::string>& library_sources);
std::string package_readme(const PackageModel& p);

// The runtime's files for this package: (file name, contents), renamed into the package's namespace.
std::vector<std::pair<std::string, std::string>> package_runtime_files(const std::string& prefix);

}  // namespace sqz::codegen
