// Pass choose-conv-algorithm (see choose_conv_algorithm.h).
#include "compiler/passes/choose_conv_algorithm.h"

#include "compiler/passes/conv_cost_model.h"
#include "ir/error.h"

#include <array>

namespace sqz::compiler {
namespace {

constexpr std::array<ir::ConvAlgorithm, 3> kWinograd = {ir::ConvAlgorithm::WinogradF2, ir::ConvAlgorithm::WinogradF4,
                                                        ir::ConvAlgorithm::WinogradF6};

ConvShape shape_of(const ir::Graph& graph, const ir::Node& conv) {
    const ir::Dims in = graph.type_of(conv.inputs[0]).dims;
    return {conv.type.dims[0], in[1], conv.type.dims[1], conv.type.dims[2], conv.type.dims[3]};
}

// The cheapest of `candidates` by the cost model.
template <size_t N>
ir::ConvAlgorithm cheapest(const ConvShape& shape, const std::array<ir::ConvAlgorithm, N>& candidates) {
    ir::ConvAlgorithm best = candidates[0];
    for (ir::ConvAlgorithm a : candidates)
        if (estimated_conv_us(shape, a) < estimated_conv_us(shape, best)) best = a;
    return best;
}

}  // namespace

std::string conv_algorithm_modes() { return "direct, winograd, winograd-f2, winograd-f4, winograd-f6, auto"; }

void check_conv_algorithm_mode(const std::string& mode) {
    if (mode == "auto" || mode == "winograd" || ir::parse_conv_algorithm(mode)) return;
    user_error("unknown convolution algorithm '{}' (choose {})", mode, conv_algorithm_modes());
}

bool winograd_eligible(const ir::Graph& graph, const ir::Node& conv) {
    if (conv.op != ir::OpKind::Conv || !conv.group.empty() || graph.layout != ir::ActivationLayout::NHWC) return false;
    const ir::ConvAttrs& a = conv.conv();
    const ir::Window& w = a.window;
    return w.kernel_h == 3 && w.kernel_w == 3 && w.stride_h == 1 && w.stride_w == 1 && !a.quant.any() &&
           conv.type.rank() == 4;
}

ir::Graph choose_conv_algorithm(ir::Graph graph, const std::string& mode) {
    check_conv_algorithm_mode(mode);
    const std::optional<ir::ConvAlgorithm> forced = ir::parse_conv_algorithm(mode);
    for (ir::Node& node : graph.nodes) {
        if (node.op != ir::OpKind::Conv) continue;
        ir::ConvAlgorithm& algorithm = node.conv().algorithm;
        algorithm = ir::ConvAlgorithm::Direct;
        if (!winograd_eligible(graph, node)) continue;
        const ConvShape shape = shape_of(graph, node);
        if (forced) algorithm = *forced;
        else if (mode == "winograd") algorithm = cheapest(shape, kWinograd);
        else algorithm = cheapest(shape, std::array<ir::ConvAlgorithm, 4>{ir::ConvAlgorithm::Direct, kWinograd[0],
                                                                            kWinograd[1], kWinograd[2]});
    }
    return graph;
}

}  // namespace sqz::compiler
