// `sqzc compile`: a standalone, dependency-free C++ package for a model. The package holds the
// Halide-generated kernels (C++ backend), sqzc's runtime, the weights, a documented C and C++ API
// in the model's own namespace, a CMakeLists.txt and a self-test; it builds with a bare C++17
// compiler (`c++ -std=c++17 -O2 *.cpp -lpthread` builds the self-test).
#pragma once

#include "codegen/lowering.h"
#include "codegen/target.h"
#include "ir/graph.h"

#include <Halide.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace sqz::codegen {

enum class WeightsStorage { Embedded, File };

struct PackageOptions {
    std::string name;                                  // C identifier; namespace and file prefix
    Halide::Target target = host_target(CodeKind::Package);
    WeightsStorage weights = WeightsStorage::Embedded;
    bool force = false;                                // replace an existing package folder
    std::string source_description;                    // e.g. the model file name, for comments
    // Compressed weight storage: a layer blob (runtime/weight_codec.h) per constant name. The
    // package stores these instead of the packed values of those constants and expands them
    // into the packed layout once, at create. Empty: every weight stored packed (dense).
    std::map<std::string, std::vector<uint8_t>> weight_blobs;
    std::string weights_format = "dense";              // its name, for comments
    Optimize optimize = Optimize::Speed;               // the kernels' schedules (lowering.h)
};

struct PackageSummary {
    std::string dir;
    int kernels = 0;
    int files = 0;
    int64_t arena_bytes = 0;
    int64_t weight_bytes = 0;           // stored (embedded or in the weights file)
    int64_t expanded_weight_bytes = 0;  // packed for the kernels, in memory after create
    int compressed_tensors = 0;         // weights stored as layer blobs
    double selftest_reference_max = 0;  // max |output| of the stored expected output
};

// Writes the package into `dir` atomically: everything is written to a temporary folder beside
// it and renamed into place only on success; an existing `dir` is replaced only with `force`.
PackageSummary emit_package(const ir::Graph& graph, const PackageOptions& options, const std::string& dir);

// The names of the files emit_package writes for `graph` (in the folder, in the order written),
// found by lowering the graph without compiling a kernel: build systems that must list a
// package's sources before it exists ask for them (`sqzc compile --list-files`, sqzc_add_model).
std::vector<std::string> package_file_names(const ir::Graph& graph, const PackageOptions& options);

// The C API's functions of package `name` (runtime/model_api.h), with its prefix: all a library
// built from the package needs to export.
std::vector<std::string> package_api_functions(const std::string& name);

// Checks that `name` can serve as the package's namespace and file prefix.
void check_package_name(const std::string& name);
// A valid package name derived from a graph name ("squeezenet_v1.1" -> "squeezenet_v1_1").
std::string default_package_name(const std::string& graph_name);

}  // namespace sqz::codegen
