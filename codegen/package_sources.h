// The generated sources of a package: only what is model-specific. The fixed code (model set-up
// and run, the C API, weights file, weight expansion, self-test, thread pool, arena, Halide
// runtime functions) is sqzc's runtime/, copied into the package; these functions write the data
// it runs and the documents around it:
//
//   NAME.h                  the public header: tensors, sizes, preprocessing, the API's names
//                           (package_header.cpp)
//   NAME.cpp                the model description: buffer table, kernel list with a call wrapper
//                           per kernel, stored-tensor table, CPU features (package_description.cpp)
//   NAME_kernels.h          the kernels' declarations (package_description.cpp)
//   NAME_package_name.h     the package's name, from which the runtime's names derive
//   NAME_halide_runtime.h   Halide's runtime declarations, as emitted with the kernels
//   NAME_selftest*.cpp      the self-test's main and its stored input and output (package_selftest.cpp)
//   CMakeLists.txt, README  (package_docs.cpp)
#pragma once

#include "codegen/lowering.h"
#include "codegen/package.h"
#include "codegen/package_kernels.h"
#include "codegen/package_weights.h"
#include "ir/graph.h"
#include "ir/host_tensor.h"

#include <fmt/format.h>

#include <string>
#include <utility>
#include <vector>

namespace sqz::codegen {

struct PackageModel {
    const ir::Graph& graph;
    const LoweredModel& model;
    const PackageOptions& options;
    const std::vector<EmittedKernel>& kernels;
    const WeightBlob& weights;
    std::vector<ir::Tensor> selftest_inputs{};    // one per graph input
    std::vector<ir::Tensor> selftest_outputs{};   // expected (reference interpreter), one per output
};

std::string package_header(const PackageModel& p);
std::string package_description_source(const PackageModel& p);
std::string package_kernels_header(const PackageModel& p);
std::string package_name_header(const PackageModel& p);
std::string package_halide_runtime_header(const PackageModel& p);
std::string package_selftest_source(const PackageModel& p);
std::string package_selftest_data(const PackageModel& p);
std::string package_cmake(const PackageModel& p, const std::vector<std::string>& library_sources,
                          const std::vector<std::string>& selftest_sources);
std::string package_readme(const PackageModel& p);

// The runtime's files for package `prefix`: (file name, contents), each named <prefix>_<file>
// and its includes of runtime files renamed to match. Leaves out the two files a package gets
// its own version of (package_name.h and halide_runtime.h, written by the functions above).
std::vector<std::pair<std::string, std::string>> package_runtime_files(const std::string& prefix);

// `#include "file.h"` becomes `#include "<prefix>_file.h"`, for every quoted include of a file name
// of lowercase letters, digits and underscores (the runtime's own headers); nothing else changes.
std::string prefix_includes(const std::string& text, const std::string& prefix);

// Text helpers for the generators.
std::string upper(std::string s);
std::string c_escape(const std::string& text);   // a C string literal's contents
std::string comment_text(const std::string& text);  // one line of printable ASCII, for a // comment
std::string exact(double v);                      // shortest decimal that reads back exactly
// A C++ initializer list: "{a, b, c}".
template <typename T>
std::string braced(const std::vector<T>& items) {
    return "{" + fmt::format("{}", fmt::join(items, ", ")) + "}";
}

}  // namespace sqz::codegen
