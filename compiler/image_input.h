// Turning image files (PNG, JPEG, PPM/PGM) into model inputs: decode (stb_image), resize to the
// model's input size, and apply the model's preprocessing (channel order, scale, mean, std).
#pragma once

#include "ir/graph.h"
#include "ir/host_tensor.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sqz::compiler {

enum class ResizeMode {
    Stretch,     // scale both axes to the input size
    CenterCrop,  // scale the shorter side to the input size, then crop the centre
};

// The file extensions (lower case) that sqzc reads as images: ".png", ".jpg", ".jpeg", ".ppm", ".pgm".
const std::vector<std::string_view>& image_extensions();

// Images are refused before decoding when their header declares more than this many pixels or a
// side over kMaxImageSide: decoding allocates 15 bytes a pixel (8-bit RGB plus a float copy), and
// a small compressed file can declare a huge image.
constexpr int kMaxImageSide = 16384;
constexpr int64_t kMaxImagePixels = 64'000'000;

// Decodes `path` into an NCHW float tensor of the graph's input shape (batch 1, copied across the
// batch if the graph's batch is larger), preprocessed with `pre`. Throws sqz::Error naming the file
// if it is not a file, cannot be decoded, or is larger than the limits above.
ir::Tensor load_image_input(const std::string& path, const ir::Graph& graph, const ir::Preprocess& pre,
                            ResizeMode mode);
// The same for an image already in memory; `file` names it in messages.
ir::Tensor decode_image_input(std::string_view bytes, const std::string& file, const ir::Graph& graph,
                              const ir::Preprocess& pre, ResizeMode mode);

}  // namespace sqz::compiler
