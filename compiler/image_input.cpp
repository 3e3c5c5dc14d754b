// Image decoding, resizing and preprocessing (see image_input.h).
#include "compiler/image_input.h"

#include "compiler/file_io.h"
#include "ir/error.h"

#include <stb_image.h>
#include <stb_image_resize.h>

#include <memory>

namespace sqz::compiler {
namespace {

constexpr int kMaxImageSide = 16384;

}  // namespace

ir::Tensor load_image_input(const std::string& path, const ir::Graph& graph, const ir::Preprocess& pre,
                            ResizeMode mode) {
    const ir::TensorType type = graph.type_of(graph.inputs.at(0).name);
    if (type.rank() != 4 || type.dims[1] != 3)
        user_error("{}: the model's input {} is not a 3-channel image", path, ir::to_string(type));
    const int out_h = static_cast<int>(type.dims[2]), out_w = static_cast<int>(type.dims[3]);

    const std::string bytes = read_file(path, uint64_t{256} << 20);
    const auto* data = reinterpret_cast<const stbi_uc*>(bytes.data());
    const int size = static_cast<int>(bytes.size());
    int w = 0, h = 0, channels = 0;
    if (!stbi_info_from_memory(data, size, &w, &h, &channels))
        user_error("{}: cannot decode image ({}); sqzc reads PNG, JPEG and PPM/PGM", path, stbi_failure_reason());
    if (w < 1 || h < 1 || w > kMaxImageSide || h > kMaxImageSide)
        user_error("{}: image is {}x{}, outside the supported 1..{} pixels a side", path, w, h, kMaxImageSide);
    std::unique_ptr<stbi_uc, void (*)(void*)> pixels(stbi_load_from_memory(data, size, &w, &h, &channels, 3),
                                                     stbi_image_free);
    if (!pixels) user_error("{}: cannot decode image ({})", path, stbi_failure_reason());

    // Region of the source to resample: the whole image, or its centre at the output's aspect ratio.
    int crop_x = 0, crop_y = 0, crop_w = w, crop_h = h;
    if (mode == ResizeMode::CenterCrop) {
        if (static_cast<int64_t>(w) * out_h > static_cast<int64_t>(h) * out_w)
            crop_w = std::max(1, static_cast<int>(static_cast<int64_t>(h) * out_w / out_h));
        else
            crop_h = std::max(1, static_cast<int>(static_cast<int64_t>(w) * out_h / out_w));
        crop_x = (w - crop_w) / 2;
        crop_y = (h - crop_h) / 2;
    }
    std::vector<float> source(static_cast<size_t>(crop_w) * crop_h * 3);
    for (int y = 0; y < crop_h; ++y)
        for (int x = 0; x < crop_w * 3; ++x)
            source[(static_cast<size_t>(y) * crop_w * 3) + x] =
                pixels.get()[(static_cast<size_t>(y + crop_y) * w + crop_x) * 3 + x];
    std::vector<float> resized(static_cast<size_t>(out_w) * out_h * 3);
    if (!stbir_resize_float(source.data(), crop_w, crop_h, 0, resized.data(), out_w, out_h, 0, 3))
        user_error("{}: resizing to {}x{} failed", path, out_w, out_h);

    ir::Tensor tensor{type.dims, std::vector<float>(static_cast<size_t>(type.numel()))};
    const size_t plane = static_cast<size_t>(out_w) * out_h;
    for (int c = 0; c < 3; ++c) {
        // Decoded pixels are RGB; channel c of the input takes source channel src_c.
        const int src_c = pre.channel_order == ir::Preprocess::Order::BGR ? 2 - c : c;
        for (size_t i = 0; i < plane; ++i) {
            double v = resized[i * 3 + static_cast<size_t>(src_c)];
            tensor.data[static_cast<size_t>(c) * plane + i] =
                static_cast<float>((v * pre.pixel_scale - pre.mean[c]) / pre.std[c]);
        }
    }
    for (int64_t n = 1; n < type.dims[0]; ++n)
        std::copy(tensor.data.begin(), tensor.data.begin() + static_cast<std::ptrdiff_t>(3 * plane),
                  tensor.data.begin() + static_cast<std::ptrdiff_t>(n * 3 * plane));
    return tensor;
}

}  // namespace sqz::compiler
