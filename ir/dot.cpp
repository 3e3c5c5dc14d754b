// Graphviz DOT text for a graph (see dot.h): node labels and styles, edge labels, and the nesting
// of Fire-module and fusion-group clusters.
#include "ir/dot.h"

#include <fmt/format.h>

#include <map>
#include <set>

namespace sqz::ir {
namespace {

// Fill colours, by what a node is.
constexpr const char* kConvFill = "#c6dbef";
constexpr const char* kFusedFill = "#fdae6b";
constexpr const char* kPoolFill = "#d9f0d3";
constexpr const char* kInPlaceFill = "#fff5eb";
constexpr const char* kInputFill = "#a1d99b";
constexpr const char* kOutputFill = "#fcbba1";
// Edge colours for the fused data paths.
constexpr const char* kSliceColor = "#e6550d";
constexpr const char* kResidualColor = "#756bb1";

std::string with_commas(int64_t v) {
    std::string digits = std::to_string(v < 0 ? -v : v), out = v < 0 ? "-" : "";
    for (size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
        out.push_back(digits[i]);
    }
    return out;
}

// "1x64x55x55"; "?" for a value without a type.
std::string shape_text(const Dims& dims) {
    if (dims.empty()) return "?";
    std::string out;
    for (size_t i = 0; i < dims.size(); ++i) out += (i ? "x" : "") + std::to_string(dims[i]);
    return out;
}

// "3x3, stride 2, pad 1" (pads listed top,left,bottom,right when they differ).
std::string window_text(const Window& w) {
    std::string out = fmt::format("{}x{}", w.kernel_h, w.kernel_w);
    out += w.stride_h == w.stride_w ? fmt::format(", stride {}", w.stride_h)
                                    : fmt::format(", stride {}x{}", w.stride_h, w.stride_w);
    const bool even = w.pad_top == w.pad_left && w.pad_top == w.pad_bottom && w.pad_top == w.pad_right;
    out += even ? fmt::format(", pad {}", w.pad_top)
                : fmt::format(", pads {},{},{},{}", w.pad_top, w.pad_left, w.pad_bottom, w.pad_right);
    return out;
}

// "fire2" for "fire2/squeeze1x1" (fire, digits, slash); empty for any other name.
std::string fire_of(const std::string& name) {
    if (name.compare(0, 4, "fire") != 0) return "";
    size_t i = 4;
    while (i < name.size() && name[i] >= '0' && name[i] <= '9') ++i;
    if (i == 4 || i >= name.size() || name[i] != '/') return "";
    return name.substr(0, i);
}

// Length of the valid UTF-8 sequence starting at s[i] (2 to 4), or 0 if there is none.
size_t utf8_sequence(const std::string& s, size_t i) {
    const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char c = byte(i);
    size_t n = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    if (c >= 0xC2 && c <= 0xDF) n = 2;
    else if (c >= 0xE0 && c <= 0xEF) n = 3, lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
    else if (c >= 0xF0 && c <= 0xF4) n = 4, lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
    else return 0;
    if (i + n > s.size() || byte(i + 1) < lo || byte(i + 1) > hi) return 0;
    for (size_t k = 2; k < n; ++k)
        if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
    return n;
}

// Label lines are escaped one by one and joined with DOT's centred line break.
std::string label(const std::vector<std::string>& lines) {
    std::string out;
    for (size_t i = 0; i < lines.size(); ++i) out += (i ? "\\n" : "") + dot_escape(lines[i]);
    return out;
}

class DotWriter {
public:
    explicit DotWriter(const Graph& graph) : graph_(graph) {}

