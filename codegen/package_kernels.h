// The kernels of a package: each lowered kernel through sqzc's C++ backend (c_backend.h: Halide's
// C++ printer, with the int8 dot products as the target's instructions), then adapted to live
// beside other packages in one program (each includes NAME_halide_names.h, which gives the Halide
// runtime functions it calls the package's prefix) and to build fast without target flags (the
// target's instruction sets enabled by pragma). Kernels must not allocate: packages give them no
// memory beyond their buffers.
#pragma once

#include "codegen/lowering.h"

#include <Halide.h>

#include <cstdint>
#include <string>
#include <vector>

namespace sqz::codegen {

struct EmittedKernel {
    std::string name;        // C identifier, in namespace <package>::kernels
    std::string source;      // a complete .cpp file
    std::string prototype;   // declaration for <package>_kernels.h; empty when `shares` is set
    // A size build emits each kernel form once: a kernel whose code equals an earlier one's (but
    // for its name) names that kernel here and its file holds a comment only.
    std::string shares;
    // The function the package calls for this kernel: its own, or the one it shares.
    const std::string& function() const { return shares.empty() ? name : shares; }
};

// Target features every package kernel is compiled with.
Halide::Target package_target(const Halide::Target& target);

// Compiles every kernel of `model` (lowered with `optimize`). `prefix` is the package name.
// Halide rejecting a pipeline, and a kernel that allocates (halide_malloc), are internal errors.
// Speed kernels raise themselves to -O3 with unrolling; size kernels to -Os, without unwind
// tables, and each form is emitted once (EmittedKernel::shares).
std::vector<EmittedKernel> emit_kernels(LoweredModel& model, const Halide::Target& target, const std::string& prefix,
                                        Optimize optimize = Optimize::Speed);

// Marks the kernels whose sources equal an earlier kernel's once each one's own name is set aside,
// and empties their sources but for a comment.
void share_equal_kernels(std::vector<EmittedKernel>& kernels, const std::string& prefix);

// Whether a kernel source from Halide's C++ backend calls halide_malloc.
bool kernel_allocates(const std::string& kernel_source);

// The bytes of the arrays a kernel source from Halide's C++ backend declares on the stack
// (`float _name[N];` and the like, after the runtime declarations), summed over the whole kernel:
// at least what a thread running it needs for them at once.
int64_t kernel_stack_bytes(const std::string& kernel_source);

// Halide's runtime declarations (halide_buffer_t and friends) as the generated sources carry them.
std::string runtime_declarations(const std::string& kernel_source);

// Removes the per-lowering markers from Halide names (see LoweringContext::func_name).
std::string strip_lowering_markers(const std::string& text);

}  // namespace sqz::codegen
