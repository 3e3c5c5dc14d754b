// Pass fuse-conv-relu: folds a ReLU into the convolution that produces its input, so the
// activation is applied in the convolution's epilogue instead of in a pass over memory.
//
//   conv --> relu --> users        becomes        conv[relu] --> users
//
// The bias needs no pass: every frontend already stores it in the convolution. The conv must have
// the ReLU as its only user; a ReLU that is a graph output is kept (its name is the output's).
// Runs after remove-identity (so a Dropout between them does not block it).
#pragma once

#include "ir/graph.h"

namespace sqz::compiler {

ir::Graph fuse_conv_relu(ir::Graph graph);

}  // namespace sqz::compiler
