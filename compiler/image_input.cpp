// Image decoding, resizing and preprocessing (see image_input.h).
#include "compiler/image_input.h"

#include "compiler/file_io.h"
#include "ir/error.h"

#include <stb_image.h>
#include <stb_image_resize.h>

#include <cctype>
#include <climits>
#include <memory>

namespace sqz::compiler {
namespace {

// The format of an image file by its signature: PNG, JPEG, or binary PPM/PGM (P6/P5 and a
// whitespace character); nullptr for anything else.
const char* image_format(std::string_view b) {
    if (b.substr(0, 8) == std::string_view("\x89PNG\r\n\x1a\n", 8)) return "PNG";
    if (b.size() >= 3 && b.substr(0, 2) == "\xff\xd8" && static_cast<unsigned char>(b[2]) == 0xff) return "JPEG";
    if (b.size() >= 3 && b[0] == 'P' && (b[1] == '5' || b[1] == '6') &&
        std::string_view(" \t\r\n").find(b[2]) != std::string_view::npos)
        return "PPM/PGM";
    return nullptr;
}

// Decodes a binary PPM/PGM file (P6/P5): the header (magic, width, height, maxval, each after
// whitespace or comments, then one whitespace character), then the pixels, 8 or 16 bits big-endian,
// all of which must be present. sqzc reads these itself: stb_image 2.27 ignores maxval, reads
// 16-bit samples in the wrong byte order, reads past its buffer converting 16-bit grey to RGB
// (found by fuzzing) and leaves the pixels of a truncated file uninitialised.
// Returns RGB pixels, each sample scaled from 0..maxval to 0..255.
std::vector<unsigned char> decode_pnm(std::string_view b, const std::string& path, int* out_w, int* out_h) {
    size_t at = 2;
    int64_t values[3] = {0, 0, 0};
    for (int64_t& v : values) {
        for (;;) {
            while (at < b.size() && std::isspace(static_cast<unsigned char>(b[at]))) ++at;
            if (at >= b.size() || b[at] != '#') break;
            while (at < b.size() && b[at] != '\n' && b[at] != '\r') ++at;
        }
        const size_t start = at;
        while (at < b.size() && std::isdigit(static_cast<unsigned char>(b[at])) && at - start < 10)
            v = v * 10 + (b[at++] - '0');
        if (at == start || (at < b.size() && std::isdigit(static_cast<unsigned char>(b[at]))))
            user_error("{}: cannot decode image: the PPM/PGM header is malformed", path);
    }
    if (at >= b.size() || !std::isspace(static_cast<unsigned char>(b[at])))
        user_error("{}: cannot decode image: the PPM/PGM header is malformed", path);
    ++at;
    const int64_t width = values[0], height = values[1], maxval = values[2];
    if (maxval < 1 || maxval > 65535)
        user_error("{}: cannot decode image: the PPM/PGM maximum value {} is outside 1..65535", path, maxval);
    if (width < 1 || height < 1 || width > kMaxImageSide || height > kMaxImageSide)
        user_error("{}: image is {}x{}, outside the supported 1..{} pixels a side", path, width, height, kMaxImageSide);
    if (width * height > kMaxImagePixels)
        user_error("{}: image is {}x{}, more than the {} pixels sqzc decodes", path, width, height, kMaxImagePixels);
    const int64_t needed = width * height * (b[1] == '6' ? 3 : 1) * (maxval > 255 ? 2 : 1);
    if (static_cast<int64_t>(b.size() - at) < needed)
        user_error("{}: the {}x{} image needs {} bytes of pixels, but only {} follow the header", path, width, height,
                   needed, b.size() - at);
    const int channels = b[1] == '6' ? 3 : 1, bytes_per_sample = maxval > 255 ? 2 : 1;
    const auto* p = reinterpret_cast<const unsigned char*>(b.data() + at);
    const size_t pixels = static_cast<size_t>(width * height);
    std::vector<unsigned char> rgb(pixels * 3);
    for (size_t i = 0; i < pixels; ++i)
        for (int c = 0; c < 3; ++c) {
            const size_t sample = (i * channels + (channels == 3 ? c : 0)) * bytes_per_sample;
            const int64_t v = bytes_per_sample == 2 ? p[sample] * 256 + p[sample + 1] : p[sample];
            // Samples above maxval are out of range; they count as maxval.
            rgb[i * 3 + c] = static_cast<unsigned char>((std::min(v, maxval) * 255 * 2 + maxval) / (2 * maxval));
        }
    *out_w = static_cast<int>(width), *out_h = static_cast<int>(height);
    return rgb;
}

// Pixels of 1 (grey), 2 (grey, alpha), 3 (RGB) or 4 (RGBA) channels as RGB: grey repeated,
// alpha dropped.
std::vector<stbi_uc> to_rgb(const stbi_uc* in, size_t pixels, int channels) {
    std::vector<stbi_uc> rgb(pixels * 3);
    const int colour = channels >= 3 ? 3 : 1;
    for (size_t i = 0; i < pixels; ++i)
        for (int c = 0; c < 3; ++c) rgb[i * 3 + c] = in[i * channels + (colour == 3 ? c : 0)];
    return rgb;
}

// Checks every Huffman table (DHT segment) of a JPEG before stb_image sees it: stb_image 2.27 writes
// a table's code lengths and symbols into fixed arrays of 257 and 256 entries without checking the
// declared count, which can reach 16 x 255 (found by tests/fuzz/image_fuzz.cpp). Follows the marker
// segments the way stb_image does: bytes between segments are skipped until the next 0xff, a table
// is read while its segment's declared length lasts (past the end of the file stb_image reads
// zeros), and entropy-coded data runs until a 0xff followed by neither 0x00 nor a restart marker.
void check_jpeg_huffman_tables(std::string_view b, const std::string& path) {
    auto byte = [&](size_t i) -> unsigned { return i < b.size() ? static_cast<unsigned char>(b[i]) : 0; };
    size_t at = 2;
    while (at + 1 < b.size()) {
        if (byte(at) != 0xff) { ++at; continue; }                 // padding before a marker
        const unsigned marker = byte(at + 1);
        if (marker == 0xff) { ++at; continue; }                   // fill byte
        if (marker == 0xd9) return;                               // end of image
        if (marker == 0x01 || (marker >= 0xd0 && marker <= 0xd8)) { at += 2; continue; }  // no length
        const size_t end = at + 2 + (byte(at + 2) << 8 | byte(at + 3));
        if (marker == 0xc4)
            for (size_t t = at + 4; t < end;) {
                size_t codes = 0;
                for (size_t i = 1; i <= 16; ++i) codes += byte(t + i);
                if (codes > 256)
                    user_error("{}: cannot decode image: a JPEG Huffman table declares {} codes, more than 256", path,
                               codes);
                t += 17 + codes;
            }
        at = end;
        if (marker != 0xda) continue;
        // Start of scan: skip the entropy-coded data up to the next marker.
        auto is_marker = [&](size_t i) {
            return byte(i) == 0xff && byte(i + 1) != 0 && (byte(i + 1) < 0xd0 || byte(i + 1) > 0xd7);
        };
        while (at + 1 < b.size() && !is_marker(at)) ++at;
    }
}

// Checks that a PNG's chunks (length, type, data, CRC) each fit in the file, up to IEND:
// stb_image 2.27 grows its buffer to a chunk's declared length before reading it, so a few bytes
// declaring a 2 GB chunk made it allocate 2 GB (found by fuzzing).
void check_png_chunks(std::string_view b, const std::string& path) {
    size_t at = 8;  // after the signature
    for (;;) {
        if (b.size() - at < 12)
            user_error("{}: cannot decode image: the PNG is truncated (it ends at byte {} without an IEND chunk)", path,
                       b.size());
        const auto byte = [&](size_t i) { return static_cast<uint64_t>(static_cast<unsigned char>(b[at + i])); };
        const uint64_t length = byte(0) << 24 | byte(1) << 16 | byte(2) << 8 | byte(3);
        const std::string type(b.substr(at + 4, 4));
        if (length > b.size() - at - 12)
            user_error("{}: cannot decode image: the PNG chunk at byte {} declares {} bytes of data, but only {} follow",
                       path, at, length, b.size() - at - 12);
        at += 12 + static_cast<size_t>(length);
        if (type == "IEND") return;
    }
}

// Decodes a PNG or JPEG (already checked by the caller) with stb_image into RGB pixels.
std::vector<unsigned char> decode_with_stb(std::string_view bytes, const std::string& path, const char* format, int* w,
                                           int* h) {
    // stb_image decodes a JPEG cut short as far as it goes; sqzc wants the whole picture. In the
    // entropy-coded data every 0xff byte is escaped, so an end-of-image marker after the last
    // start-of-scan marker means the data is complete.
    if (bytes[0] == '\x89') check_png_chunks(bytes, path);
    if (bytes[0] == '\xff') {
        const size_t scan = bytes.rfind("\xff\xda");
        if (scan == std::string_view::npos || bytes.find("\xff\xd9", scan) == std::string_view::npos)
            user_error("{}: cannot decode image: the JPEG is truncated (it has no end-of-image marker)", path);
        check_jpeg_huffman_tables(bytes, path);
    }
    if (bytes.size() > static_cast<size_t>(INT_MAX)) user_error("{}: {} bytes is too large for an image", path, bytes.size());
    const auto* data = reinterpret_cast<const stbi_uc*>(bytes.data());
    const int size = static_cast<int>(bytes.size());
    int channels = 0;
    if (!stbi_info_from_memory(data, size, w, h, &channels))
        user_error("{}: cannot decode image: the {} header is invalid, or declares an image too large to decode",
                   path, format);
    if (*w < 1 || *h < 1 || *w > kMaxImageSide || *h > kMaxImageSide)
        user_error("{}: image is {}x{}, outside the supported 1..{} pixels a side", path, *w, *h, kMaxImageSide);
    if (int64_t{*w} * *h > kMaxImagePixels)
        user_error("{}: image is {}x{}, more than the {} pixels sqzc decodes", path, *w, *h, kMaxImagePixels);
    // Decoded with the file's own channels and made RGB here, out of the way of stb_image's own
    // conversions (which misread 16-bit PGM files in 2.27).
    int loaded_w = 0, loaded_h = 0, loaded_channels = 0;
    std::unique_ptr<stbi_uc, void (*)(void*)> decoded(
        stbi_load_from_memory(data, size, &loaded_w, &loaded_h, &loaded_channels, 0), stbi_image_free);
    if (!decoded) user_error("{}: cannot decode image: the {} data is invalid ({})", path, format, stbi_failure_reason());
    if (loaded_w != *w || loaded_h != *h)
        user_error("{}: the image header says {}x{} but {}x{} pixels were decoded", path, *w, *h, loaded_w, loaded_h);
    if (loaded_channels < 1 || loaded_channels > 4)
        user_error("{}: cannot decode image: {} channels per pixel", path, loaded_channels);
    return to_rgb(decoded.get(), static_cast<size_t>(*w) * *h, loaded_channels);
}

}  // namespace

const std::vector<std::string_view>& image_extensions() {
    static const std::vector<std::string_view> extensions = {".png", ".jpg", ".jpeg", ".ppm", ".pgm"};
    return extensions;
}

ir::Tensor load_image_input(const std::string& path, const ir::Graph& graph, const ir::Preprocess& pre,
                            ResizeMode mode) {
    return decode_image_input(read_file(path, uint64_t{256} << 20), path, graph, pre, mode);
}

ir::Tensor decode_image_input(std::string_view bytes, const std::string& path, const ir::Graph& graph,
                              const ir::Preprocess& pre, ResizeMode mode) {
    const ir::TensorType type = graph.type_of(graph.inputs.at(0).name);
    if (type.rank() != 4 || type.dims[1] != 3)
        user_error("{}: the model's input {} is not a 3-channel image", path, ir::to_string(type));
    const int out_h = static_cast<int>(type.dims[2]), out_w = static_cast<int>(type.dims[3]);

    if (bytes.empty()) user_error("{}: the file is empty, not an image", path);
    // Only the formats sqzc documents reach the decoder; stb_image's others (GIF, PSD, TGA, HDR, ...)
    // stay out of reach of untrusted files.
    const char* format = image_format(bytes);
    if (!format)
        user_error("{}: cannot decode image: not a PNG, JPEG or binary PPM/PGM file (sqzc reads only those)", path);
    std::vector<unsigned char> pixels;
    int w = 0, h = 0;
    if (bytes[0] == 'P') pixels = decode_pnm(bytes, path, &w, &h);
    else pixels = decode_with_stb(bytes, path, format, &w, &h);

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
                pixels[(static_cast<size_t>(y + crop_y) * w + crop_x) * 3 + x];
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
