// classify: labels images with a SqueezeNet compiled by sqzc (package "model"). For each image it
// decodes it, scales its shorter side to the model's input and crops the centre (as `sqzc run`
// does), applies the preprocessing that the package's header states, runs the model and prints
// the five best classes with their probabilities; then the median latency of the model.
//
//   classify [--labels FILE] [--runs N] IMAGE...
//   classify [--labels FILE] [--runs N] --test-pattern     (no photograph: a synthetic input)
//
// LABELS: one class name a line (e.g. examples/models/imagenet_labels.txt). The probabilities are
// the model's outputs when they already form a distribution (a model that ends in Softmax), else
// the Softmax of its raw scores.
#include "model.h"

#include <stb_image.h>
#include <stb_image_resize.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <numeric>
#include <string>
#include <vector>

namespace {

constexpr int kHeight = static_cast<int>(model::kInput0Shape[2]);
constexpr int kWidth = static_cast<int>(model::kInput0Shape[3]);

// Decodes `path` and turns it into the model's input; false (with a message) if it cannot.
bool load_input(const char* path, std::vector<float>& input) {
    int w = 0, h = 0, channels = 0;
    unsigned char* pixels = stbi_load(path, &w, &h, &channels, 3);
    if (!pixels) {
        std::fprintf(stderr, "classify: cannot read %s: %s\n", path, stbi_failure_reason());
        return false;
    }
    // The largest centred region with the model's aspect ratio, resized to the input size.
    int crop_w = w, crop_h = h;
    if (static_cast<long>(w) * kHeight > static_cast<long>(h) * kWidth) crop_w = std::max(1, h * kWidth / kHeight);
    else crop_h = std::max(1, w * kHeight / kWidth);
    const unsigned char* origin = pixels + (static_cast<size_t>((h - crop_h) / 2) * w + (w - crop_w) / 2) * 3;
    std::vector<unsigned char> resized(static_cast<size_t>(kWidth) * kHeight * 3);
    stbir_resize_uint8(origin, crop_w, crop_h, w * 3, resized.data(), kWidth, kHeight, 0, 3);
    stbi_image_free(pixels);

    // NCHW, channel order, scale, mean and std as model.h states them.
    input.assign(model::kInput0Size, 0.0f);
    const size_t plane = static_cast<size_t>(kWidth) * kHeight;
    for (int c = 0; c < 3; ++c) {
        const int source = model::kChannelsBgr ? 2 - c : c;  // decoded pixels are RGB
        for (size_t i = 0; i < plane; ++i)
            input[c * plane + i] = static_cast<float>((resized[i * 3 + source] * model::kPixelScale - model::kMean[c]) /
                                                      model::kStd[c]);
    }
    return true;
}

// A smooth synthetic input (waves across the planes) for machines without photographs.
void test_pattern(std::vector<float>& input) {
    input.assign(model::kInput0Size, 0.0f);
    const size_t plane = static_cast<size_t>(kWidth) * kHeight;
    for (int c = 0; c < 3; ++c)
        for (int y = 0; y < kHeight; ++y)
            for (int x = 0; x < kWidth; ++x)
                input[c * plane + static_cast<size_t>(y) * kWidth + x] =
                    static_cast<float>(100 * std::sin(0.1 * y + 0.7 * c) * std::cos(0.05 * x));
}

// The outputs as probabilities: unchanged if they are already non-negative and sum to 1.
std::vector<double> probabilities(const std::vector<float>& scores) {
    double sum = 0, low = 0;
    for (float s : scores) sum += s, low = std::min(low, static_cast<double>(s));
    std::vector<double> p(scores.begin(), scores.end());
    if (low >= 0 && std::fabs(sum - 1) < 1e-3) return p;
    const double top = *std::max_element(p.begin(), p.end());
    sum = 0;
    for (double& v : p) sum += v = std::exp(v - top);
    for (double& v : p) v /= sum;
    return p;
}

}  // namespace

int main(int argc, char** argv) {
    static_assert(model::kInput0Shape[0] == 1 && model::kInput0Shape[1] == 3, "a single 3-channel image input");
    std::vector<std::string> labels;
    std::vector<const char*> images;
    int runs = 20;
    bool pattern = false;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if ((arg == "--labels" || arg == "--runs") && i + 1 < argc) {
            if (arg == "--runs") {
                runs = std::atoi(argv[++i]);
                continue;
            }
            std::ifstream in(argv[++i]);
            if (!in) {
                std::fprintf(stderr, "classify: cannot read the labels file %s\n", argv[i]);
                return 1;
            }
            for (std::string line; std::getline(in, line);) labels.push_back(line);
        } else if (arg == "--test-pattern") {
            pattern = true;
        } else if (arg.rfind("--", 0) == 0) {
            std::fprintf(stderr, "classify: unknown option %s\n", argv[i]);
            return 2;
        } else {
            images.push_back(argv[i]);
        }
    }
    if (images.empty() == !pattern || runs < 1) {
        std::fprintf(stderr, "usage: classify [--labels FILE] [--runs N] (IMAGE... | --test-pattern)\n");
        return 2;
    }

    model::Model net;
    if (int status = net.init()) {
        std::fprintf(stderr, "classify: %s\n", model::Model::status_string(status));
        return 1;
    }
    std::vector<float> input, scores(model::kOutput0Size);
    if (pattern) images.push_back("test pattern");
    for (const char* image : images) {
        if (pattern) test_pattern(input);
        else if (!load_input(image, input)) return 1;
        if (int status = net.run(input.data(), scores.data())) {
            std::fprintf(stderr, "classify: %s\n", model::Model::status_string(status));
            return 1;
        }
        const std::vector<double> p = probabilities(scores);
        std::vector<size_t> order(p.size());
        std::iota(order.begin(), order.end(), 0);
        const size_t top = std::min<size_t>(5, order.size());
        std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(top), order.end(),
                          [&](size_t a, size_t b) { return p[a] > p[b]; });
        std::printf("%s:\n", image);
        for (size_t i = 0; i < top; ++i)
            std::printf("  %5zu  %7.3f%%  %s\n", order[i], 100 * p[order[i]],
                        order[i] < labels.size() ? labels[order[i]].c_str() : "");
    }

    // The median of `runs` timed runs on the last image, after the runs above warmed the model up.
    std::vector<double> ms;
    for (int i = 0; i < runs; ++i) {
        const auto start = std::chrono::steady_clock::now();
        net.run(input.data(), scores.data());
        ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    }
    std::nth_element(ms.begin(), ms.begin() + static_cast<std::ptrdiff_t>(ms.size() / 2), ms.end());
    std::printf("latency: %.2f ms (median of %d runs) on %d thread(s)\n", ms[ms.size() / 2], runs, net.threads());
    return 0;
}
