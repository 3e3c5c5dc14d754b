// The Halide runtime functions that kernels emitted by Halide's C++ backend (with no_runtime,
// no_asserts, no_bounds_query and user_context) call: parallel loops go to the instance's thread
// pool, allocations to its arena, errors into its context. Nothing here touches the heap.
//
// halide_names.h gives every function the package's prefix (in sqzc's own build: sqz_, so they
// never shadow Halide's own runtime); the definitions are checked against Halide's declarations.
#include "halide_names.h"
#include "halide_runtime.h"
#include "kernel_context.h"

#include <cstdint>

using SQZ_PACKAGE::runtime::KernelContext;

extern "C" {

int halide_do_par_for(void* user_context, halide_task_t task, int min, int extent, uint8_t* closure) {
    auto* ctx = static_cast<KernelContext*>(user_context);
    return ctx->pool->parallel_for(task, user_context, min, extent, closure);
}

void* halide_malloc(void* user_context, size_t bytes) {
    auto* ctx = static_cast<KernelContext*>(user_context);
    return ctx->scratch ? ctx->scratch->allocate(bytes) : nullptr;
}

void halide_free(void* user_context, void* p) {
    auto* ctx = static_cast<KernelContext*>(user_context);
    if (p && ctx->scratch) ctx->scratch->free(p);
}

void halide_error(void* user_context, const char* message) {
    auto* ctx = static_cast<KernelContext*>(user_context);
    if (ctx) ctx->error = 1;
    (void)message;  // callers see the status code; kernels built with no_asserts rarely get here
}

void halide_print(void*, const char*) {}

int halide_error_out_of_memory(void* user_context) {
    halide_error(user_context, "out of memory");
    return -1;
}

int halide_error_buffer_allocation_too_large(void* user_context, const char*, uint64_t, uint64_t) {
    halide_error(user_context, "buffer allocation too large");
    return -1;
}

int64_t halide_current_time_ns(void*) { return 0; }

void halide_profiler_pipeline_end(void*, void*) {}

}  // extern "C"
