// Entry point of the sqzc command: dispatches to a subcommand and turns errors into one clear
// line on stderr and a non-zero exit code.
#include "compiler/cli/command.h"
#include "ir/error.h"

#include <fmt/format.h>

#include <cstdio>
#include <exception>
#include <string>

namespace sqz::cli {

const std::vector<Command>& commands() {
    static const std::vector<Command> table = {
        {"info", "show a model's layers, parameters and MACs", info_command},
        {"compile", "write a standalone C++ package for a model", compile_command},
        {"run", "run a model on an input tensor or image", run_command},
        {"bench", "compile a model and time it; check it against the reference", bench_command},
        {"export", "write a model as ONNX", export_command},
        {"graph", "draw a model as a Graphviz picture (.dot, .svg, .png)", graph_command},
    };
    return table;
}

}  // namespace sqz::cli

namespace {

void print_usage() {
    fmt::print("usage: sqzc COMMAND [options]\n\ncommands:\n");
    for (const auto& c : sqz::cli::commands()) fmt::print("  {:<10} {}\n", c.name, c.summary);
    fmt::print("\nrun 'sqzc COMMAND --help' for a command's options\n");
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
        print_usage();
        return argc < 2 ? 2 : 0;
    }
    const std::string name = argv[1];
    sqz::cli::Args args(argv + 2, argv + argc);
    for (const auto& command : sqz::cli::commands()) {
        if (name != command.name) continue;
        try {
            return command.run(args);
        } catch (const sqz::Error& e) {
            fmt::print(stderr, "sqzc {}: error: {}\n", name, e.what());
        } catch (const sqz::InternalError& e) {
            fmt::print(stderr, "sqzc {}: {}\nplease report this bug\n", name, e.what());
        } catch (const std::bad_alloc&) {
            fmt::print(stderr, "sqzc {}: error: out of memory\n", name);
        } catch (const std::exception& e) {
            fmt::print(stderr, "sqzc {}: error: {}\n", name, e.what());
        }
        return 1;
    }
    fmt::print(stderr, "sqzc: unknown command '{}'\n", name);
    print_usage();
    return 2;
}
