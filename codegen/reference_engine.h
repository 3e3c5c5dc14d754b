// The reference interpreter (ir::interpret, float64) behind the engine interface: the slow, exact
// engine of `sqzc run --engine reference`, and what every other engine is checked against.
#pragma once

#include "codegen/engine.h"

namespace sqz::codegen {

// An engine that interprets (a copy of) `graph`; outputs rounded to float32. One thread, no profile.
std::unique_ptr<Engine> make_reference_engine(ir::Graph graph);

}  // namespace sqz::codegen
