// Pass fuse-pool: computes a convolution inside the pooling that follows it, strip by strip, so
// the convolution's full output never goes through memory.
//
//   conv --> maxpool        becomes        {conv --> maxpool}   (one kernel, group "<pool>")
//
// The pooling's rows are split into strips processed in parallel; each strip computes the conv rows
// it needs (the rows shared by neighbouring windows at strip edges are computed twice). The conv
// must have the pooling as its only user. In SqueezeNet this fuses conv1 with pool1; the other
// pools follow concats. Runs after fuse-conv-relu (the ReLU then sits in the conv).
#pragma once

#include "ir/graph.h"

namespace sqz::compiler {

ir::Graph fuse_pool(ir::Graph graph);

}  // namespace sqz::compiler
