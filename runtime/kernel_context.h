// What generated kernels receive as Halide's user_context: the model instance's thread pool and
// the arena serving any allocation a kernel makes. The Halide runtime functions that generated
// code calls (halide_glue.cpp) find both through it.
#pragma once

#include "arena.h"
#include "prefix.h"
#include "thread_pool.h"

namespace SQZ_PACKAGE::runtime {

struct KernelContext {
    ThreadPool* pool = nullptr;
    Arena* scratch = nullptr;
    int error = 0;  // set by halide_error; a kernel that reports an error also returns non-zero
};

}  // namespace SQZ_PACKAGE::runtime
