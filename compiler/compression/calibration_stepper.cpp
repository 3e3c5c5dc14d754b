// Stepping one model through one input (see calibration_stepper.h).
#include "compiler/compression/calibration_stepper.h"

#include "compiler/compression/calibration_conv.h"
#include "ir/error.h"
#include "ir/interpreter.h"

#include <algorithm>

namespace sqz::compiler {

CalibrationStepper::CalibrationStepper(const ir::Graph& graph, ir::TensorF64 input) : graph_(&graph) {
    SQZ_ASSERT(graph.inputs.size() == 1, "stepping a graph with {} inputs", graph.inputs.size());
    SQZ_ASSERT(input.dims == graph.type_of(graph.inputs[0].name).dims, "stepping '{}' with an input of shape {}",
               graph.name, ir::dims_to_string(input.dims));
    SQZ_ASSERT(graph.activation_quant.empty(), "stepping '{}', which rounds activations", graph.name);
    for (const ir::Node& node : graph.nodes)
        for (const std::string& in : node.inputs) ++remaining_[in];
    for (const std::string& out : graph.outputs) ++remaining_[out];
    values_[graph.inputs[0].name] = std::move(input);
}

const ir::TensorF64& CalibrationStepper::value(const std::string& name) const {
    auto it = values_.find(name);
    SQZ_ASSERT(it != values_.end(), "value '{}' is not held (not computed yet, or no longer read)", name);
    return it->second;
}

void CalibrationStepper::step(size_t index) {
    SQZ_ASSERT(index == next_ && index < graph_->nodes.size(), "stepping node {} where node {} is next", index, next_);
    const ir::Node& node = graph_->nodes[index];
    ++next_;
    ir::TensorF64 out;
    const bool in_place = (node.op == ir::OpKind::Relu || node.op == ir::OpKind::Dropout ||
                           node.op == ir::OpKind::Identity) &&
                          remaining_.at(node.inputs[0]) == 1 && node.type.dims == value(node.inputs[0]).dims;
    if (in_place) {
        out = std::move(values_.at(node.inputs[0]));
        if (node.op == ir::OpKind::Relu)
            for (double& v : out.data) v = std::max(v, 0.0);
    } else if (calibration_conv_applies(*graph_, node)) {
        out = calibration_conv(*graph_, node, value(node.inputs[0]));
    } else {
        out = ir::evaluate_node(*graph_, node, [&](const std::string& name) -> const ir::TensorF64& { return value(name); });
    }
    for (const std::string& in : node.inputs)
        if (--remaining_.at(in) == 0) values_.erase(in);
    values_[node.name] = std::move(out);
}

void CalibrationStepper::run_to_end() {
    while (next_ < graph_->nodes.size()) step(next_);
}

}  // namespace sqz::compiler
