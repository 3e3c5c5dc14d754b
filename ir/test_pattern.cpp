// The built-in test pattern (see test_pattern.h).
#include "ir/test_pattern.h"

#include "ir/error.h"

#include <cmath>

namespace sqz::ir {

Tensor test_pattern(const TensorType& type) {
    SQZ_ASSERT(type.rank() == 4, "test pattern needs an NCHW type, got {}", ir::to_string(type));
    const int64_t n = type.dims[0], channels = type.dims[1], height = type.dims[2], width = type.dims[3];
    ir::Tensor t{type.dims, std::vector<float>(static_cast<size_t>(type.numel()))};
    size_t i = 0;
    for (int64_t b = 0; b < n; ++b)
        for (int64_t c = 0; c < channels; ++c)
            for (int64_t h = 0; h < height; ++h)
                for (int64_t w = 0; w < width; ++w) {
                    double v = 100.0 * std::sin(0.1 * h + 0.7 * c) * std::cos(0.05 * w) +
                               20.0 * static_cast<double>((7 * h + 13 * w + 5 * c) % 11) / 11.0 - 10.0;
                    t.data[i++] = static_cast<float>(v);
                }
    return t;
}

}  // namespace sqz::ir
