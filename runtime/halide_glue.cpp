// The Halide runtime functions that kernels emitted by Halide's C++ backend (with no_runtime,
// no_asserts, no_bounds_query and user_context) call: parallel loops go to the instance's thread
// pool, allocations to its arena, errors into its context. Nothing here touches the heap.
//
// In a generated package every name is prefixed with the model's name (SQZ_HALIDE_PREFIX), and
// the kernels' calls are renamed to match, so several models link into one program. In this
// repository the prefix is sqz_test_, so the functions never shadow Halide's own runtime.
#include "kernel_context.h"

#include <cstdint>
#include <cstdio>

#ifndef SQZ_HALIDE_PREFIX
#define SQZ_HALIDE_PREFIX sqz_test_
#endif
#define SQZ_CONCAT_(a, b) a##b
#define SQZ_CONCAT(a, b) SQZ_CONCAT_(a, b)
#define SQZ_HALIDE(name) SQZ_CONCAT(SQZ_HALIDE_PREFIX, name)

using sqz::runtime::KernelContext;

extern "C" {

int SQZ_HALIDE(halide_do_par_for)(void* user_context, int (*task)(void*, int, uint8_t*), int min, int extent,
                                  uint8_t* closure) {
    auto* ctx = static_cast<KernelContext*>(user_context);
    return ctx->pool->parallel_for(task, user_context, min, extent, closure);
}

void* SQZ_HALIDE(halide_malloc)(void* user_context, size_t bytes) {
    auto* ctx = static_cast<KernelContext*>(user_context);
    return ctx->scratch ? ctx->scratch->allocate(bytes) : nullptr;
}

void SQZ_HALIDE(halide_free)(void* user_context, void* p) {
    auto* ctx = static_cast<KernelContext*>(user_context);
    if (p && ctx->scratch) ctx->scratch->free(p);
}

void SQZ_HALIDE(halide_error)(void* user_context, const char* message) {
    auto* ctx = static_cast<KernelContext*>(user_context);
    if (ctx) ctx->error = 1;
    (void)message;  // callers see the status code; kernels built with no_asserts rarely get here
}

void SQZ_HALIDE(halide_print)(void*, const char*) {}

int SQZ_HALIDE(halide_error_out_of_memory)(void* user_context) {
    SQZ_HALIDE(halide_error)(user_context, "out of memory");
    return -1;
}

int SQZ_HALIDE(halide_error_buffer_allocation_too_large)(void* user_context, const char*, uint64_t, uint64_t) {
    SQZ_HALIDE(halide_error)(user_context, "buffer allocation too large");
    return -1;
}

int64_t SQZ_HALIDE(halide_current_time_ns)(void*) { return 0; }

void SQZ_HALIDE(halide_profiler_pipeline_end)(void*, void*) {}

}  // extern "C"
