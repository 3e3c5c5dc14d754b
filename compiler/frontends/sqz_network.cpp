// The .sqz network generator (see sqz_network.h): one ir::GraphBuilder call sequence per layer,
// with Caffe SqueezeNet's names, and every builder error reported at the layer's line.
#include "compiler/frontends/sqz_network.h"

#include "ir/builder.h"
#include "ir/error.h"

#include <map>
#include <utility>

namespace sqz::compiler {
namespace {

using ir::GraphBuilder;
using ir::square_window;
using Kind = SqzLayer::Kind;

// "conv1" -> "relu_conv1", "fire2/squeeze1x1" -> "fire2/relu_squeeze1x1" (Caffe's naming).
std::string relu_name(const std::string& name) {
    size_t slash = name.rfind('/');
    if (slash == std::string::npos) return "relu_" + name;
    return name.substr(0, slash + 1) + "relu_" + name.substr(slash + 1);
}

class NetworkBuilder {
public:
    explicit NetworkBuilder(const SqzNetwork& network) : network_(network), b_(network.name, 1) {}

    ir::Graph build() {
        if (network_.layers.empty()) sqz_fail(network_.input_where, "the network has no layers");
        guarded(network_.input_where, [&] { return b_.input("data", {ir::DType::F32, network_.input}); });
        previous_ = "data";
        for (const SqzLayer& layer : network_.layers) {
            if (layer.name == "data")
                sqz_fail(layer.where, "the layer name 'data' is taken by the network's input");
            auto [it, fresh] = outputs_.emplace(layer.name, layer.where);
            if (!fresh)
                sqz_fail(layer.where, fmt::format("duplicate layer name '{}' (first defined at {})", layer.name,
                                                  it->second.where));
            previous_ = add_layer(layer);
            values_[layer.name] = previous_;
            check_sizes(layer);
        }
        b_.output(previous_);
        return guarded(network_.layers.back().where, [&] { return b_.finish(); });
    }

private:
    template <typename Fn>
    auto guarded(const SqzValue& where, Fn fn) -> decltype(fn()) {
        try {
            return fn();
        } catch (const Error& e) {
            sqz_fail(where, e.what());
        }
    }

    // The values a layer reads: its `from` names (layer names, the input "data", or a node inside a
    // Fire module such as fire2/squeeze1x1), or the previous layer's output.
    std::vector<std::string> inputs_of(const SqzLayer& layer) const {
        if (layer.from.empty()) return {previous_};
        std::vector<std::string> out;
        for (const std::string& name : layer.from) {
            auto it = values_.find(name);
            if (it != values_.end()) out.push_back(it->second);
            else if (name == "data" || b_.graph().find_node(name)) out.push_back(name);
            else sqz_fail(layer.where, fmt::format("layer '{}' reads '{}', which is not defined before it", layer.name, name));
        }
        return out;
    }

    std::string add_layer(const SqzLayer& l) {
        std::vector<std::string> in = inputs_of(l);
        const std::string& x = in.front();
        if (l.kind == Kind::Fire && l.bypass == SqzBypass::Simple) {
            const ir::TensorType t = b_.type_of(x);
            const int64_t in_channels = t.rank() == 4 ? t.dims[1] : 0;
            if (in_channels != l.expand1x1 + l.expand3x3)
                sqz_fail(l.bypass_where,
                         fmt::format("{}: a simple bypass needs as many input as output channels, but {} takes {} "
                                     "channels and gives {} (a complex bypass adds a 1x1 conv that matches them)",
                                     l.name, l.name, in_channels, l.expand1x1 + l.expand3x3));
        }
        return guarded(l.where, [&]() -> std::string {
            switch (l.kind) {
            case Kind::Conv: {
                std::string c = b_.conv(l.name, x, l.filters, square_window(l.kernel, l.stride, l.pad));
                return l.relu ? b_.relu(relu_name(l.name), c) : c;
            }
            case Kind::Relu: return b_.relu(l.name, x);
            case Kind::MaxPool: return b_.max_pool(l.name, x, square_window(l.kernel, l.stride, l.pad), l.rounding);
            case Kind::AvgPool:
                return b_.avg_pool(l.name, x, square_window(l.kernel, l.stride, l.pad), l.rounding, true);
            case Kind::GlobalAvgPool: return b_.global_avg_pool(l.name, x);
            case Kind::Fire: return add_fire(l, x);
            case Kind::Concat: return b_.concat(l.name, in, 1);
            case Kind::Add: return b_.add(l.name, in[0], in[1]);
            case Kind::Dropout: return b_.dropout(l.name, x);
            case Kind::Softmax: return b_.softmax(l.name, x, 1);
            case Kind::Flatten: return b_.flatten(l.name, x);
            }
            SQZ_ASSERT(false, "unhandled layer kind {}", static_cast<int>(l.kind));
        });
    }

