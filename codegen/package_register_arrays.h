// Register arrays of Halide's C++ output as named vector variables, for packages.
//
// A Func stored in registers (MemoryType::Register: the conv accumulators) comes out of Halide's
// C++ backend as a local array, `float acc[192];`, that the fully unrolled code reads and writes
// whole vectors at a time at constant offsets (`float16_ops::load(acc, 32)`). g++ 12 promotes
// such an array to registers but then copies every accumulator once or twice per iteration of
// the reduction loop (it fails to coalesce their loop phis): 17 register moves for 12 FMAs in a
// 3x3 expand kernel. Written as one vector variable per offset, the same loop has none.
#pragma once

#include <string>

namespace sqz::codegen {

// Rewrites each local array of `source` whose every use is a whole-vector load or store at a
// constant, lane-aligned offset, with the vector type's element type, into one vector variable
// per offset (`acc_v32`), and each whose every use is an element at a constant index (scalar
// accumulators, for layers narrower than a vector) into one variable per element (`acc_e3`);
// any other array is left as it is. `promoted`, if given, receives the number rewritten.
std::string promote_register_arrays(const std::string& source, int* promoted = nullptr);

}  // namespace sqz::codegen
