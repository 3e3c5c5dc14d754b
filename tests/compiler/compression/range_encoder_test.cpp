// The range coder on its own: the compiler's encoder and the runtime's decoder agree bit for bit
// on streams of adaptive and direct bits of every skew, the decoder reads exactly the stream the
// encoder wrote, and a decoder never reads past the bytes it is given.
#include "compiler/compression/range_encoder.h"
#include "runtime/range_decoder.h"
#include "tests/support.h"

#include <random>

using namespace sqz;

namespace {

struct Step {
    int model;   // -1: a direct bit
    int bit;
};

// Bits of `count` steps over `models` models, each model with its own probability of a 1.
std::vector<Step> random_steps(size_t count, int models, uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::vector<double> p(static_cast<size_t>(models));
    for (double& q : p) q = std::uniform_real_distribution<double>(0, 1)(rng);
    p[0] = 0.999;  // strongly skewed models: long runs inside one byte of range
    if (models > 1) p[1] = 0.0005;
    std::vector<Step> steps;
    for (size_t i = 0; i < count; ++i) {
        const int m = static_cast<int>(rng() % static_cast<uint64_t>(models + 1)) - 1;
        const double q = m < 0 ? 0.5 : p[static_cast<size_t>(m)];
        steps.push_back({m, std::uniform_real_distribution<double>(0, 1)(rng) < q ? 1 : 0});
    }
    return steps;
}

std::vector<uint8_t> encode(const std::vector<Step>& steps, int models) {
    compiler::RangeEncoder e;
    std::vector<runtime::AdaptiveBit> m(static_cast<size_t>(models));
    for (const Step& s : steps) {
        if (s.model < 0) e.direct(s.bit);
        else e.code(m[static_cast<size_t>(s.model)], s.bit);
    }
    return e.finish();
}

}  // namespace

TEST_CASE("range coding round-trips adaptive and direct bits and ends where the encoder did",
          "[compression][codec][range]") {
    for (uint64_t seed = 1; seed <= 12; ++seed) {
        const size_t count = seed == 1 ? 0 : seed * seed * 500;
        const int models = 1 + static_cast<int>(seed % 5);
        const std::vector<Step> steps = random_steps(count, models, seed);
        const std::vector<uint8_t> stream = encode(steps, models);
        INFO("seed " << seed << ", " << count << " bits, " << stream.size() << " bytes");
        runtime::RangeDecoder d(stream.data(), stream.size());
        std::vector<runtime::AdaptiveBit> m(static_cast<size_t>(models));
        size_t wrong = 0;
        for (const Step& s : steps) wrong += (s.model < 0 ? d.direct() : d.code(m[static_cast<size_t>(s.model)])) != s.bit;
        CHECK(wrong == 0);
        CHECK(d.at_end());
    }
}

TEST_CASE("a skewed model codes a bit in well under one bit", "[compression][codec][range]") {
    std::vector<Step> steps(100000, Step{0, 0});
    for (size_t i = 0; i < steps.size(); i += 50) steps[i].bit = 1;  // p(1) = 2%: 0.14 bits each
    const std::vector<uint8_t> stream = encode(steps, 1);
    CHECK(stream.size() * 8 < steps.size() * 16 / 100);
    CHECK(stream.size() * 8 > steps.size() * 14 / 100 * 9 / 10);
}

TEST_CASE("a range decoder on too few or too many bytes is not at the end, and reads nothing past them",
          "[compression][codec][range]") {
    const std::vector<Step> steps = random_steps(3000, 3, 99);
    const std::vector<uint8_t> stream = encode(steps, 3);
    for (size_t cut : {size_t{0}, size_t{1}, stream.size() / 2, stream.size() - 1, stream.size() + 1}) {
        std::vector<uint8_t> bytes(stream.begin(), stream.begin() + static_cast<long>(std::min(cut, stream.size())));
        if (cut > stream.size()) bytes.push_back(0);
        // A vector of exactly these bytes: reading past it would be caught by the sanitizers.
        std::vector<uint8_t> exact(bytes);
        runtime::RangeDecoder d(exact.data(), exact.size());
        std::vector<runtime::AdaptiveBit> m(3);
        for (const Step& s : steps) (void)(s.model < 0 ? d.direct() : d.code(m[static_cast<size_t>(s.model)]));
        CHECK_FALSE(d.at_end());
    }
}
