// Magnitude pruning (see prune.h).
#include "compiler/compression/prune.h"

#include "ir/error.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>

namespace sqz::compiler {

size_t pruned_count(size_t count, double fraction) {
    SQZ_ASSERT(fraction >= 0.0 && fraction <= 1.0, "pruning fraction {} outside [0, 1]", fraction);
    return static_cast<size_t>(std::floor(fraction * static_cast<double>(count) + 0.5));
}

std::vector<float> prune_by_magnitude(const std::vector<float>& values, double fraction) {
    const size_t k = std::min(pruned_count(values.size(), fraction), values.size());
    std::vector<float> out = values;
    if (k == 0) return out;
    std::vector<float> magnitude(values.size());
    for (size_t i = 0; i < values.size(); ++i)
        magnitude[i] = std::isnan(values[i]) ? std::numeric_limits<float>::infinity() : std::fabs(values[i]);
    std::vector<uint32_t> index(values.size());
    std::iota(index.begin(), index.end(), 0u);
    auto smaller = [&](uint32_t a, uint32_t b) { return magnitude[a] != magnitude[b] ? magnitude[a] < magnitude[b] : a < b; };
    std::nth_element(index.begin(), index.begin() + static_cast<std::ptrdiff_t>(k - 1), index.end(), smaller);
    for (size_t i = 0; i < k; ++i) out[index[i]] = 0.0f;
    return out;
}

}  // namespace sqz::compiler
