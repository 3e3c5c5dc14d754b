// Conv input borders (see conv_border.h).
#include "codegen/conv_border.h"

#include <algorithm>

namespace sqz::codegen {

int conv_input_border(const ir::Node& conv, const ir::Dims& input) {
    const ir::ConvAttrs& a = conv.conv();
    const ir::Window& w = a.window;
    int64_t border = std::max({w.pad_top, w.pad_left, w.pad_bottom, w.pad_right});
    const int m = ir::winograd_tile(a.algorithm);
    if (m > 0 && input.size() == 4) {
        // Tiles start at m t - pad and read m + 2 pixels; the last of ceil(out / m) tiles reads up
        // to m ceil(out / m) - pad + 1, which is past the map's last pixel (in - 1) by this much.
        for (int axis : {2, 3}) {
            const int64_t in = input[static_cast<size_t>(axis)];
            const int64_t pad_low = axis == 2 ? w.pad_top : w.pad_left;
            const int64_t pad_high = axis == 2 ? w.pad_bottom : w.pad_right;
            const int64_t out = in + pad_low + pad_high - 2;
            const int64_t tiles = (out + m - 1) / m;
            border = std::max(border, m * tiles - pad_low + 2 - in);
        }
    }
    return static_cast<int>(border);
}

}  // namespace sqz::codegen
