// Class labels (one name a line, in class-index order) and top-N selection of model outputs.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace sqz::compiler {

std::vector<std::string> load_labels(const std::string& path);

// The 1000 ImageNet class names, in class-index order, built into sqzc from
// examples/models/imagenet_labels.txt (compiler/CMakeLists.txt generates them).
const std::vector<std::string>& imagenet_labels();

// Softmax of `scores` (computed in double, shifted by the largest score so it cannot overflow).
std::vector<float> softmax(const std::vector<float>& scores);

// The n highest scores of `scores` as (index, score), best first; ties go to the lower index.
std::vector<std::pair<size_t, float>> top_n(const std::vector<float>& scores, size_t n);

}  // namespace sqz::compiler