    // A Fire module as Caffe's SqueezeNet writes it, plus the optional bypass:
    //   x -> squeeze1x1 -> relu -> { expand1x1 -> relu, expand3x3 (pad 1) -> relu } -> concat [-> bypass Add]
    std::string add_fire(const SqzLayer& l, const std::string& x) {
        const std::string& n = l.name;
        const int64_t out_channels = l.expand1x1 + l.expand3x3;
        std::string s = b_.relu(n + "/relu_squeeze1x1", b_.conv(n + "/squeeze1x1", x, l.squeeze, square_window(1)));
        std::string e1 = b_.relu(n + "/relu_expand1x1", b_.conv(n + "/expand1x1", s, l.expand1x1, square_window(1)));
        std::string e3 =
            b_.relu(n + "/relu_expand3x3", b_.conv(n + "/expand3x3", s, l.expand3x3, square_window(3, 1, 1)));
        std::string out = b_.concat(n + "/concat", {e1, e3}, 1);
        switch (l.bypass) {
        case SqzBypass::None: return out;
        case SqzBypass::Simple: return b_.add(n + "/bypass", out, x);
        case SqzBypass::Complex:
            return b_.add(n + "/bypass", out, b_.conv(n + "/bypass_conv1x1", x, out_channels, square_window(1)));
        }
        SQZ_ASSERT(false, "unhandled bypass kind {}", static_cast<int>(l.bypass));
    }

    // Refuses activations and parameter totals beyond ir::Limits as soon as a layer creates them.
    void check_sizes(const SqzLayer& layer) {
        const ir::Graph& g = b_.graph();
        for (; checked_nodes_ < g.nodes.size(); ++checked_nodes_) {
            const ir::Node& node = g.nodes[checked_nodes_];
            if (!ir::checked_numel(node.type.dims))
                sqz_fail(layer.where, fmt::format("layer '{}': '{}' would be {}, more than {} elements or a "
                                                  "dimension over {}",
                                                  layer.name, node.name, ir::to_string(node.type),
                                                  ir::Limits::max_elements, ir::Limits::max_dim));
        }
        for (; checked_constants_ < g.constants.size(); ++checked_constants_)
            parameters_ += g.constants[checked_constants_].type.numel();
        if (parameters_ > ir::Limits::max_elements)
            sqz_fail(layer.where, fmt::format("layer '{}' brings the network to {} parameters, more than the limit "
                                              "of {}",
                                              layer.name, parameters_, ir::Limits::max_elements));
    }

    const SqzNetwork& network_;
    GraphBuilder b_;
    std::string previous_;
    std::map<std::string, SqzValue> outputs_;      // layer name -> where it is defined
    std::map<std::string, std::string> values_;    // layer name -> the value it produces
    size_t checked_nodes_ = 0;
    size_t checked_constants_ = 0;
    int64_t parameters_ = 0;
};

}  // namespace

size_t sqz_layer_node_count(const SqzLayer& layer) {
    switch (layer.kind) {
    case Kind::Conv: return layer.relu ? 2 : 1;
    case Kind::Fire: return 7 + (layer.bypass == SqzBypass::None ? 0 : layer.bypass == SqzBypass::Simple ? 1 : 2);
    default: return 1;
    }
}

ir::Graph build_sqz_network(const SqzNetwork& network) { return NetworkBuilder(network).build(); }

}  // namespace sqz::compiler
