// A quantized model's own int8 scales and the approximations of its int8 form (see model_scales.h).
#include "compiler/model_scales.h"

#include "compiler/passes/rewrite.h"
#include "ir/error.h"
#include "ir/quantization.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>

namespace sqz::compiler {
namespace {

using Chain = std::vector<std::string>;

bool preserves_grid(ir::OpKind op) {
    return op == ir::OpKind::Relu || op == ir::OpKind::Dropout || op == ir::OpKind::Identity ||
           op == ir::OpKind::Flatten || op == ir::OpKind::Reshape;
}

// The residual that the conv (or every conv of the concat) producing `value` adds, or "".
std::string residual_of(const ir::Graph& g, const std::string& value) {
    const ir::Node* n = g.find_node(value);
    if (!n) return "";
    if (n->op == ir::OpKind::Conv) return n->conv().residual ? n->residual_input() : "";
    if (n->op != ir::OpKind::Concat) return "";
    std::string shared;
    for (const std::string& in : n->inputs) {
        const ir::Node* p = g.find_node(in);
        if (!p || p->op != ir::OpKind::Conv || !p->conv().residual) return "";
        if (!shared.empty() && shared != p->residual_input()) return "";
        shared = p->residual_input();
    }
    return shared;
}

// The in-place concat a conv writes its slice of, or null.
const ir::Node* concat_slice_of(const ir::Graph& g, const std::string& conv) {
    const std::vector<size_t> readers = users(g, conv);
    if (readers.size() != 1) return nullptr;
    const ir::Node& k = g.nodes[readers[0]];
    return k.op == ir::OpKind::Concat && k.concat().in_place ? &k : nullptr;
}

// The model's values behind each value of the optimised graph (see model_scales.h).
class Chains {
public:
    Chains(const ir::Graph& model, const ir::Graph& optimized) : model_(model) {
        std::map<std::string, std::string> alias;
        for (const ir::GraphInput& in : model.inputs) alias[in.name] = in.name;
        for (const ir::Node& n : model.nodes) {
            std::string to;
            if (optimized.find_node(n.name)) to = n.name;
            else if (preserves_grid(n.op)) to = alias[n.inputs[0]];
            else if (n.op == ir::OpKind::Add) {
                // A bypass add now lives in the epilogue of the convs producing one operand.
                const std::string a = alias[n.inputs[0]], b = alias[n.inputs[1]];
                if (!a.empty() && !b.empty()) to = residual_of(optimized, a) == b ? a : residual_of(optimized, b) == a ? b : "";
            }
            alias[n.name] = to;
        }
        auto place = [&](const std::string& value) {
            const std::string& to = alias[value];
            if (!to.empty()) chains_[to].push_back(value);
            else if (model.activation_quant.count(value)) lost_.push_back(value);
        };
        for (const ir::GraphInput& in : model.inputs) place(in.name);
        for (const ir::Node& n : model.nodes) place(n.name);
    }

    const Chain& of(const std::string& value) const {
        static const Chain none;
        auto it = chains_.find(value);
        return it == chains_.end() ? none : it->second;
    }
    const std::vector<std::string>& lost() const { return lost_; }

    std::optional<ir::ActivationQuant> rounding_of(const std::string& model_value) const {
        auto it = model_.activation_quant.find(model_value);
        if (it == model_.activation_quant.end()) return std::nullopt;
        return it->second;
    }

    // The rounding in effect at the end of chain[0, end): the last one, if only value-preserving
    // nodes follow it.
    std::optional<ir::ActivationQuant> last_rounding(const Chain& chain, size_t end) const {
        for (size_t i = end; i-- > 0;) {
            if (auto r = rounding_of(chain[i])) return r;
            const ir::Node* n = model_.find_node(chain[i]);
            if (!n || !preserves_grid(n->op)) return std::nullopt;
        }
        return std::nullopt;
    }
    std::optional<ir::ActivationQuant> last_rounding(const std::string& value) const {
        const Chain& c = of(value);
        return last_rounding(c, c.size());
    }

    // The chain up to (not including) its bypass Add, if it has one.
    size_t before_add(const Chain& chain) const {
        for (size_t i = 0; i < chain.size(); ++i) {
            const ir::Node* n = model_.find_node(chain[i]);
            if (i > 0 && n && n->op == ir::OpKind::Add) return i;
        }
        return chain.size();
    }

