// Pass fuse-bypass: does the residual Add of simple and complex bypass in the epilogue of the
// convolutions that produce one of its operands, instead of as a pass over memory.
//
//   e1 ---.                                 e1[+ skip[:, 0:C1]] ---.
//         concat --> add(., skip)   becomes                         concat --> users
//   e3 ---'                                 e3[+ skip[:, C1:]] ----'
//
// (or conv --> add(., skip) becomes conv[+ skip] when the operand is one convolution). Each conv
// adds its channel slice of the skip tensor after its activation, as Caffe's bypass does after the
// expand ReLUs. The operand's producers must have no other users and no residual yet; the skip
// tensor must be available before them (a node computing it is moved earlier when it can be).
// Runs after fuse-conv-relu.
#pragma once

#include "ir/graph.h"

namespace sqz::compiler {

ir::Graph fuse_bypass(ir::Graph graph);

}  // namespace sqz::compiler
