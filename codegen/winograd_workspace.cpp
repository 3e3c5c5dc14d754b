// The Winograd workspace's shape (see winograd_workspace.h).
#include "codegen/winograd_workspace.h"

#include "ir/conv_algorithm.h"
#include "ir/error.h"

namespace sqz::codegen {

bool needs_winograd_workspace(const ir::Node& conv) {
    return conv.op == ir::OpKind::Conv && conv.conv().algorithm != ir::ConvAlgorithm::Direct;
}

std::vector<int> winograd_workspace_extents(const ir::Node& conv, const ir::Dims& input) {
    SQZ_ASSERT(needs_winograd_workspace(conv) && input.size() == 4 && conv.type.dims.size() == 4,
               "conv '{}' has no Winograd workspace", conv.name);
    const int m = ir::winograd_tile(conv.conv().algorithm), n = m + 2;
    const int out_h = static_cast<int>(conv.type.dims[2]), out_w = static_cast<int>(conv.type.dims[3]);
    return {static_cast<int>(input[1]), (out_w + m - 1) / m, (out_h + m - 1) / m, n, n, static_cast<int>(input[0])};
}

}  // namespace sqz::codegen
