// Failure reports of the tools (see error_report.h).
#include "compiler/error_report.h"

#include "ir/error.h"
#include "ir/shell.h"

#include <cxxabi.h>
#include <fmt/format.h>

#include <cstdlib>
#include <memory>
#include <new>
#include <typeinfo>

namespace sqz::compiler {
namespace {

// A word the shell reads as itself, unquoted.
bool plain_word(std::string_view word) {
    if (word.empty()) return false;
    for (char c : word) {
        const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                           std::string_view("-_./=:,+@%").find(c) != std::string_view::npos;
        if (!plain) return false;
    }
    return true;
}

std::string shell_words(const std::vector<std::string>& words) {
    std::string out;
    for (const std::string& w : words) out += (out.empty() ? "" : " ") + (plain_word(w) ? w : shell_quote(w));
    return out;
}

// The exception's type as written in C++ ("std::out_of_range").
std::string type_name(const std::exception& e) {
    const char* mangled = typeid(e).name();
    int status = 0;
    std::unique_ptr<char, void (*)(void*)> name(abi::__cxa_demangle(mangled, nullptr, nullptr, &status), std::free);
    return status == 0 && name ? name.get() : mangled;
}

FailureReport bug(std::string_view tool, const std::vector<std::string>& command_line, const std::string& what) {
    FailureReport r;
    r.exit_code = kExitBug;
    r.text = fmt::format("{}: {}\n"
                         "this is a bug in sqzc, not a problem with your input: please report it with the command "
                         "line, the version and the message above:\n"
                         "  command line: {}\n"
                         "  version:      sqzc {}\n",
                         tool, what, shell_words(command_line), sqzc_version());
    return r;
}

}  // namespace

std::string_view sqzc_version() { return SQZ_VERSION; }

FailureReport describe_failure(std::exception_ptr failure, std::string_view tool,
                               const std::vector<std::string>& command_line) {
    try {
        std::rethrow_exception(failure);
    } catch (const Error& e) {
        return {kExitUserError, fmt::format("{}: error: {}\n", tool, e.what())};
    } catch (const std::bad_alloc&) {
        return {kExitUserError, fmt::format("{}: error: out of memory\n", tool)};
    } catch (const InternalError& e) {
        return bug(tool, command_line, e.what());
    } catch (const std::exception& e) {
        return bug(tool, command_line, fmt::format("internal error: unexpected exception {}: {}", type_name(e), e.what()));
    } catch (...) {
        return bug(tool, command_line, "internal error: an exception of unknown type");
    }
}

}  // namespace sqz::compiler
