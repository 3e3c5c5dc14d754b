// How sqzc's tools end on a failure, by who is to blame (ir/error.h): a user error (sqz::Error: a
// bad file, a bad flag) is one line and exit code 1; anything else that escapes (an internal error
// from SQZ_ASSERT, a Halide failure on our own pipelines, any other exception) is a bug in sqzc,
// reported as one and with what to put in a bug report: the command line, the version, the
// message. Bugs exit with their own code, so that scripts and tests tell them apart.
#pragma once

#include <exception>
#include <string>
#include <string_view>
#include <vector>

namespace sqz::compiler {

inline constexpr int kExitUserError = 1;  // bad input; also running out of memory
inline constexpr int kExitUsage = 2;      // no command, or an unknown one
inline constexpr int kExitBug = 70;       // a bug in sqzc (EX_SOFTWARE in BSD's sysexits.h)

// sqzc's version, as the project declares it (CMakeLists.txt).
std::string_view sqzc_version();

struct FailureReport {
    int exit_code = kExitBug;
    std::string text;  // for stderr; ends in a newline
};

// Describes `failure`, an exception caught by a tool's main (std::current_exception()). `tool` names
// the tool in the first line ("sqzc run"); `command_line` is argv, which a bug report repeats
// (shell-quoted where needed).
FailureReport describe_failure(std::exception_ptr failure, std::string_view tool,
                               const std::vector<std::string>& command_line);

}  // namespace sqz::compiler
