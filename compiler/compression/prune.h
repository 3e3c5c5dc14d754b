// Magnitude pruning (the first stage of Deep Compression), per layer.
#pragma once

#include <cstddef>

#include <vector>

namespace sqz::compiler {

// Number of weights pruned from a layer of `count`: round(fraction * count), halves rounding up.
size_t pruned_count(size_t count, double fraction);

// Zeroes the pruned_count(values.size(), fraction) values of smallest magnitude; `fraction` in
// [0, 1]. Ties: among equal magnitudes the earlier position is pruned first; a NaN counts as the
// largest magnitude. Weights that are already zero are the smallest, so they count towards the
// fraction; the result has exactly max(pruned_count, zeros already present) zeros.
std::vector<float> prune_by_magnitude(const std::vector<float>& values, double fraction);

}  // namespace sqz::compiler
