// Status messages (see status.h).
#include "status.h"

namespace SQZ_PACKAGE::runtime {
namespace {

// Indexed by Status.
constexpr const char* kMessages[] = {
    "ok",
    "invalid argument (null pointer, or memory too small or misaligned)",
    "out of memory",
    "this CPU lacks an instruction set the package was compiled for",
    "the weights file is missing, truncated or not this model's, or the stored weights are corrupt",
    "a kernel failed",
};
static_assert(sizeof(kMessages) / sizeof(kMessages[0]) == static_cast<int>(Status::Count),
              "one message per Status, in enum order");

}  // namespace

const char* status_string(int status) {
    if (status < 0 || status >= static_cast<int>(Status::Count)) return "unknown status";
    return kMessages[status];
}

}  // namespace SQZ_PACKAGE::runtime
