// Formatting of internal errors (see error.h).
#include "ir/error.h"

namespace sqz::detail {

void internal_failure(const char* file, int line, const char* condition, const std::string& message) {
    throw InternalError(fmt::format("internal error at {}:{}: {} ({})", file, line, message, condition));
}

}  // namespace sqz::detail
