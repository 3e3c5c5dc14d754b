// The error measure of host tensors (see host_tensor.h).
#include "ir/host_tensor.h"

#include "ir/error.h"

#include <cmath>

namespace sqz::ir {
namespace {

template <typename R>
double relative_error(const std::vector<float>& a, const std::vector<R>& ref) {
    SQZ_ASSERT(a.size() == ref.size(), "comparing {} values with {} reference values", a.size(), ref.size());
    double max_diff = 0, max_ref = 0;
    for (size_t i = 0; i < a.size(); ++i) {
        double diff = std::fabs(static_cast<double>(a[i]) - static_cast<double>(ref[i]));
        if (std::isnan(diff)) return std::numeric_limits<double>::infinity();
        max_diff = std::max(max_diff, diff);
        max_ref = std::max(max_ref, std::fabs(static_cast<double>(ref[i])));
    }
    return max_ref > 0 ? max_diff / max_ref : max_diff;
}

}  // namespace

double max_relative_error(const std::vector<float>& a, const std::vector<double>& ref) { return relative_error(a, ref); }
double max_relative_error(const std::vector<float>& a, const std::vector<float>& ref) { return relative_error(a, ref); }

}  // namespace sqz::ir
