// Seeded random weights for graphs that come without any: He-normal weights (standard deviation
// sqrt(2 / fan_in)) and small uniform biases, reproducible from the seed on every platform.
#pragma once

#include "ir/graph.h"

#include <cstdint>

namespace sqz::compiler {

// Binds every unbound constant. Each constant's values depend only on the seed and its name.
void bind_random_weights(ir::Graph& graph, uint64_t seed);

}  // namespace sqz::compiler
