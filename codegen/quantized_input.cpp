// The quantised-input workspace's shape (see quantized_input.h).
#include "codegen/quantized_input.h"

#include "ir/error.h"

namespace sqz::codegen {

bool needs_quantized_input(const ir::Graph& graph, const ir::Node& conv) {
    return conv.op == ir::OpKind::Conv && conv.conv().quant.int8_input &&
           graph.type_of(conv.inputs[0]).dtype == ir::DType::F32;
}

std::vector<int> quantized_input_extents(const ir::Node& conv, const ir::Dims& input) {
    SQZ_ASSERT(conv.op == ir::OpKind::Conv && input.size() == 4, "conv '{}' has no quantised input", conv.name);
    const ir::Window& w = conv.conv().window;
    return {static_cast<int>((input[1] + 3) / 4 * 4), static_cast<int>(w.pad_left + input[3] + w.pad_right),
            static_cast<int>(w.pad_top + input[2] + w.pad_bottom), static_cast<int>(input[0])};
}

}  // namespace sqz::codegen
