// The IR's text form: prints a graph as readable lines and parses them back to an equal graph.
//
//   sqzir 1
//   graph squeezenet_v1.1 batch=1
//   input data : f32[3,227,227]
//   const conv1/weight : f32[64,3,3,3]
//   node conv1 = conv(data, conv1/weight, conv1/bias) [out=64 kernel=3x3 stride=2x2 pads=0,0,0,0] : f32[1,64,113,113]
//   node pool1 = maxpool(conv1) [kernel=3x3 stride=2x2 pads=0,0,0,0 ceil] : f32[1,64,56,56]
//   output pool1
//
// Names that are not plain words ([A-Za-z0-9_./+-]) are double-quoted. With values, each bound
// constant ends in `= hex "..."` (its little-endian float32 bytes) and a codebook-backed one adds
// `codebook bits=8 gap_bits=4 hex "<codebook>" hex "<codes>" hex "<gaps>"`, and one with an int8
// form (a quantized model's weights) adds `int8 hex "<int8 values>" hex "<float32 scales>"`, so the
// text is exact. A value a quantized model rounds to 8 bits has a line
// `quant NAME scale=S zero_point=Z` (ir::ActivationQuant).
#pragma once

#include "ir/graph.h"

#include <string>
#include <string_view>

namespace sqz::ir {

struct PrintOptions {
    bool with_values = false;  // include constant values (exact, but large)
};

std::string print_graph(const Graph& graph, const PrintOptions& options = {});

// A name as the text form writes it: bare if a plain word, else double-quoted.
std::string quote_name(const std::string& name);

// Parses the text form; `file` names the source in messages ("file:line:col: message"). The result
// is shape-inferred and verified; a type written after a node must match the inferred one.
Graph parse_graph(std::string_view text, const std::string& file);

}  // namespace sqz::ir
