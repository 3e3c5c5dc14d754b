// One model stepped through one calibration input, node by node, for codebook refinement (which
// runs the original and the compressed model side by side and reads each convolution's input in
// both). Only the values still to be read are kept; convolutions run through calibration_conv, and
// a ReLU, Dropout or Identity whose input is read by no one else works in place. The values are
// those of the reference interpreter (ir::evaluate_node), bit for bit.
#pragma once

#include "ir/graph.h"
#include "ir/host_tensor.h"

#include <string>
#include <unordered_map>

namespace sqz::compiler {

class CalibrationStepper {
public:
    // `graph` must outlive the stepper; `input` is its single input (batch 1).
    CalibrationStepper(const ir::Graph& graph, ir::TensorF64 input);

    // Evaluates node `index`, which must be the next in graph order, and frees the values no later
    // node (or graph output) reads.
    void step(size_t index);
    // Steps through every remaining node.
    void run_to_end();
    // A value computed and still held (a graph input or node).
    const ir::TensorF64& value(const std::string& name) const;
    size_t next_node() const { return next_; }

private:
    const ir::Graph* graph_;
    std::unordered_map<std::string, ir::TensorF64> values_;
    std::unordered_map<std::string, int> remaining_;  // readers still to come, outputs counting one
    size_t next_ = 0;
};

}  // namespace sqz::compiler
