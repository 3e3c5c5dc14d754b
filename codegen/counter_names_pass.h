// A Halide lowering pass that takes Halide's process-wide name counter out of a kernel's code
// before Halide makes its parallel loops into functions. Halide names the variables of its
// lowering passes (lets, mostly) from that counter (`t123`), and a parallel loop's closure struct
// holds the variables it captures sorted by name as strings: t998 and t999 after t1001 and t1002.
// So the fields of a kernel whose captures straddle a power of ten come in another order than
// those of the same kernel with other numbers, and the two print different code
// (canonicalize_names renumbers names in the printed source, but cannot reorder fields). Which
// kernel straddles depends on what the process compiled before and, with kernels compiled in
// parallel, on timing: a size build once emitted a kernel form twice.
#pragma once

#include <Halide.h>

#include <memory>

namespace sqz::codegen {

// A pass for Pipeline::add_custom_lowering_pass (it runs after Halide's lowering passes and
// before closures are made): renames every counter-numbered name (one letter then digits) bound
// by a let or a loop, and not naming a buffer, to sqzT<K>, K counting in the order the lowered
// code binds them. One pass per compilation.
std::unique_ptr<Halide::Internal::IRMutator> counter_names_pass();

}  // namespace sqz::codegen
