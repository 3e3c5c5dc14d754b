// The verifier: checks every invariant of the graph IR and reports the first violation by name.
#pragma once

#include "ir/graph.h"

namespace sqz::ir {

// Throws sqz::Error describing the first problem found: empty or duplicate names, a use before
// definition (which also rules out cycles), wrong arity or attributes for an operator, weights
// that are not constants, sizes beyond ir::Limits, missing outputs, and node types that differ
// from what shape inference computes, and weights (dense values or codebook entries) that are NaN
// or infinite: a model with such weights computes NaN or infinity for every input, so no
// frontend accepts them (docs/hardening.md).
void verify(const Graph& graph);

// The index of the first NaN or infinity in `values`, or -1 when all are finite.
int64_t first_non_finite(const std::vector<float>& values);

}  // namespace sqz::ir
