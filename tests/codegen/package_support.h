// Helpers for the package tests: write a package into the test's scratch folder and build it
// with a compiler command, the way a user would (every .cpp compiled, then linked).
#pragma once

#include "codegen/lowering.h"
#include "codegen/package.h"
#include "compiler/model_loader.h"
#include "compiler/pass_manager.h"
#include "tests/support.h"

#include <filesystem>
#include <string>

namespace sqz::test {

inline std::filesystem::path write_package(const ir::Graph& graph, const std::string& name,
                                           codegen::WeightsStorage storage = codegen::WeightsStorage::Embedded,
                                           const std::string& target = "host") {
    codegen::PackageOptions o;
    o.name = name;
    o.target = codegen::parse_target(target, codegen::CodeKind::Package);
    o.weights = storage;
    o.force = true;
    o.source_description = "test";
    const auto dir = scratch_dir() / ("pkg_" + name + "_" + std::to_string(std::hash<std::string>()(target) % 1000));
    codegen::emit_package(compiler::optimize(graph), o, dir.string());  // as sqzc compile does
    return dir;
}

// Compiles every .cpp in `dir` (two at a time) with `compiler`, plus `extra` sources, and links
// `exe`. Returns the command result of the whole build.
inline CommandResult build_package(const std::filesystem::path& dir, const std::string& exe,
                                   const std::string& compiler = "c++", const std::string& extra = "",
                                   const std::string& exclude = "") {
    const std::string filter = exclude.empty() ? "" : " | grep -v -- '" + exclude + "'";
    const std::string cmd = "sh -c \"cd '" + dir.string() + "' && ls *.cpp" + filter + " | xargs -P2 -I{} " + compiler +
                            " -std=c++17 -O2 -I. -c {} -o {}.o" + (extra.empty() ? "" : " && " + compiler +
                            " -std=c++17 -O2 -I. -c " + extra + " -o extra.o") + " && " + compiler + " *.o -lpthread -o '" +
                            exe + "'\"";
    return run_shell(cmd, 900);
}

inline compiler::ModelOptions model_at(const std::string& path) {
    compiler::ModelOptions o;
    o.model_path = path;
    return o;
}

}  // namespace sqz::test
