// The convolution cost model (see conv_cost_model.h).
//
// Calibration (bench/algorithm-times, 2026-12-07, AMD EPYC Zen 5 with AVX-512, one thread): every
// 3x3 stride-1 conv of v1.0-dc, v1.1 and the simple-bypass model timed inside its model with each
// algorithm (24 layers, 16->64 at 55x55 to 64->256 at 13x13), fitted by least relative squares to
//     t = products / rate[algorithm] + weight bytes / bandwidth
// products: the direct conv's multiply-accumulates, or Winograd's batched products (tiles x
// (m + 2)^2 x C_in x C_out, the transforms folded into the rate); weight bytes: what the conv
// streams, 9 or (m + 2)^2 floats per input and output channel pair. The weight term is what ranks
// the 13x13 maps right: there F4's weights (2.4 MB for 64->256, 4x a direct conv's) are read again
// for each of the 4 tile rows from beyond L2, and inside the model, where the layers before evict
// them, F2 took 0.19 ms against F4's 0.36 (v1.1's fire8 and fire9). Without it (one rate per
// algorithm, as fitted on 2026-12-01 on a Zen 4 and on the layers timed alone) the model picked F4
// there. The fit picks an algorithm within 5% of the fastest on all 24 layers: F4 at 27x27 and
// 55x55, F2 at 13x13 and 14x14; its worst error on a time is 35%.
#include "compiler/passes/conv_cost_model.h"

#include <cmath>

namespace sqz::compiler {
namespace {

constexpr double kDirectMacsPerUs = 102700;
constexpr double kWeightBytesPerUs = 17600;

// Winograd products (multiply-accumulates) per microsecond, transforms included.
double winograd_rate(int m) {
    switch (m) {
    case 2: return 84900;
    case 4: return 63100;
    default: return 41300;  // m = 6
    }
}

}  // namespace

double estimated_conv_us(const ConvShape& s, ir::ConvAlgorithm algorithm) {
    const double pairs = static_cast<double>(s.in_channels) * s.out_channels;
    const int m = ir::winograd_tile(algorithm);
    if (m == 0) {
        const double macs = static_cast<double>(s.batch) * pairs * 9 * s.out_height * s.out_width;
        return macs / kDirectMacsPerUs + 4 * 9 * pairs / kWeightBytesPerUs;
    }
    const int n = m + 2;
    const double tiles = static_cast<double>(s.batch) * std::ceil(static_cast<double>(s.out_height) / m) *
                         std::ceil(static_cast<double>(s.out_width) / m);
    return tiles * n * n * pairs / winograd_rate(m) + 4.0 * n * n * pairs / kWeightBytesPerUs;
}

}  // namespace sqz::compiler
