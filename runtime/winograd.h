// Winograd's minimal filtering F(m x m, 3 x 3) (Lavin and Gray, 2016): the matrices of the 3x3
// convolution's fast algorithm, and the transform of the weights into the Winograd domain. sqzc
// transforms dense weights at compile time with this code, and a package whose weights are stored
// compressed runs the same code at create after expanding them, so both give the same bits.
// Depends on the C++ standard library only (it is copied into generated packages).
//
// With n = m + 2 and an n x n input tile d, the m x m output tile of a 3x3 correlation with g is
//     Y = AT [ (G g G^T) .* (BT d BT^T) ] AT^T        (.* elementwise)
// where G is n x 3, BT is n x n and AT is m x n. The matrices come from Toom-Cook evaluation at
// the points 0, 1, -1, 2, -2, 1/2, -1/2 (the first n - 1 of them) and infinity, scaled so that
// BT and AT hold small integers where they can (the fractions go into G, which is applied to the
// weights in double precision); every entry is an exact small rational.
#pragma once

#include "prefix.h"

#include <cstdint>

namespace SQZ_PACKAGE::runtime {

// The tile sizes sqzc implements: F(2x2, 3x3), F(4x4, 3x3), F(6x6, 3x3).
constexpr bool winograd_tile_supported(int m) { return m == 2 || m == 4 || m == 6; }
constexpr int kWinogradMaxPoints = 8;  // n = m + 2 for m = 6

struct WinogradMatrices {
    int m = 0, n = 0;
    double AT[kWinogradMaxPoints][kWinogradMaxPoints] = {};  // m x n
    double G[kWinogradMaxPoints][3] = {};                    // n x 3
    double BT[kWinogradMaxPoints][kWinogradMaxPoints] = {};  // n x n
};

// The matrices for tile size m (winograd_tile_supported(m) must hold).
WinogradMatrices winograd_matrices(int m);

// Transforms 3x3 weights w[o][i][ky][kx] (OIHW, row-major) into u(o, i, e, f) = (G g G^T)[e][f]
// for every (o, i), where e runs along x and f along y, stored with o innermost:
// u[((f * n + e) * in_channels + i) * out_channels + o], as the Winograd kernels read them.
// Each value is computed in double in a fixed order and rounded once to float.
void winograd_transform_weights(const float* w, int64_t out_channels, int64_t in_channels, int m, float* u);

}  // namespace SQZ_PACKAGE::runtime
