// classify: labels an image with a SqueezeNet compiled by sqzc (package "model"). It decodes the
// image, resizes it to the model's input, applies the preprocessing the package's header states,
// runs the model and prints the five best classes and the latency.
//
//   classify IMAGE [LABELS]    (LABELS: one class name a line, e.g. imagenet_labels.txt)
#include "model.h"

#include <stb_image.h>
#include <stb_image_resize.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <numeric>
#include <string>
#include <vector>

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: classify IMAGE [LABELS]\n");
        return 2;
    }
    static_assert(model::kInput0Shape[0] == 1 && model::kInput0Shape[1] == 3, "a single 3-channel image input");
    const int height = static_cast<int>(model::kInput0Shape[2]), width = static_cast<int>(model::kInput0Shape[3]);

    // Decode and resize (stretching the whole image to the model's input size).
    int w = 0, h = 0, channels = 0;
    unsigned char* pixels = stbi_load(argv[1], &w, &h, &channels, 3);
    if (!pixels) {
        std::fprintf(stderr, "classify: cannot read %s: %s\n", argv[1], stbi_failure_reason());
        return 1;
    }
    std::vector<unsigned char> resized(static_cast<size_t>(width) * height * 3);
    stbir_resize_uint8(pixels, w, h, 0, resized.data(), width, height, 0, 3);
    stbi_image_free(pixels);

    // Preprocess as the model expects: NCHW, channel order, scale, mean and std from model.h.
    std::vector<float> input(model::kInput0Size);
    const size_t plane = static_cast<size_t>(width) * height;
    for (int c = 0; c < 3; ++c) {
        const int source = model::kChannelsBgr ? 2 - c : c;  // decoded pixels are RGB
        for (size_t i = 0; i < plane; ++i)
            input[c * plane + i] = static_cast<float>((resized[i * 3 + source] * model::kPixelScale - model::kMean[c]) /
                                                      model::kStd[c]);
    }

    model::Model net;
    if (int status = net.init()) {
        std::fprintf(stderr, "classify: %s\n", model::Model::status_string(status));
        return 1;
    }
    std::vector<float> scores(model::kOutput0Size);
    net.run(input.data(), scores.data());  // warm-up
    const auto start = std::chrono::steady_clock::now();
    const int status = net.run(input.data(), scores.data());
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    if (status) {
        std::fprintf(stderr, "classify: %s\n", model::Model::status_string(status));
        return 1;
    }

    std::vector<std::string> labels;
    if (argc > 2) {
        std::ifstream in(argv[2]);
        for (std::string line; std::getline(in, line);) labels.push_back(line);
    }
    std::vector<size_t> order(scores.size());
    std::iota(order.begin(), order.end(), 0);
    const size_t top = std::min<size_t>(5, order.size());
    std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(top), order.end(),
                      [&](size_t a, size_t b) { return scores[a] > scores[b]; });
    for (size_t i = 0; i < top; ++i)
        std::printf("%5zu  %10.5f  %s\n", order[i], scores[order[i]], order[i] < labels.size() ? labels[order[i]].c_str() : "");
    std::printf("latency: %.2f ms on %d thread(s)\n", ms, net.threads());
    return 0;
}
