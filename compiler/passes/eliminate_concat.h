// Pass eliminate-concat: has each input of a channel Concat written straight into its slice of
// the output, so no concatenation copy is left.
//
//   e1 --\                        e1 ==> output[:, 0:C1]
//         concat      becomes            concat[in_place]   (no kernel; the slices are the output)
//   e3 --/                        e3 ==> output[:, C1:]
//
// Marks the Concat `in_place`; code generation then makes each producer's output a channel slice
// of the concat's buffer. Every input must be a convolution used only by this concat (and not a
// graph output), each input distinct. Runs after fuse-bypass (whose rewrite needs the producers'
// epilogues, which an in-place concat keeps).
#pragma once

#include "ir/graph.h"

namespace sqz::compiler {

ir::Graph eliminate_concat(ir::Graph graph);

}  // namespace sqz::compiler