    std::string write() {
        index_values();
        out_ += fmt::format("digraph \"{}\" {{\n", dot_escape(graph_.name));
        out_ += fmt::format(
            "  graph [label=\"{}\" labelloc=t fontname=\"Helvetica\" fontsize=16 rankdir=TB nodesep=0.3 "
            "ranksep=0.35];\n",
            label({graph_.name,
                   fmt::format("batch {}, activations {}, {} parameters", graph_.batch,
                               graph_.layout == ActivationLayout::NHWC ? "NHWC" : "NCHW",
                               with_commas(graph_.parameter_count()))}));
        out_ += "  node [shape=box style=\"rounded,filled\" fillcolor=\"white\" fontname=\"Helvetica\" fontsize=10];\n";
        out_ += "  edge [fontname=\"Helvetica\" fontsize=8 color=\"#555555\" arrowsize=0.6];\n";
        for (size_t i = 0; i < graph_.inputs.size(); ++i) {
            const GraphInput& in = graph_.inputs[i];
            out_ += fmt::format("  {} [shape=invhouse fillcolor=\"{}\" label=\"{}\"];\n", ids_.at(in.name), kInputFill,
                                label({"input " + in.name, shape_text(dims_.at(in.name))}));
        }
        write_nodes();
        for (size_t i = 0; i < graph_.outputs.size(); ++i)
            out_ += fmt::format("  out{} [shape=house fillcolor=\"{}\" label=\"{}\"];\n", i, kOutputFill,
                                label({"output " + graph_.outputs[i]}));
        for (const Node& node : graph_.nodes) write_edges(node);
        for (size_t i = 0; i < graph_.outputs.size(); ++i) {
            const std::string& name = graph_.outputs[i];
            if (!ids_.count(name)) continue;
            out_ += fmt::format("  {} -> out{} [label=\"{}\"];\n", ids_.at(name), i, shape_text(dims_.at(name)));
        }
        out_ += "}\n";
        return out_;
    }

private:
    // Generated identifiers and batched shapes of every drawn value (inputs and nodes).
    void index_values() {
        for (size_t i = 0; i < graph_.inputs.size(); ++i) {
            const GraphInput& in = graph_.inputs[i];
            ids_.emplace(in.name, fmt::format("in{}", i));
            Dims dims = in.type.dims;
            dims.insert(dims.begin(), graph_.batch);
            dims_.emplace(in.name, dims);
        }
        for (size_t i = 0; i < graph_.nodes.size(); ++i) {
            ids_.emplace(graph_.nodes[i].name, fmt::format("n{}", i));
            dims_.emplace(graph_.nodes[i].name, graph_.nodes[i].type.dims);
        }
    }

    // Places each node in its cluster: a Fire module, a fusion group inside one, or a group at top
    // level when its nodes span several Fire modules (or none). Then writes the nodes in graph
    // order, each cluster where its first node falls.
    void write_nodes() {
        const size_t n = graph_.nodes.size();
        std::vector<std::string> fire(n);
        std::map<std::string, std::set<std::string>> group_fires;
        for (size_t i = 0; i < n; ++i) {
            fire[i] = fire_of(graph_.nodes[i].name);
            if (!graph_.nodes[i].group.empty()) group_fires[graph_.nodes[i].group].insert(fire[i]);
        }
        for (size_t i = 0; i < n; ++i) {
            const std::string& group = graph_.nodes[i].group;
            if (!group.empty() && (group_fires[group].size() != 1 || group_fires[group].count("")))
                fire[i].clear();  // the group spans Fire modules: draw it at top level
        }
        std::set<std::string> written;
        for (size_t i = 0; i < n; ++i) {
            const Node& node = graph_.nodes[i];
            if (!fire[i].empty()) {
                if (written.insert("fire:" + fire[i]).second) write_fire_cluster(fire[i], fire);
            } else if (!node.group.empty()) {
                if (written.insert("group:" + node.group).second) write_group_cluster(node.group, 1);
            } else {
                write_node(node, 1);
            }
        }
    }

    void write_fire_cluster(const std::string& name, const std::vector<std::string>& fire) {
        out_ += fmt::format("  subgraph cluster_{} {{\n", name);
        out_ += fmt::format("    label=\"{}\"; style=\"rounded,filled\"; fillcolor=\"#f5f5f5\"; color=\"#969696\"; "
                            "fontname=\"Helvetica\"; fontsize=12;\n",
                            name);
        std::set<std::string> groups_written;
        for (size_t i = 0; i < graph_.nodes.size(); ++i) {
            if (fire[i] != name) continue;
            const Node& node = graph_.nodes[i];
            if (node.group.empty()) write_node(node, 2);
            else if (groups_written.insert(node.group).second) write_group_cluster(node.group, 2);
        }
        out_ += "  }\n";
    }

    void write_group_cluster(const std::string& group, int depth) {
        const std::string indent(2 * depth, ' ');
        out_ += fmt::format("{}subgraph cluster_group{} {{\n", indent, group_count_++);
        out_ += fmt::format("{}  label=\"{}\"; labeljust=l; style=\"rounded,dashed,filled\"; fillcolor=\"#fff5eb\"; "
                            "color=\"{}\"; fontname=\"Helvetica\"; fontsize=10;\n",
                            indent, dot_escape("fused kernel " + group), kSliceColor);
        for (const Node& node : graph_.nodes)
            if (node.group == group) write_node(node, depth + 1);
        out_ += indent + "}\n";
    }

