// The convolution cost model (see conv_cost_model.h).
//
// Calibration (bench/conv_layers, one thread, thread CPU time, 2026-12-01, AMD Zen 4 with AVX-512):
// the expand3x3 shapes of SqueezeNet v1.0 and v1.1 (16->64 at 55x55 to 64->256 at 13x13, and
// 16->32 at 27x27), one rate per algorithm fitted by least relative squares:
//     direct:   t = MACs / rate                            (within 4% on every layer)
//     Winograd: t = tiles x (m + 2)^2 x C_in x C_out / rate  (the products; the transforms,
//               proportional to C_in + C_out, are folded into the rate: within 31%, and 15% for F4)
// Fitting the transforms as a term of their own gave a negative rate for F4: on these shapes
// (C_out = 4 C_in) the two terms are nearly proportional. Measured there: F4 is the fastest on
// every layer, 1.8x to 2.7x faster than direct; F2 and F6 lose to F4 by 6-40% (F6's tiles
// overhang 13x13 and 27x27 maps, and its products keep fewer accumulators in registers). The
// rates above rank the algorithms as measured on all of them.
#include "compiler/passes/conv_cost_model.h"

#include <cmath>

namespace sqz::compiler {
namespace {

constexpr double kDirectMacsPerUs = 54100;

// Winograd products (multiply-accumulates) per microsecond, transforms included.
double winograd_rate(int m) {
    switch (m) {
    case 2: return 44100;
    case 4: return 34700;
    default: return 27100;  // m = 6
    }
}

}  // namespace

double estimated_conv_us(const ConvShape& s, ir::ConvAlgorithm algorithm) {
    const double macs = static_cast<double>(s.batch) * s.in_channels * s.out_channels * 9 * s.out_height * s.out_width;
    const int m = ir::winograd_tile(algorithm);
    if (m == 0) return macs / kDirectMacsPerUs;
    const int n = m + 2;
    const double tiles = static_cast<double>(s.batch) * std::ceil(static_cast<double>(s.out_height) / m) *
                         std::ceil(static_cast<double>(s.out_width) / m);
    return tiles * n * n * s.in_channels * s.out_channels / winograd_rate(m);
}

}  // namespace sqz::compiler
