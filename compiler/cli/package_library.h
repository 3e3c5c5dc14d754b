// Compressed weight storage for `sqzc compile` and the library-size measurement of
// `sqzc info --size --package-library`: the layer blobs a package stores for a weights format, and
// the size of the stripped shared library a package builds into (code, runtime and weights).
#pragma once

#include "codegen/package.h"
#include "compiler/compression/weight_coding.h"
#include "compiler/driver.h"
#include "ir/graph.h"

#include <cstdint>
#include <string>
#include <vector>

namespace sqz::cli {

// Throws sqz::Error for a codebook format with --precision int8 (int8 packages store int8 weights).
void check_weights_format(compiler::WeightsFormat format, const compiler::CompileOptions& compile);

// Stores the layer blob of every compressible weight of `graph` in `options` (none for dense) and
// names the format. Throws sqz::Error if a codebook format meets a weight without a codebook form.
void set_weight_blobs(codegen::PackageOptions& options, const ir::Graph& graph, compiler::WeightsFormat format);

// One build of a package into a shared library.
struct LibraryBuild {
    std::string flags;            // how it was built, e.g. "-Os, gc-sections, only the C API exported"
    int64_t library_bytes = 0;    // the stripped shared library
    int64_t weight_bytes = 0;     // the stored weights in it
    int64_t text_bytes = 0;       // its code (.text)
    bool selftest_passed = false; // the package's self-test, linked against this library, passed
    std::string selftest;         // its output line
};

struct LibraryReport {
    std::string package;          // the package name
    std::string weights_format;
    int64_t packed_weight_bytes = 0;  // in memory after set-up
    std::vector<LibraryBuild> builds;
};

// Emits `graph` as a package with embedded weights (options.weight_blobs as set_weight_blobs left
// them) into a temporary folder, builds it with `compiler` into a stripped shared library twice
// (-O2; and the smallest: -Os with -ffunction-sections, no exceptions, unwind tables or RTTI,
// --gc-sections, only the C API exported and, where the linker can, packed relative relocations;
// the kernels keep their own optimisation pragma in both), links the package's self-test against
// each library and runs it, and removes the folder. Throws sqz::Error if a build fails.
LibraryReport measure_package_library(const ir::Graph& graph, codegen::PackageOptions options,
                                      const std::string& compiler = "c++");

std::string format_library_report(const LibraryReport& report);

}  // namespace sqz::cli