    void write_node(const Node& node, int depth) {
        std::vector<std::string> lines = {node.name};
        std::string style;
        switch (node.op) {
            case OpKind::Conv: {
                const ConvAttrs& a = node.conv();
                lines.push_back(fmt::format("conv {}, out {}", window_text(a.window), a.out_channels));
                int64_t params = 0;
                for (const std::string& in : node.inputs)
                    if (const Constant* c = graph_.find_constant(in)) params += c->type.numel();
                lines.push_back(with_commas(params) + " params");
                if (a.algorithm != ConvAlgorithm::Direct) {
                    const int m = winograd_tile(a.algorithm);
                    lines.push_back(fmt::format("Winograd F({0}x{0}, 3x3)", m));
                }
                if (a.relu) lines.push_back("+ReLU");
                if (a.residual && !node.inputs.empty())
                    lines.push_back(fmt::format("+ residual from {} [{}, {})", node.inputs.back(), a.residual_offset,
                                                a.residual_offset + a.out_channels));
                style = fmt::format("fillcolor=\"{}\"", a.relu || a.residual ? kFusedFill : kConvFill);
                if (a.relu || a.residual) style += " penwidth=1.5";
                break;
            }
            case OpKind::MaxPool:
            case OpKind::AvgPool: {
                const PoolAttrs& a = node.pool();
                std::string text = fmt::format("{} {}", op_name(node.op), window_text(a.window));
                if (a.rounding == Rounding::Ceil) text += ", ceil";
                if (node.op == OpKind::AvgPool && a.count_include_pad) text += ", counts pad";
                lines.push_back(text);
                style = fmt::format("fillcolor=\"{}\"", kPoolFill);
                break;
            }
            case OpKind::GlobalAvgPool:
                lines.emplace_back(op_name(node.op));
                style = fmt::format("fillcolor=\"{}\"", kPoolFill);
                break;
            case OpKind::Concat: {
                const ConcatAttrs& a = node.concat();
                lines.push_back(fmt::format("concat axis {}", a.axis));
                if (a.in_place) {
                    lines.emplace_back("in place (no copy)");
                    style = fmt::format("style=\"rounded,filled,dashed\" fillcolor=\"{}\" color=\"{}\" penwidth=1.5",
                                        kInPlaceFill, kSliceColor);
                }
                break;
            }
            case OpKind::Softmax: lines.push_back(fmt::format("softmax axis {}", node.softmax().axis)); break;
            case OpKind::Reshape: lines.push_back("reshape to " + dims_to_string(node.reshape().shape)); break;
            default: lines.emplace_back(op_name(node.op)); break;
        }
        out_ += fmt::format("{}{} [label=\"{}\"{}{}];\n", std::string(2 * depth, ' '), ids_.at(node.name), label(lines),
                            style.empty() ? "" : " ", style);
    }

    // One edge per non-constant input, labelled with the value's shape; residual inputs and the
    // slices of an in-place concat are drawn apart.
    void write_edges(const Node& node) {
        const bool residual = node.op == OpKind::Conv && node.conv().residual;
        const bool in_place = node.op == OpKind::Concat && node.concat().in_place;
        int64_t slice_begin = 0;
        for (size_t i = 0; i < node.inputs.size(); ++i) {
            const std::string& in = node.inputs[i];
            if (!ids_.count(in)) continue;  // a constant: not drawn
            const Dims& dims = dims_.at(in);
            std::string text = shape_text(dims), attrs;
            if (residual && i + 1 == node.inputs.size()) {
                const ConvAttrs& a = node.conv();
                text += fmt::format("\\nresidual [{}, {})", a.residual_offset, a.residual_offset + a.out_channels);
                attrs = fmt::format(" style=dashed color=\"{}\" fontcolor=\"{}\"", kResidualColor, kResidualColor);
            } else if (in_place) {
                const int64_t axis = node.concat().axis;
                const int64_t extent = axis >= 0 && axis < static_cast<int64_t>(dims.size()) ? dims[axis] : 0;
                text += fmt::format("\\nwrites into [{}, {})", slice_begin, slice_begin + extent);
                slice_begin += extent;
                attrs = fmt::format(" penwidth=2 color=\"{}\" fontcolor=\"{}\"", kSliceColor, kSliceColor);
            }
            out_ += fmt::format("  {} -> {} [label=\"{}\"{}];\n", ids_.at(in), ids_.at(node.name), text, attrs);
        }
    }

    const Graph& graph_;
    std::map<std::string, std::string> ids_;
    std::map<std::string, Dims> dims_;
    std::string out_;
    int group_count_ = 0;
};

}  // namespace

std::string dot_escape(const std::string& text) {
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size();) {
        const unsigned char c = static_cast<unsigned char>(text[i]);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
            ++i;
        } else if (c >= 0x20 && c < 0x7F) {
            out += static_cast<char>(c);
            ++i;
        } else if (size_t n = c >= 0x80 ? utf8_sequence(text, i) : 0; n > 0) {
            out.append(text, i, n);
            i += n;
        } else {
            out += fmt::format("\\\\x{:02X}", c);  // shown as the four characters \xNN
            ++i;
        }
    }
    return out;
}

std::string to_dot(const Graph& graph) { return DotWriter(graph).write(); }

}  // namespace sqz::ir
