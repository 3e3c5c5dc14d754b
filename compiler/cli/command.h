// The sqzc subcommands: each is a function from its arguments to an exit code, listed in one
// table (main.cpp). Shared option handling for "which model" lives in model_options.h.
#pragma once

#include <string>
#include <vector>

namespace sqz::cli {

using Args = std::vector<std::string>;

struct Command {
    const char* name;
    const char* summary;
    int (*run)(const Args& args);
};

int info_command(const Args& args);
int run_command(const Args& args);
int bench_command(const Args& args);
int export_command(const Args& args);
int compile_command(const Args& args);
int graph_command(const Args& args);
int version_command(const Args& args);

// All commands, in the order `sqzc --help` lists them.
const std::vector<Command>& commands();

}  // namespace sqz::cli
