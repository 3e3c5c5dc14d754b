// The convolution cost model (see conv_cost_model.h).
#include "compiler/passes/conv_cost_model.h"

#include <algorithm>

namespace sqz::compiler {

double estimated_conv_us(const ConvShape& s, ir::ConvAlgorithm algorithm) {
    const double macs = static_cast<double>(s.batch) * s.in_channels * s.out_channels * 9 * s.out_height * s.out_width;
    const int m = ir::winograd_tile(algorithm);
    if (m == 0) return macs / 40e3;  // placeholder rate (MAC/us), calibrated later
    const int n = m + 2;
    const double tiles = static_cast<double>(s.batch) * ((s.out_height + m - 1) / m) * ((s.out_width + m - 1) / m);
    const double products = tiles * n * n * s.in_channels * s.out_channels;
    const double transforms = tiles * n * n * (s.in_channels + s.out_channels) * 2.0;
    return products / 40e3 + transforms / 10e3;
}

}  // namespace sqz::compiler
