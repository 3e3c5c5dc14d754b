// Pass remove-identity: drops nodes that do nothing at inference time.
//
// Dropout and Identity nodes are removed and their users read the input instead; Flatten and
// Reshape nodes whose output type equals their input type are removed, and chains of them collapse
// into one Reshape. A node that is itself a graph output is kept, so output names stay as the
// model file gave them (code generation treats such nodes as views that cost nothing).
// Needs nothing before it.
#pragma once

#include "ir/graph.h"

namespace sqz::compiler {

ir::Graph remove_identity(ir::Graph graph);

}  // namespace sqz::compiler
