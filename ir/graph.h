// The graph IR: inputs, constants and nodes in topological order, plus the batch size. Plain data;
// shape_inference.h fills in node types and verifier.h checks the invariants.
#pragma once

#include "ir/constant.h"
#include "ir/node.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace sqz::ir {

struct GraphInput {
    std::string name;
    TensorType type;  // per-sample type, without the batch dimension (e.g. f32[3,227,227])
};

// How raw images become the model's input: value = (pixel * pixel_scale - mean[c]) / std[c], with
// channels in `channel_order`. The default is Caffe SqueezeNet's: BGR, 0-255, means 104/117/123.
struct Preprocess {
    enum class Order : uint8_t { RGB, BGR };
    Order channel_order = Order::BGR;
    double pixel_scale = 1.0;
    double mean[3] = {104.0, 117.0, 123.0};
    double std[3] = {1.0, 1.0, 1.0};

    bool operator==(const Preprocess& o) const;
};

// Storage order of activations inside the compiled model (the layout pass chooses it); the
// graph's inputs and outputs are always row-major NCHW.
enum class ActivationLayout : uint8_t { NCHW, NHWC };

// An activation that a quantized model rounds to 8 bits after computing it, as ONNX's
// QuantizeLinear followed by DequantizeLinear does:
//   v = (clamp(round(v / scale) + zero_point, 0, 255) - zero_point) * scale   (round half to even)
// A signed 8-bit quantisation with zero point z rounds the same values as zero_point z + 128.
struct ActivationQuant {
    double scale = 1;        // a float32 value, > 0
    int32_t zero_point = 0;  // in [0, 255]

    bool operator==(const ActivationQuant& o) const { return scale == o.scale && zero_point == o.zero_point; }
    bool operator!=(const ActivationQuant& o) const { return !(*this == o); }
};

struct Graph {
    std::string name = "model";
    Preprocess preprocess;
    ActivationLayout layout = ActivationLayout::NCHW;
    int64_t batch = 1;
    std::vector<GraphInput> inputs;
    std::vector<Constant> constants;
    std::vector<Node> nodes;            // topological order: a node uses only names defined before it
    std::vector<std::string> outputs;   // names of nodes (or inputs) whose values the graph returns
    // Values (graph inputs or nodes) rounded to 8 bits after they are computed: the quantisation of
    // an imported QDQ or QLinear ONNX model. The interpreter applies it; compiler::prepare strips it
    // for float32 and lowers it onto int8 kernels for int8 (docs/int8.md).
    std::map<std::string, ActivationQuant> activation_quant;

    // Lookups by name; null when absent. Linear scans: graphs are small.
    const Node* find_node(const std::string& name) const;
    Node* find_node(const std::string& name);
    const Constant* find_constant(const std::string& name) const;
    Constant* find_constant(const std::string& name);
    const GraphInput* find_input(const std::string& name) const;

    // The full (batched) type of a graph input, node or constant. Throws sqz::Error if unknown.
    TensorType type_of(const std::string& name) const;
    // Number of nodes that read `name` (plus one per graph output naming it).
    int use_count(const std::string& name) const;
    // True when every constant has values.
    bool weights_bound() const;
    // Total number of constant elements (the model's parameters).
    int64_t parameter_count() const;
};

// Structural equality: names, ops, attributes, types, batch; constant values too if `compare_values`.
bool graphs_equal(const Graph& a, const Graph& b, bool compare_values);

}  // namespace sqz::ir
