// The text of sqzc's runtime/ sources (file name, contents), compiled into sqzc so that packages
// can carry a copy of the runtime.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace sqz::codegen {

const std::vector<std::pair<std::string, std::string>>& runtime_sources();

}  // namespace sqz::codegen
