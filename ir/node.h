// A node of the graph IR: one operator application. A node produces exactly one value, named
// like the node, so a name identifies both the layer and its output tensor.
#pragma once

#include "ir/attrs.h"
#include "ir/op.h"
#include "ir/tensor_type.h"

#include <string>
#include <vector>

namespace sqz::ir {

struct Node {
    std::string name;
    OpKind op = OpKind::Identity;
    std::vector<std::string> inputs;  // names of graph inputs, constants or earlier nodes
    Attrs attrs;
    TensorType type;                  // of the output; filled by infer_shapes
    // Fusion group: consecutive nodes with the same non-empty group are compiled as one kernel
    // (set by fusion passes); the meaning of the graph does not depend on it.
    std::string group;

    const ConvAttrs& conv() const { return std::get<ConvAttrs>(attrs); }
    ConvAttrs& conv() { return std::get<ConvAttrs>(attrs); }
    const PoolAttrs& pool() const { return std::get<PoolAttrs>(attrs); }
    PoolAttrs& pool() { return std::get<PoolAttrs>(attrs); }
    const ConcatAttrs& concat() const { return std::get<ConcatAttrs>(attrs); }
    ConcatAttrs& concat() { return std::get<ConcatAttrs>(attrs); }
    // Conv inputs by role.
    bool has_bias() const;
    const std::string& residual_input() const;
    const SoftmaxAttrs& softmax() const { return std::get<SoftmaxAttrs>(attrs); }
    const ReshapeAttrs& reshape() const { return std::get<ReshapeAttrs>(attrs); }
};

}  // namespace sqz::ir
