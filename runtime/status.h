// What a package's functions report: success or why not. The values are the status codes of the
// public C API (model_api.h: <NAME>_OK, <NAME>_ERROR_ARGUMENT, ...); c_api.cpp checks at compile
// time that the two agree.
#pragma once

#include "prefix.h"

namespace SQZ_PACKAGE::runtime {

enum class Status {
    Ok = 0,
    Argument = 1,     // a null pointer, or memory too small or misaligned
    OutOfMemory = 2,
    Cpu = 3,          // this CPU lacks an instruction set the package was compiled for
    Weights = 4,      // the weights file is missing, truncated or not this model's, or corrupt
    Kernel = 5,       // a kernel failed
    Count,
};

// One line saying what the status means; "unknown status" for a value outside the enum.
const char* status_string(int status);

}  // namespace SQZ_PACKAGE::runtime
