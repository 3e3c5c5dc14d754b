// Seeded He-normal weights (see random_weights.h). Uses its own generator (splitmix64 and
// Box-Muller) so the values do not depend on the standard library's distributions.
#include "compiler/random_weights.h"

#include "runtime/fnv1a.h"

#include <cmath>

namespace sqz::compiler {
namespace {

class SplitMix64 {
public:
    explicit SplitMix64(uint64_t seed) : state_(seed) {}
    uint64_t next() {
        uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    // Uniform in (0, 1).
    double uniform() { return (static_cast<double>(next() >> 11) + 0.5) * 0x1.0p-53; }
    double normal() {
        double u = uniform(), v = uniform();
        return std::sqrt(-2.0 * std::log(u)) * std::cos(6.283185307179586 * v);
    }

private:
    uint64_t state_;
};

}  // namespace

void bind_random_weights(ir::Graph& graph, uint64_t seed) {
    for (ir::Constant& c : graph.constants) {
        if (c.bound()) continue;
        SplitMix64 rng(SplitMix64(seed ^ runtime::fnv1a(c.name.data(), c.name.size())).next());
        std::vector<float> values(static_cast<size_t>(c.type.numel()));
        if (c.type.rank() >= 2) {
            int64_t fan_in = c.type.numel() / c.type.dims[0];
            double stddev = std::sqrt(2.0 / static_cast<double>(fan_in));
            for (float& v : values) v = static_cast<float>(stddev * rng.normal());
        } else {
            for (float& v : values) v = static_cast<float>(0.2 * rng.uniform() - 0.1);
        }
        c.bind(std::move(values));
    }
}

}  // namespace sqz::compiler
