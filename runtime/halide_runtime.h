// Halide's runtime declarations (halide_buffer_t, halide_dimension_t, halide_type_t and the
// runtime functions), the ABI between the kernels and the code that calls them. In sqzc's own
// build they come from Halide's installed HalideRuntime.h; sqzc writes each package its own
// version of this file (NAME_halide_runtime.h) holding the declarations that Halide's C++
// backend emitted with the package's kernels, so that a package needs no Halide installed.
#pragma once

#include <HalideRuntime.h>
