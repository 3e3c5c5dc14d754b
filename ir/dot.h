// The graph as a Graphviz picture: to_dot() writes deterministic DOT text that `dot -Tsvg` (or
// -Tpng) draws. `sqzc graph` uses it; it is also handy in a debugger.
//
// What the picture shows:
//   - one box per node: its name, operator and key attributes (conv: kernel, stride, padding, output
//     channels and parameter count; pools: the window). Constants are not drawn; their sizes appear
//     in the conv label. Graph inputs and outputs are house-shaped.
//   - edges labelled with the shape of the value they carry ("1x64x55x55").
//   - Fire modules as clusters: nodes named "fireN/..." (Caffe's and sqzc's naming) are boxed together
//     under the label "fireN".
//   - fusion, after the passes: a conv with a fused ReLU or residual is filled orange and lists what
//     was fused ("+ReLU", "+ residual from X [a, b)"), and its residual edge is dashed purple; an
//     in-place concat has a dashed border and its incoming edges are bold orange, labelled with the
//     channel slice each producer writes ("writes into [a, b)").
//   - fusion groups (Node::group) as dashed clusters "fused kernel <group>", nested inside the Fire
//     cluster when every node of the group belongs to the same Fire module, otherwise at top level
//     (taking their nodes out of the Fire clusters).
//   - the graph's label: its name, batch, activation layout and parameter count.
// Names may hold any bytes (ONNX): they are escaped for DOT, control characters and bytes that are
// not UTF-8 are shown as \xNN; node identifiers in the DOT text are generated (n0, n1, ...).
#pragma once

#include "ir/graph.h"

#include <string>

namespace sqz::ir {

std::string to_dot(const Graph& graph);

// `text` as the inside of a DOT double-quoted string that displays it literally.
std::string dot_escape(const std::string& text);

}  // namespace sqz::ir
