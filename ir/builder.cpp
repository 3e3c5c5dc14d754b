// GraphBuilder (see builder.h).
#include "ir/builder.h"

#include "ir/error.h"
#include "ir/shape_inference.h"
#include "ir/verifier.h"

namespace sqz::ir {

GraphBuilder::GraphBuilder(std::string graph_name, int64_t batch) {
    graph_.name = std::move(graph_name);
    graph_.batch = batch;
}

bool GraphBuilder::defines(const std::string& name) const {
    return graph_.find_input(name) || graph_.find_constant(name) || graph_.find_node(name);
}

std::string GraphBuilder::input(const std::string& name, const TensorType& per_sample) {
    if (defines(name)) user_error("name '{}' is defined twice", name);
    graph_.inputs.push_back({name, per_sample});
    return name;
}

std::string GraphBuilder::add_constant(const std::string& name, const Dims& dims) {
    if (defines(name)) user_error("name '{}' is defined twice", name);
    Constant c;
    c.name = name;
    c.type = {DType::F32, dims};
    if (!checked_numel(dims)) user_error("constant '{}' of shape {} is too large", name, dims_to_string(dims));
    graph_.constants.push_back(std::move(c));
    return name;
}

std::string GraphBuilder::node(Node node) {
    if (defines(node.name)) user_error("name '{}' is defined twice", node.name);
    node.type = infer_node_type(graph_, node);
    graph_.nodes.push_back(std::move(node));
    return graph_.nodes.back().name;
}

std::string GraphBuilder::conv(const std::string& name, const std::string& x, int64_t out_channels,
                               const Window& window, bool bias) {
    TensorType t = type_of(x);
    if (t.rank() != 4) user_error("conv '{}': input '{}' is {}, expected a 4-D NCHW tensor", name, x, to_string(t));
    if (out_channels < 1 || out_channels > Limits::max_dim)
        user_error("conv '{}': {} output channels is out of range", name, out_channels);
    ConvAttrs attrs;
    attrs.window = window;
    attrs.out_channels = out_channels;
    Node n{name, OpKind::Conv, {x}, attrs, {}, {}};
    n.inputs.push_back(add_constant(name + ".weight", {out_channels, t.dims[1], window.kernel_h, window.kernel_w}));
    if (bias) n.inputs.push_back(add_constant(name + ".bias", {out_channels}));
    try {
        return node(std::move(n));
    } catch (...) {
        graph_.constants.resize(graph_.constants.size() - (bias ? 2 : 1));
        throw;
    }
}

std::string GraphBuilder::relu(const std::string& name, const std::string& x) {
    return node({name, OpKind::Relu, {x}, {}, {}, {}});
}

std::string GraphBuilder::max_pool(const std::string& name, const std::string& x, const Window& window,
                                   Rounding rounding) {
    return node({name, OpKind::MaxPool, {x}, PoolAttrs{window, rounding, false}, {}, {}});
}

std::string GraphBuilder::avg_pool(const std::string& name, const std::string& x, const Window& window,
                                   Rounding rounding, bool count_include_pad) {
    return node({name, OpKind::AvgPool, {x}, PoolAttrs{window, rounding, count_include_pad}, {}, {}});
}

std::string GraphBuilder::global_avg_pool(const std::string& name, const std::string& x) {
    return node({name, OpKind::GlobalAvgPool, {x}, {}, {}, {}});
}

std::string GraphBuilder::concat(const std::string& name, const std::vector<std::string>& xs, int64_t axis) {
    return node({name, OpKind::Concat, xs, ConcatAttrs{axis}, {}, {}});
}

std::string GraphBuilder::add(const std::string& name, const std::string& a, const std::string& b) {
    return node({name, OpKind::Add, {a, b}, {}, {}, {}});
}

std::string GraphBuilder::dropout(const std::string& name, const std::string& x) {
    return node({name, OpKind::Dropout, {x}, {}, {}, {}});
}

std::string GraphBuilder::identity(const std::string& name, const std::string& x) {
    return node({name, OpKind::Identity, {x}, {}, {}, {}});
}

std::string GraphBuilder::softmax(const std::string& name, const std::string& x, int64_t axis) {
    return node({name, OpKind::Softmax, {x}, SoftmaxAttrs{axis}, {}, {}});
}

std::string GraphBuilder::flatten(const std::string& name, const std::string& x) {
    return node({name, OpKind::Flatten, {x}, {}, {}, {}});
}

std::string GraphBuilder::reshape(const std::string& name, const std::string& x, const Dims& per_sample) {
    return node({name, OpKind::Reshape, {x}, ReshapeAttrs{per_sample}, {}, {}});
}

void GraphBuilder::output(const std::string& name) { graph_.outputs.push_back(name); }

Graph GraphBuilder::finish() {
    verify(graph_);
    return graph_;
}

Window square_window(int64_t kernel, int64_t stride, int64_t pad) {
    return Window{kernel, kernel, stride, stride, pad, pad, pad, pad};
}

}  // namespace sqz::ir
