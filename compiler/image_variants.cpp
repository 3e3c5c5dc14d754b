// Mirrors and crops of a preprocessed input (see image_variants.h). The input is already
// preprocessed (an affine map per channel), so cropping and scaling it equals doing so to the
// pixels before preprocessing, up to rounding.
#include "compiler/image_variants.h"

#include "ir/error.h"

#include <algorithm>
#include <cmath>

namespace sqz::compiler {
namespace {

// The window [y0, y0 + size_h) x [x0, x0 + size_w) of `image` scaled to its full size (bilinear,
// pixel centres aligned), mirrored left to right if `flip`.
ir::Tensor crop(const ir::Tensor& image, double y0, double x0, double size_h, double size_w, bool flip) {
    const int64_t c = image.dims[1], h = image.dims[2], w = image.dims[3];
    ir::Tensor out{image.dims, std::vector<float>(image.data.size())};
    for (int64_t ch = 0; ch < c; ++ch) {
        const float* src = &image.data[static_cast<size_t>(ch * h * w)];
        float* dst = &out.data[static_cast<size_t>(ch * h * w)];
        for (int64_t y = 0; y < h; ++y) {
            const double sy = std::clamp(y0 + (y + 0.5) * size_h / h - 0.5, 0.0, static_cast<double>(h - 1));
            const auto y1 = static_cast<int64_t>(sy);
            const int64_t y2 = std::min(y1 + 1, h - 1);
            const double fy = sy - y1;
            for (int64_t x = 0; x < w; ++x) {
                const int64_t from = flip ? w - 1 - x : x;
                const double sx = std::clamp(x0 + (from + 0.5) * size_w / w - 0.5, 0.0, static_cast<double>(w - 1));
                const auto x1 = static_cast<int64_t>(sx);
                const int64_t x2 = std::min(x1 + 1, w - 1);
                const double fx = sx - x1;
                const double top = src[y1 * w + x1] * (1 - fx) + src[y1 * w + x2] * fx;
                const double bottom = src[y2 * w + x1] * (1 - fx) + src[y2 * w + x2] * fx;
                dst[y * w + x] = static_cast<float>(top * (1 - fy) + bottom * fy);
            }
        }
    }
    return out;
}

}  // namespace

std::vector<std::pair<std::string, ir::Tensor>> image_variants(const ir::Tensor& image) {
    SQZ_ASSERT(image.dims.size() == 4 && image.dims[0] == 1, "image variants of a {}-D input",
               image.dims.size());
    const double h = static_cast<double>(image.dims[2]), w = static_cast<double>(image.dims[3]);
    constexpr double kCrop = 0.8;
    std::vector<std::pair<std::string, ir::Tensor>> out;
    out.emplace_back("flip", crop(image, 0, 0, h, w, true));
    out.emplace_back("crop top-left", crop(image, 0, 0, kCrop * h, kCrop * w, false));
    out.emplace_back("crop bottom-right", crop(image, (1 - kCrop) * h, (1 - kCrop) * w, kCrop * h, kCrop * w, false));
    out.emplace_back("crop centre, flip",
                     crop(image, (1 - kCrop) / 2 * h, (1 - kCrop) / 2 * w, kCrop * h, kCrop * w, true));
    return out;
}

}  // namespace sqz::compiler
