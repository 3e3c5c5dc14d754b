// The verifier: checks every invariant of the graph IR and reports the first violation by name.
#pragma once

#include "ir/graph.h"

namespace sqz::ir {

// Throws sqz::Error describing the first problem found: empty or duplicate names, a use before
// definition (which also rules out cycles), wrong arity or attributes for an operator, weights
// that are not constants, sizes beyond ir::Limits, missing outputs, and node types that differ
// from what shape inference computes.
void verify(const Graph& graph);

}  // namespace sqz::ir
