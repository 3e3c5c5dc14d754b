// The Halide runtime functions that kernels from Halide's C++ backend (no_runtime, no_asserts,
// no_bounds_query, user_context) call, renamed with the package's prefix: halide_malloc becomes
// <name>_halide_malloc, and so on. Every kernel source of a package includes this header before
// Halide's declarations, and halide_glue.cpp, which defines the functions, includes it too, so
// each package brings its own runtime and several packages link into one program.
//
// Include it only in those files: it renames Halide's own declarations in whatever follows.
#pragma once

#include "prefix.h"

#define halide_do_par_for SQZ_NAME(halide_do_par_for)
#define halide_malloc SQZ_NAME(halide_malloc)
#define halide_free SQZ_NAME(halide_free)
#define halide_error SQZ_NAME(halide_error)
#define halide_print SQZ_NAME(halide_print)
#define halide_error_out_of_memory SQZ_NAME(halide_error_out_of_memory)
#define halide_error_buffer_allocation_too_large SQZ_NAME(halide_error_buffer_allocation_too_large)
#define halide_current_time_ns SQZ_NAME(halide_current_time_ns)
#define halide_profiler_pipeline_end SQZ_NAME(halide_profiler_pipeline_end)
