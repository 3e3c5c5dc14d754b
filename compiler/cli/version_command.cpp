// `sqzc version` (and `sqzc --version`): sqzc's version, the Halide and LLVM it was built with, and
// the Halide target of this machine, which `--target host` and packages for `host` compile for.
#include "compiler/cli/command.h"
#include "ir/error.h"

#include <Halide.h>
#include <fmt/format.h>

namespace sqz::cli {

int version_command(const Args& args) {
    if (!args.empty() && args[0] != "--help" && args[0] != "-h")
        user_error("sqzc version takes no arguments, got '{}'", args[0]);
    if (!args.empty()) {
        fmt::print("usage: sqzc version\n\nprints the version of sqzc, Halide and LLVM, and this machine's Halide target\n");
        return 0;
    }
    fmt::print("sqzc {}\n", SQZ_VERSION);
    fmt::print("Halide {} (LLVM {})\n", SQZ_HALIDE_VERSION, SQZ_LLVM_VERSION);
    fmt::print("host target: {}\n", Halide::get_host_target().to_string());
    return 0;
}

}  // namespace sqz::cli
