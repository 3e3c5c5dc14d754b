// Entry point of the sqzc command: dispatches to a subcommand; a failure ends it as
// compiler/error_report.h says: a user error as one clear line (exit 1), a bug in sqzc as one,
// with what to report (exit 70).
#include "compiler/cli/command.h"
#include "compiler/error_report.h"

#include <fmt/format.h>

#include <cstdio>
#include <exception>
#include <string>
#include <vector>

namespace sqz::cli {

const std::vector<Command>& commands() {
    static const std::vector<Command> table = {
        {"info", "show a model's layers, parameters and MACs", info_command},
        {"compile", "write a standalone C++ package for a model", compile_command},
        {"run", "run a model on an input tensor or image", run_command},
        {"bench", "compile a model and time it; check it against the reference", bench_command},
        {"export", "write a model as ONNX", export_command},
        {"graph", "draw a model as a Graphviz picture (.dot, .svg, .png)", graph_command},
        {"version", "print the versions of sqzc, Halide and LLVM, and the host target", version_command},
    };
    return table;
}

}  // namespace sqz::cli

namespace {

void print_usage() {
    fmt::print("usage: sqzc COMMAND [options]\n\ncommands:\n");
    for (const auto& c : sqz::cli::commands()) fmt::print("  {:<10} {}\n", c.name, c.summary);
    fmt::print("\nrun 'sqzc COMMAND --help' for a command's options, 'sqzc --version' for the versions\n");
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
        print_usage();
        return argc < 2 ? sqz::compiler::kExitUsage : 0;
    }
    const std::string name = std::string(argv[1]) == "--version" ? "version" : argv[1];
    sqz::cli::Args args(argv + 2, argv + argc);
    for (const auto& command : sqz::cli::commands()) {
        if (name != command.name) continue;
        try {
            return command.run(args);
        } catch (...) {
            const sqz::compiler::FailureReport report = sqz::compiler::describe_failure(
                std::current_exception(), "sqzc " + name, std::vector<std::string>(argv, argv + argc));
            fmt::print(stderr, "{}", report.text);
            return report.exit_code;
        }
    }
    fmt::print(stderr, "sqzc: unknown command '{}'\n", name);
    print_usage();
    return sqz::compiler::kExitUsage;
}
