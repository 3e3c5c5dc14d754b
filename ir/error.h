// Two error channels, as in Halide: sqz::Error is the user's fault (a bad file, a bad flag) and
// carries one clear message; SQZ_ASSERT guards our own invariants and reports an internal error
// (sqz::InternalError), as does SQZ_INTERNAL_ERROR where a library fails on what sqzc made (Halide
// on our pipelines). Tools print the two differently (compiler/error_report.h): a user error as one
// line, anything else as a bug in sqzc, with what to report.
#pragma once

#include <fmt/format.h>

#include <stdexcept>
#include <string>
#include <utility>

namespace sqz {

// A problem with the user's input. The message is complete and printable as is.
class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// A broken invariant inside sqzc: a bug, never the user's fault.
class InternalError : public std::logic_error {
public:
    using std::logic_error::logic_error;
};

template <typename... Args>
[[noreturn]] void user_error(fmt::format_string<Args...> format, Args&&... args) {
    throw Error(fmt::format(format, std::forward<Args>(args)...));
}

namespace detail {
// Throws InternalError("internal error at FILE:LINE: MESSAGE (CONDITION)"); no condition: none shown.
[[noreturn]] void internal_failure(const char* file, int line, const char* condition, const std::string& message);
}  // namespace detail

}  // namespace sqz

// Checks an internal invariant; the message arguments are fmt-style.
#define SQZ_ASSERT(condition, ...)                                                              \
    do {                                                                                        \
        if (!(condition))                                                                       \
            ::sqz::detail::internal_failure(__FILE__, __LINE__, #condition, fmt::format(__VA_ARGS__)); \
    } while (0)

// Reports an internal error that no single condition states; the message arguments are fmt-style.
#define SQZ_INTERNAL_ERROR(...) ::sqz::detail::internal_failure(__FILE__, __LINE__, nullptr, fmt::format(__VA_ARGS__))
