// Running shell commands: one command with its output captured, its exit code or the signal that
// ended it, and an optional time limit; or a list of commands on a few threads. Used to build
// emitted packages (codegen/package_engine.cpp, compiler/cli/package_library.cpp) and by the tests.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace sqz {

struct ShellOptions {
    double timeout_seconds = 0;  // > 0: kill the command, and everything it started, after this long
    bool merge_output = false;   // stderr into `out`, interleaved as written (as 2>&1); `err` stays empty
};

struct ShellResult {
    int exit_code = -1;          // -1: killed by a signal (or not started)
    int signal = 0;              // the signal that ended it, 0 if it exited
    bool timed_out = false;      // killed because the time limit passed
    std::string out;             // everything it wrote to stdout
    std::string err;             // and to stderr
    bool ok() const { return exit_code == 0; }
};

// Runs `command` with /bin/sh -c, stdin from /dev/null, and waits for it. An exit status of
// 128 + N, the shell's report of a command killed by signal N, counts as killed by N. With a time
// limit the command runs in a process group of its own, which is killed as a whole (a pipeline,
// `a && b`, and their children). Throws sqz::Error if the shell cannot be started.
ShellResult run_shell(const std::string& command, const ShellOptions& options = {});

// Runs every command, up to `jobs` at a time (see parallel.h), and returns their results in order.
std::vector<ShellResult> run_shell_all(const std::vector<std::string>& commands, int jobs,
                                       const ShellOptions& options = {});

// Runs every command as run_shell_all does, with stderr merged into stdout, and throws sqz::Error
// "WHAT failed: COMMAND\nOUTPUT" for the first one (in list order) that fails, with the first
// kFailureOutputBytes of its output.
inline constexpr size_t kFailureOutputBytes = 4096;
void run_shell_all_or_throw(const std::vector<std::string>& commands, int jobs, std::string_view what);

// `text` single-quoted for the shell: one word, whatever it holds.
std::string shell_quote(std::string_view text);

}  // namespace sqz
