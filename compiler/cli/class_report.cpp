// The class lists of `sqzc run` (see class_report.h).
#include "compiler/cli/class_report.h"

#include "compiler/labels.h"

#include <fmt/format.h>

namespace sqz::cli {

ClassNames class_names(const std::string& labels_path, int64_t classes) {
    if (!labels_path.empty()) return {compiler::load_labels(labels_path), labels_path};
    if (classes == static_cast<int64_t>(compiler::imagenet_labels().size()))
        return {compiler::imagenet_labels(), "ImageNet (built in; --labels FILE for others)"};
    return {};
}

bool ends_in_softmax(const ir::Graph& graph) {
    if (graph.outputs.empty()) return false;
    const ir::Node* node = graph.find_node(graph.outputs[0]);
    while (node && (node->op == ir::OpKind::Flatten || node->op == ir::OpKind::Reshape ||
                    node->op == ir::OpKind::Identity || node->op == ir::OpKind::Dropout))
        node = node->inputs.empty() ? nullptr : graph.find_node(node->inputs[0]);
    return node && node->op == ir::OpKind::Softmax;
}

std::string class_report_header(const ClassNames& names, bool model_softmax) {
    return fmt::format("classes: {}; probabilities: {}", names.source.empty() ? "by index (no names)" : names.source,
                       model_softmax ? "the model's own Softmax output"
                                     : "Softmax of the model's raw scores (shown beside them)");
}

std::string class_report(const ir::Tensor& output, int64_t sample, int top, const ClassNames& names,
                         bool model_softmax) {
    const int64_t batch = output.dims.at(0);
    const size_t per_sample = output.data.size() / static_cast<size_t>(batch);
    const auto first = output.data.begin() + static_cast<std::ptrdiff_t>(static_cast<size_t>(sample) * per_sample);
    const std::vector<float> scores(first, first + static_cast<std::ptrdiff_t>(per_sample));
    const std::vector<float> probabilities = model_softmax ? scores : compiler::softmax(scores);
    std::string text;
    for (auto [index, probability] : compiler::top_n(probabilities, static_cast<size_t>(top))) {
        const std::string name = index < names.names.size() ? names.names[index] : "";
        if (model_softmax)
            text += fmt::format("  {:>5}  {:>7.3f}%  {}\n", index, 100.0 * probability, name);
        else
            text += fmt::format("  {:>5}  {:>7.3f}%  score {:>10.5g}  {}\n", index, 100.0 * probability, scores[index], name);
    }
    return text;
}

}  // namespace sqz::cli
