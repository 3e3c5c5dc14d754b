// Native description frontend (.sqz): a hand-writable text format that describes a SqueezeNet
// either by the paper's metaparameters or as an explicit list of layers and Fire modules. The
// format is documented in docs/sqz-format.md.
#pragma once

#include "ir/graph.h"

#include <string>
#include <string_view>
#include <vector>

namespace sqz::compiler {

// `overrides` are "KEY=VALUE" metaparameter settings (from --set) applied over the file's own.
ir::Graph load_sqz(const std::string& path, const std::vector<std::string>& overrides = {});
ir::Graph parse_sqz(std::string_view text, const std::string& file, const std::vector<std::string>& overrides = {});

}  // namespace sqz::compiler
