// ONNX frontend (see onnx_import.h): checks the model's opset and its one graph input, orders the
// nodes, converts each through the operator table (onnx_import_ops.cpp), then binds the weights
// read from the initializers to the finished graph's constants.
#include "compiler/frontends/onnx_import.h"

#include "compiler/file_io.h"
#include "compiler/frontends/onnx_common.h"
#include "compiler/frontends/onnx_import_context.h"
#include "ir/error.h"

#include <climits>
#include <filesystem>
#include <optional>
#include <queue>

namespace sqz::compiler {
namespace {

using onnx_import::describe_node;
using onnx_import::ImportContext;

// Far more nodes than any SqueezeNet-family model has; bounds the time a hostile file can cost
// (a chain of 4096 nodes imports in about 1.5 s, as GraphBuilder re-infers the graph per node).
constexpr int kMaxNodes = 4096;

// torchvision's ImageNet preprocessing: RGB in [0, 1], then per-channel mean and std.
ir::Preprocess torchvision_preprocess() {
    ir::Preprocess p;
    p.channel_order = ir::Preprocess::Order::RGB;
    p.pixel_scale = 1.0 / 255.0;
    const double mean[3] = {0.485, 0.456, 0.406}, std[3] = {0.229, 0.224, 0.225};
    std::copy(mean, mean + 3, p.mean);
    std::copy(std, std + 3, p.std);
    return p;
}

int default_opset(const onnx::ModelProto& model, const std::string& file) {
    std::optional<int64_t> version;
    for (const onnx::OperatorSetIdProto& id : model.opset_import()) {
        if (!id.domain().empty() && id.domain() != "ai.onnx") continue;
        if (version && *version != id.version())
            user_error("{}: the model imports the default ONNX domain twice, at opsets {} and {}", file, *version,
                       id.version());
        version = id.version();
    }
    if (!version) user_error("{}: the model imports no opset of the default ONNX domain", file);
    if (*version < kOnnxMinOpset || *version > kOnnxMaxOpset)
        user_error("{}: opset {} is unsupported (sqzc reads ONNX opsets {} to {})", file, *version, kOnnxMinOpset,
                   kOnnxMaxOpset);
    return static_cast<int>(*version);
}

struct InputInfo {
    std::string name;
    ir::Dims per_sample;  // C, H, W
    int64_t file_batch = 1;
};

// The one graph input that is not an initializer: float, NCHW, fixed C, H, W.
InputInfo graph_input(const onnx::GraphProto& graph, const std::unordered_set<std::string>& initializers,
                      const std::string& file) {
    std::vector<const onnx::ValueInfoProto*> inputs;
    std::string names;
    for (const onnx::ValueInfoProto& in : graph.input()) {
        if (initializers.count(in.name())) continue;
        inputs.push_back(&in);
        names += (names.empty() ? "'" : ", '") + in.name() + "'";
    }
    if (inputs.size() != 1)
        user_error("{}: the graph has {} inputs besides its initializers ({}); sqzc supports exactly one", file,
                   inputs.size(), names.empty() ? "none" : names);
    const onnx::ValueInfoProto& in = *inputs[0];
    if (in.name().empty()) user_error("{}: the graph input has an empty name", file);
    if (!in.type().has_tensor_type()) user_error("{}: graph input '{}' is not a tensor", file, in.name());
    const onnx::TypeProto_Tensor& t = in.type().tensor_type();
    if (t.elem_type() != onnx::TensorProto_DataType_FLOAT)
        user_error("{}: graph input '{}' has element type {}, expected FLOAT", file, in.name(),
                   onnx_elem_type_name(t.elem_type()));
    if (!t.has_shape()) user_error("{}: graph input '{}' has no shape; sqzc needs [N,C,H,W]", file, in.name());
    if (t.shape().dim_size() != 4)
        user_error("{}: graph input '{}' has {} dimensions, expected 4 (NCHW)", file, in.name(), t.shape().dim_size());
    InputInfo info{in.name(), {}, 1};
    for (int i = 0; i < 4; ++i) {
        const onnx::TensorShapeProto_Dimension& d = t.shape().dim(i);
        if (!d.has_dim_value()) {
            if (i == 0) continue;  // a symbolic batch
            user_error("{}: graph input '{}': dimension {} ('{}') must be a number; only the batch may be symbolic",
                       file, in.name(), i, d.dim_param());
        }
        if (d.dim_value() < 1 || d.dim_value() > ir::Limits::max_dim)
            user_error("{}: graph input '{}': dimension {} is {}; dimensions must lie in [1, {}]", file, in.name(), i,
                       d.dim_value(), ir::Limits::max_dim);
        if (i == 0) info.file_batch = d.dim_value();
        else info.per_sample.push_back(d.dim_value());
    }
    return info;
}

// The nodes in an order where each runs after the producers of its inputs: the file's own order
// when it is already topological (as the ONNX spec requires), else the stable topological sort.
std::vector<int> topological_order(const onnx::GraphProto& graph, const std::unordered_set<std::string>& available,
                                   const std::string& file) {
    const int n = graph.node_size();
    std::unordered_map<std::string, int> producer;
    for (int i = 0; i < n; ++i)
        for (const std::string& out : graph.node(i).output()) {
            if (out.empty()) continue;
            if (available.count(out) || !producer.emplace(out, i).second)
                user_error("{}: tensor '{}' is defined twice", describe_node(file, graph.node(i)), out);
        }
    std::vector<int> pending(static_cast<size_t>(n), 0);
    std::vector<std::vector<int>> consumers(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i)
        for (const std::string& in : graph.node(i).input()) {
            if (in.empty() || available.count(in)) continue;
            auto it = producer.find(in);
            if (it == producer.end())
                user_error("{}: input '{}' is not defined by any node, initializer or graph input",
                           describe_node(file, graph.node(i)), in);
            ++pending[static_cast<size_t>(i)];
            consumers[static_cast<size_t>(it->second)].push_back(i);
        }
    std::priority_queue<int, std::vector<int>, std::greater<>> ready;
    for (int i = 0; i < n; ++i)
        if (pending[static_cast<size_t>(i)] == 0) ready.push(i);
    std::vector<int> order;
    while (!ready.empty()) {
        int i = ready.top();
        ready.pop();
        order.push_back(i);
        for (int c : consumers[static_cast<size_t>(i)])
            if (--pending[static_cast<size_t>(c)] == 0) ready.push(c);
    }
    if (static_cast<int>(order.size()) == n) return order;
    // Walk back through unfinished producers from any unfinished node until a node repeats: it lies
    // on a cycle.
    int at = 0;
    while (pending[static_cast<size_t>(at)] == 0) ++at;
    std::vector<bool> seen(static_cast<size_t>(n), false);
    while (!seen[static_cast<size_t>(at)]) {
        seen[static_cast<size_t>(at)] = true;
        for (const std::string& in : graph.node(at).input()) {
            auto it = producer.find(in);
            if (it != producer.end() && pending[static_cast<size_t>(it->second)] > 0) {
                at = it->second;
                break;
            }
        }
    }
    user_error("{} is part of a cycle: its inputs depend on its own output", describe_node(file, graph.node(at)));
}

// Rethrows an error from a converter or the builder with the file (and node) in front.
[[noreturn]] void rethrow_in_context(const Error& e, const std::string& file, const onnx::NodeProto& node) {
    std::string_view message = e.what();
    if (message.rfind(file + ":", 0) == 0) throw e;
    if (message.rfind("node '", 0) == 0) user_error("{}: {}", file, message);
    user_error("{}: {}", describe_node(file, node), message);
}

ir::Graph import_model(const onnx::ModelProto& model, const std::string& file) {
    const int opset = default_opset(model, file);
    if (!model.has_graph()) user_error("{}: not a valid ONNX model (it has no graph)", file);
    const onnx::GraphProto& graph = model.graph();
    if (graph.node_size() > kMaxNodes)
        user_error("{}: the graph has {} nodes, more than the {} sqzc accepts", file, graph.node_size(), kMaxNodes);
    if (graph.sparse_initializer_size() > 0) user_error("{}: sparse initializers are unsupported", file);

    std::unordered_set<std::string> initializer_names;
    for (const onnx::TensorProto& t : graph.initializer())
        if (!initializer_names.insert(t.name()).second)
            user_error("{}: initializer '{}' is defined twice", file, t.name());
    InputInfo input = graph_input(graph, initializer_names, file);

    std::unordered_set<std::string> available = initializer_names;
    for (const onnx::ValueInfoProto& in : graph.input()) available.insert(in.name());
    std::vector<int> order = topological_order(graph, available, file);

    std::unordered_set<std::string> used;
    std::unordered_map<std::string, int> use_counts;
    for (const onnx::NodeProto& node : graph.node())
        for (const std::string& in : node.input()) used.insert(in), ++use_counts[in];
    for (const onnx::ValueInfoProto& out : graph.output()) used.insert(out.name()), ++use_counts[out.name()];

    std::string name = !graph.name().empty() ? graph.name() : std::filesystem::path(file).stem().string();
    ir::GraphBuilder builder(name.empty() ? "model" : name, 1);
    ImportContext ctx(file, opset, input.file_batch, builder, std::move(used));
    ctx.set_use_counts(std::move(use_counts));
    builder.input(input.name, {ir::DType::F32, input.per_sample});
    ctx.define_value(input.name);
    for (const onnx::TensorProto& t : graph.initializer()) ctx.define_constant(t.name(), &t);

    for (int index : order) {
        const onnx::NodeProto& node = graph.node(index);
        const bool microsoft = node.domain() == onnx_import::kMicrosoftDomain;
        if (!node.domain().empty() && node.domain() != "ai.onnx" && !microsoft)
            user_error("{}: operator domain '{}' is unsupported (only the default ONNX domain, and com.microsoft for "
                       "quantized operators)", describe_node(file, node), node.domain());
        const onnx_import::ConverterEntry* entry = onnx_import::find_converter(node.domain(), node.op_type());
        if (!entry && microsoft)
            user_error("{}: operator domain 'com.microsoft' is unsupported for {} (sqzc reads only QLinearAdd, "
                       "QLinearConcat and QLinearGlobalAveragePool from it)", describe_node(file, node), node.op_type());
        if (!entry) user_error("{}: unsupported operator", describe_node(file, node));
        check_attribute_names(ctx, node, *entry);
        try {
            if (onnx_import::reads_eight_bit(ctx, node)) onnx_import::convert_eight_bit(ctx, node, entry->convert);
            else entry->convert(ctx, node);
        } catch (const Error& e) {
            rethrow_in_context(e, file, node);
        }
    }

    if (graph.output_size() == 0) user_error("{}: the graph has no outputs", file);
    for (const onnx::ValueInfoProto& out : graph.output()) {
        if (ctx.is_constant(out.name()))
            user_error("{}: graph output '{}' is a constant; sqzc needs outputs computed from the input", file,
                       out.name());
        if (ctx.eight_bit(out.name()))
            user_error("{}: graph output '{}' is an 8-bit tensor; sqzc's outputs are float (end the model with "
                       "DequantizeLinear)", file, out.name());
        if (const std::string* value = ctx.alias(out.name())) {
            // A DequantizeLinear output: the output keeps its name.
            builder.identity(out.name(), *value);
        } else if (!ctx.is_value(out.name())) {
            user_error("{}: graph output '{}' is not produced by any node", file, out.name());
        }
        builder.output(out.name());
    }
    ir::Graph result;
    try {
        result = builder.finish();
    } catch (const Error& e) {
        user_error("{}: {}", file, e.what());
    }
    for (auto& [constant, values] : ctx.bindings()) {
        ir::Constant* c = result.find_constant(constant);
        SQZ_ASSERT(c != nullptr, "the builder made no constant '{}'", constant);
        c->bind(std::move(values));
    }
    for (auto& [constant, weights] : ctx.int8_bindings()) {
        ir::Constant* c = result.find_constant(constant);
        SQZ_ASSERT(c != nullptr, "the builder made no constant '{}'", constant);
        c->bind_int8(std::move(weights));
    }
    result.activation_quant = ctx.roundings();
    result.preprocess = read_onnx_preprocess(model, file, torchvision_preprocess());
    return result;
}

}  // namespace

ir::Graph parse_onnx(std::string_view bytes, const std::string& file) {
    if (bytes.empty()) user_error("{}: not a valid ONNX model (the file is empty)", file);
    if (bytes.size() > static_cast<size_t>(INT_MAX))
        user_error("{}: {} bytes is more than an ONNX model can hold", file, bytes.size());
    onnx::ModelProto model;
    if (!model.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
        user_error("{}: not a valid ONNX model (protobuf parse failed)", file);
    return import_model(model, file);
}

ir::Graph load_onnx(const std::string& path) { return parse_onnx(read_file(path), path); }

}  // namespace sqz::compiler
