// How `sqzc run` shows a classifier's output: the N best classes of each sample with their names
// and probabilities, saying where the names come from and whether the probabilities are the
// model's own (it ends in Softmax) or a Softmax that sqzc applies to the model's raw scores.
#pragma once

#include "ir/graph.h"
#include "ir/host_tensor.h"

#include <string>
#include <vector>

namespace sqz::cli {

struct ClassNames {
    std::vector<std::string> names;  // empty: classes are shown by index only
    std::string source;              // e.g. "ImageNet (built in)" or the --labels file
};

// The names for a model with `classes` outputs: the --labels file if given (`labels_path`), else
// the built-in ImageNet names for a 1000-class model, else none.
ClassNames class_names(const std::string& labels_path, int64_t classes);

// True when the graph's first output is computed by Softmax (possibly followed by Flatten,
// Reshape, Identity or Dropout), so its values are already probabilities.
bool ends_in_softmax(const ir::Graph& graph);

// One line that says what the class lists show (names, probabilities).
std::string class_report_header(const ClassNames& names, bool model_softmax);

// The `top` best classes of sample `sample` of `output` (N x classes x ...), one line each:
// index, probability, the raw score unless the model ends in Softmax, and the name.
std::string class_report(const ir::Tensor& output, int64_t sample, int top, const ClassNames& names,
                         bool model_softmax);

}  // namespace sqz::cli
