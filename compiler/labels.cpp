// Labels and top-N (see labels.h).
#include "compiler/labels.h"

#include "compiler/file_io.h"

#include <algorithm>
#include <numeric>
#include <sstream>

namespace sqz::compiler {

std::vector<std::string> load_labels(const std::string& path) {
    std::istringstream in(read_file(path, uint64_t{64} << 20));
    std::vector<std::string> labels;
    for (std::string line; std::getline(in, line);) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        labels.push_back(line);
    }
    return labels;
}

std::vector<std::pair<size_t, float>> top_n(const std::vector<float>& scores, size_t n) {
    std::vector<size_t> order(scores.size());
    std::iota(order.begin(), order.end(), 0);
    n = std::min(n, order.size());
    std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(n), order.end(),
                      [&](size_t a, size_t b) { return scores[a] > scores[b] || (scores[a] == scores[b] && a < b); });
    std::vector<std::pair<size_t, float>> out;
    for (size_t i = 0; i < n; ++i) out.emplace_back(order[i], scores[order[i]]);
    return out;
}

}  // namespace sqz::compiler
