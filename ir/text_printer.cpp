// Printing the IR's text form (see text_form.h).
#include "ir/text_form.h"

#include "ir/error.h"

#include <fmt/format.h>

#include <cstring>

namespace sqz::ir {
namespace {

bool is_plain_word(const std::string& s) {
    if (s.empty()) return false;
    for (char c : s)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
              c == '/' || c == '+' || c == '-'))
            return false;
    return true;
}

std::string hex_bytes(const void* data, size_t size) {
    static const char* digits = "0123456789abcdef";
    std::string out;
    out.reserve(size * 2 + 2);
    out.push_back('"');
    const auto* bytes = static_cast<const unsigned char*>(data);
    for (size_t i = 0; i < size; ++i) {
        out.push_back(digits[bytes[i] >> 4]);
        out.push_back(digits[bytes[i] & 15]);
    }
    out.push_back('"');
    return out;
}

std::string hex_floats(const std::vector<float>& values) {
    // Little-endian float32 bytes, independent of the host's byte order.
    std::vector<unsigned char> bytes(values.size() * 4);
    for (size_t i = 0; i < values.size(); ++i) {
        uint32_t bits = 0;
        std::memcpy(&bits, &values[i], 4);
        for (int b = 0; b < 4; ++b) bytes[i * 4 + b] = static_cast<unsigned char>(bits >> (8 * b));
    }
    return hex_bytes(bytes.data(), bytes.size());
}

std::string window_attrs(const Window& w) {
    return fmt::format("kernel={}x{} stride={}x{} pads={},{},{},{}", w.kernel_h, w.kernel_w, w.stride_h, w.stride_w,
                       w.pad_top, w.pad_left, w.pad_bottom, w.pad_right);
}

std::string attrs_text(const Node& node) {
    switch (op_info(node.op).attrs) {
    case AttrKind::None: return "";
    case AttrKind::Conv: {
        const ConvAttrs& a = node.conv();
        std::string quant;
        if (a.quant.int8_input) quant += fmt::format(" int8_input_scale={}", a.quant.input_scale);
        if (a.quant.int8_input && a.quant.input_zero_point != 0)
            quant += fmt::format(" input_zero_point={}", a.quant.input_zero_point);
        if (a.quant.rounds_float_input())
            quant += fmt::format(" input_quant_scale={} input_zero_point={}", a.quant.input_scale,
                                 a.quant.input_zero_point);
        if (a.quant.u8_output) quant += fmt::format(" u8_output_scale={}", a.quant.output_scale);
        if (a.quant.residual_scale > 0) quant += fmt::format(" u8_residual_scale={}", a.quant.residual_scale);
        const std::string algorithm =
            a.algorithm == ConvAlgorithm::Direct ? "" : fmt::format(" algorithm={}", conv_algorithm_name(a.algorithm));
        return fmt::format(" [out={} {}{}{}{}{}]", a.out_channels, window_attrs(a.window), a.relu ? " relu" : "",
                           a.residual ? fmt::format(" residual_offset={}", a.residual_offset) : "", quant, algorithm);
    }
    case AttrKind::Pool: {
        const PoolAttrs& a = node.pool();
        return fmt::format(" [{}{}{}]", window_attrs(a.window), a.rounding == Rounding::Ceil ? " ceil" : "",
                           a.count_include_pad ? " count_include_pad" : "");
    }
    case AttrKind::Concat:
        return fmt::format(" [axis={}{}]", node.concat().axis, node.concat().in_place ? " in_place" : "");
    case AttrKind::Softmax: return fmt::format(" [axis={}]", node.softmax().axis);
    case AttrKind::Reshape: return fmt::format(" [shape={}]", fmt::join(node.reshape().shape, ","));
    }
    SQZ_ASSERT(false, "unknown attribute kind");
}

}  // namespace

std::string quote_name(const std::string& name) {
    if (is_plain_word(name)) return name;
    std::string out = "\"";
    for (char c : name) {
        if (c == '"' || c == '\\') out.push_back('\\');
        out.push_back(c);
    }
    out.push_back('"');
    return out;
}

std::string print_graph(const Graph& graph, const PrintOptions& options) {
    std::string out = "sqzir 1\n";
    out += fmt::format("graph {} batch={}{}\n", quote_name(graph.name), graph.batch,
                       graph.layout == ActivationLayout::NHWC ? " layout=nhwc" : "");
    const Preprocess& pre = graph.preprocess;
    out += fmt::format("preprocess order={} scale={} mean={},{},{} std={},{},{}\n",
                       pre.channel_order == Preprocess::Order::BGR ? "bgr" : "rgb", pre.pixel_scale, pre.mean[0],
                       pre.mean[1], pre.mean[2], pre.std[0], pre.std[1], pre.std[2]);
    for (const GraphInput& in : graph.inputs) out += fmt::format("input {} : {}\n", quote_name(in.name), to_string(in.type));
    for (const Constant& c : graph.constants) {
        out += fmt::format("const {} : {}", quote_name(c.name), to_string(c.type));
        if (options.with_values && c.bound()) {
            out += " = hex " + hex_floats(*c.values);
            if (c.codebook) {
                const CodebookWeights& cb = *c.codebook;
                out += fmt::format(" codebook bits={} gap_bits={} hex {} hex {} hex {}", cb.bits, cb.gap_bits,
                                   hex_floats(cb.codebook), hex_bytes(cb.codes.data(), cb.codes.size()),
                                   hex_bytes(cb.gaps.data(), cb.gaps.size()));
            }
            if (c.int8)
                out += fmt::format(" int8 hex {} hex {}", hex_bytes(c.int8->values.data(), c.int8->values.size()),
                                   hex_floats(c.int8->scales));
        }
        out += "\n";
    }
    for (const Node& node : graph.nodes) {
        std::vector<std::string> inputs;
        for (const std::string& in : node.inputs) inputs.push_back(quote_name(in));
        out += fmt::format("node {} = {}({}){}{} : {}\n", quote_name(node.name), op_name(node.op),
                           fmt::join(inputs, ", "), attrs_text(node),
                           node.group.empty() ? "" : fmt::format(" {{group={}}}", quote_name(node.group)),
                           to_string(node.type));
    }
    for (const auto& [name, q] : graph.activation_quant)
        out += fmt::format("quant {} scale={} zero_point={}\n", quote_name(name), q.scale, q.zero_point);
    for (const std::string& name : graph.outputs) out += fmt::format("output {}\n", quote_name(name));
    return out;
}

}  // namespace sqz::ir
