// Byte-identical kernel sources whatever Halide's counters say: Halide numbers temporaries, closure
// structs and uniquely suffixed names from process-wide counters, so a kernel's numbers depend on
// what was compiled before it in the process (and, with kernels compiled in parallel, on timing).
// canonicalize_names renumbers them per file in order of first appearance.
#pragma once

#include <string>

namespace sqz::codegen {

// Renames, in the code of a C++ source printed by Halide, every temporary (`_123` to `_tK`),
// closure struct (`s12` to `s_K`), closure variable (`_closure_arg__12` to `_closure_arg__nK`) and
// uniquely suffixed name (`name__12` to `name__nK`), K counting distinct names from 0 in order of
// first appearance. In comments only temporaries are renamed (Halide names them there); string
// and character literals are copied unchanged. Equal names stay equal and different names
// different, so the code means what it meant.
std::string canonicalize_names(const std::string& source);

}  // namespace sqz::codegen
