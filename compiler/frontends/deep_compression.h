// Deep Compression frontend: binds the weights of a `.net` file (codebooks, codes and 4-bit gaps
// per convolution layer; format in ../shared/models/README.md) to a graph's convolutions in order.
// The codebook form stays attached to each weight constant; the dense values are decoded from it.
#pragma once

#include "ir/graph.h"

#include <string>
#include <string_view>

namespace sqz::compiler {

void bind_deep_compression(ir::Graph& graph, const std::string& path);
void bind_deep_compression_bytes(ir::Graph& graph, std::string_view bytes, const std::string& file);

}  // namespace sqz::compiler
