// Class labels (one name a line, in class-index order) and top-N selection of model outputs.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace sqz::compiler {

std::vector<std::string> load_labels(const std::string& path);

// The n highest scores of `scores` as (index, score), best first; ties go to the lower index.
std::vector<std::pair<size_t, float>> top_n(const std::vector<float>& scores, size_t n);

}  // namespace sqz::compiler
