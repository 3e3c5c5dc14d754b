// Formatting of internal errors (see error.h and lookup.h).
#include "ir/error.h"
#include "ir/lookup.h"

namespace sqz::detail {

void internal_failure(const char* file, int line, const char* condition, const std::string& message) {
    if (!condition) throw InternalError(fmt::format("internal error at {}:{}: {}", file, line, message));
    throw InternalError(fmt::format("internal error at {}:{}: {} ({})", file, line, message, condition));
}

void lookup_failure(const char* file, int line, std::string_view what, const std::string& key) {
    internal_failure(file, line, nullptr, fmt::format("no {} {}", what, key));
}

}  // namespace sqz::detail
