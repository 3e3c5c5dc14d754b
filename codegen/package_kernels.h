// The kernels of a package: each lowered kernel through Halide's C++ backend, then adapted to
// live beside other packages in one program (each includes NAME_halide_names.h, which gives the
// Halide runtime functions it calls the package's prefix) and to build fast without target flags
// (the target's instruction sets enabled by pragma). Kernels must not allocate: packages give
// them no memory beyond their buffers.
#pragma once

#include "codegen/lowering.h"

#include <Halide.h>

#include <string>
#include <vector>

namespace sqz::codegen {

struct EmittedKernel {
    std::string name;        // C identifier, in namespace <package>::kernels
    std::string source;      // a complete .cpp file
    std::string prototype;   // declaration for <package>_kernels.h
};

// Target features every package kernel is compiled with.
Halide::Target package_target(const Halide::Target& target);

// Compiles every kernel of `model`, one after another (so that Halide names its temporaries the
// same way every time). `prefix` is the package name. Halide rejecting a pipeline, and a kernel
// that allocates (halide_malloc), are internal errors.
std::vector<EmittedKernel> emit_kernels(LoweredModel& model, const Halide::Target& target, const std::string& prefix);

// Whether a kernel source from Halide's C++ backend calls halide_malloc.
bool kernel_allocates(const std::string& kernel_source);

// Halide's runtime declarations (halide_buffer_t and friends) as the generated sources carry them.
std::string runtime_declarations(const std::string& kernel_source);

// Removes the per-lowering markers from Halide names (see LoweringContext::func_name).
std::string strip_lowering_markers(const std::string& text);

}  // namespace sqz::codegen