    // For a conv that adds a residual: the rounding the model applies before the bypass add, in the
    // conv's own chain or in its concat's.
    std::optional<ir::ActivationQuant> before_residual(const ir::Graph& g, const std::string& conv) const {
        const Chain& own = of(conv);
        if (auto r = last_rounding(own, before_add(own))) return r;
        const ir::Node* concat = concat_slice_of(g, conv);
        if (!concat || before_add(own) < own.size()) return std::nullopt;
        const Chain& c = of(concat->name);
        return last_rounding(c, before_add(c));
    }

private:
    const ir::Graph& model_;
    std::map<std::string, Chain> chains_;
    std::vector<std::string> lost_;
};

// "a, b, c and 4 more"
std::string name_list(const std::vector<std::string>& names) {
    constexpr size_t kShown = 4;
    std::string out;
    for (size_t i = 0; i < names.size() && i < kShown; ++i) out += (i ? ", " : "") + names[i];
    if (names.size() > kShown) out += fmt::format(" and {} more", names.size() - kShown);
    return out;
}

// The scale of a u8 value of the quantised graph.
double u8_scale(const ir::Graph& g, const std::string& value) {
    const ir::Node* n = g.find_node(value);
    SQZ_ASSERT(n && n->type.dtype == ir::DType::U8, "'{}' is not a u8 value", value);
    if (n->op == ir::OpKind::Conv) return n->conv().quant.output_scale;
    return u8_scale(g, n->inputs[0]);  // a max pool keeps its input's scale, a concat its slices'
}

// Whether the biases of an int8 conv are what the model adds, to float32 precision: on the grid of
// the accumulator (input scale x weight scale).
bool bias_on_grid(const ir::Graph& g, const ir::Node& conv) {
    if (!conv.has_bias()) return true;
    const ir::Constant& bias = *g.find_constant(conv.inputs[2]);
    const ir::Int8ConvParams p = ir::int8_conv_params(*g.find_constant(conv.inputs[1]), &bias, conv.conv().quant);
    for (size_t o = 0; o < p.bias.size(); ++o) {
        const double b = bias.data()[o];
        const double unit = conv.conv().quant.input_scale * p.weight_scales[o];
        if (std::fabs(p.bias[o] * unit - b) > 0x1p-20 * std::fabs(b) + 1e-30) return false;
    }
    return true;
}

}  // namespace

Int8Scales model_int8_scales(const ir::Graph& model, const ir::Graph& optimized) {
    const Chains chains(model, optimized);
    Int8Scales s;
    auto note_rounding = [&](const std::string& value) {
        if (auto r = chains.last_rounding(value)) s.rounded_inputs[value] = *r;
    };
    for (const ir::GraphInput& in : optimized.inputs) note_rounding(in.name);
    for (const ir::Node& n : optimized.nodes) {
        note_rounding(n.name);
        if (auto r = chains.last_rounding(n.name); r && r->zero_point == 0) s.u8[n.name] = r->scale;
    }
    for (const ir::Node& n : optimized.nodes) {
        if (n.op != ir::OpKind::Conv) continue;
        if (!optimized.find_constant(n.inputs[1])->int8) s.float_convs.insert(n.name);
        if (n.conv().residual) {
            if (auto r = chains.before_residual(optimized, n.name); r && r->zero_point == 0) s.clamps_at_zero.insert(n.name);
        } else {
            const ir::Node* concat = concat_slice_of(optimized, n.name);
            if (s.u8.count(concat ? concat->name : n.name)) s.clamps_at_zero.insert(n.name);
        }
    }
    return s;
}

std::vector<std::string> int8_approximations(const ir::Graph& model, const ir::Graph& quantized) {
    const Chains chains(model, quantized);
    std::vector<std::string> in_float, skipped, rounded_before_add, off_grid_bias;
    int fixed_point = 0;
    auto is_u8 = [&](const std::string& v) {
        const ir::Node* n = quantized.find_node(v);
        return n && n->type.dtype == ir::DType::U8;
    };
    std::vector<std::string> values;
    for (const ir::GraphInput& in : quantized.inputs) values.push_back(in.name);
    for (const ir::Node& n : quantized.nodes) values.push_back(n.name);
    for (const std::string& v : values) {
        const Chain& chain = chains.of(v);
        const std::optional<ir::ActivationQuant> last = chains.last_rounding(v);
        if (is_u8(v)) {
            // Every rounding of the chain is sqzc's one rounding to the u8 scale.
            const ir::ActivationQuant kept{u8_scale(quantized, v), 0};
            for (const std::string& m : chain)
                if (auto r = chains.rounding_of(m); r && *r != kept) skipped.push_back(m);
            continue;
        }
        for (const std::string& m : chain)
            if (auto r = chains.rounding_of(m); r && (!last || *r != *last)) skipped.push_back(m);
        if (!last) continue;
        // A float value keeps its rounding only where a conv rounds (or quantises) its input so.
        bool honoured = !is_graph_output(quantized, v);
        for (size_t i : users(quantized, v)) {
            const ir::Node& k = quantized.nodes[i];
            const bool rounds = k.op == ir::OpKind::Conv && k.inputs[0] == v && k.conv().quant.input_scale > 0 &&
                                k.conv().quant.input_scale == last->scale &&
                                k.conv().quant.input_zero_point == last->zero_point &&
                                std::count(k.inputs.begin(), k.inputs.end(), v) == 1;
            honoured = honoured && rounds;
        }
        if (!honoured) in_float.push_back(v);
    }
    for (const ir::Node& n : quantized.nodes) {
        if (n.op != ir::OpKind::Conv || !n.conv().quant.int8_input) continue;
        if (n.conv().quant.u8_output) ++fixed_point;
        if (!bias_on_grid(quantized, n)) off_grid_bias.push_back(n.name);
        if (n.conv().residual && n.conv().quant.u8_output && !chains.before_residual(quantized, n.name))
            rounded_before_add.push_back(n.name);
    }

    std::vector<std::string> notes;
    if (fixed_point > 0)
        notes.push_back(fmt::format("{} int8 convolution{} in fixed point, rounding half up, where ONNX "
                                    "rounds float32 values half to even (a value at a rounding boundary can land one "
                                    "step apart)", fixed_point, fixed_point == 1 ? " requantises" : "s requantise"));
    if (!in_float.empty())
        notes.push_back(fmt::format("kept in float32 where the model rounds to 8 bits: {}", name_list(in_float)));
    if (!skipped.empty())
        notes.push_back(fmt::format("roundings merged into the next one (sqzc rounds once): {}", name_list(skipped)));
    if (!rounded_before_add.empty())
        notes.push_back(fmt::format("rounded before the bypass add, where the model rounds only the sum: {}",
                                    name_list(rounded_before_add)));
    if (!off_grid_bias.empty())
        notes.push_back(fmt::format("biases rounded to the accumulator's scale (input x weight scale): {}",
                                    name_list(off_grid_bias)));
    if (!chains.lost().empty())
        notes.push_back(fmt::format("roundings dropped with the nodes the passes removed: {}", name_list(chains.lost())));
    return notes;
}

}  // namespace sqz::compiler
