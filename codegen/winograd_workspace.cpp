// The Winograd workspace's shape and when a conv needs one (see winograd_workspace.h).
#include "codegen/winograd_workspace.h"

#include "ir/conv_algorithm.h"
#include "ir/error.h"

namespace sqz::codegen {
namespace {

bool is_winograd(const ir::Node& conv) {
    return conv.op == ir::OpKind::Conv && conv.conv().algorithm != ir::ConvAlgorithm::Direct;
}

// The bytes of V for one row of tiles of `conv`, reading dims `input`.
int64_t winograd_row_bytes(const ir::Node& conv, const ir::Dims& input) {
    SQZ_ASSERT(is_winograd(conv) && input.size() == 4 && conv.type.dims.size() == 4, "conv '{}' is not a Winograd conv",
               conv.name);
    const int64_t m = ir::winograd_tile(conv.conv().algorithm), n = m + 2;
    const int64_t tiles_x = (conv.type.dims[3] + m - 1) / m;
    return input[1] * tiles_x * n * n * static_cast<int64_t>(sizeof(float));
}

}  // namespace

bool needs_winograd_workspace(const ir::Node& conv, const ir::Dims& input) {
    return is_winograd(conv) && winograd_row_bytes(conv, input) > kWinogradRowStackBytes;
}

std::vector<int> winograd_workspace_extents(const ir::Node& conv, const ir::Dims& input) {
    SQZ_ASSERT(needs_winograd_workspace(conv, input), "conv '{}' has no Winograd workspace", conv.name);
    const int m = ir::winograd_tile(conv.conv().algorithm), n = m + 2;
    const int out_h = static_cast<int>(conv.type.dims[2]), out_w = static_cast<int>(conv.type.dims[3]);
    return {static_cast<int>(input[1]), (out_w + m - 1) / m, n, n, (out_h + m - 1) / m, static_cast<int>(input[0])};
}

}  // namespace sqz::codegen
