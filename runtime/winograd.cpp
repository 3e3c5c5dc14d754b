// Winograd matrices and weight transform (see winograd.h).
//
// Construction, for n = m + 2 points p_0 .. p_{n-2} and infinity. The linear convolution s = g * h
// of a 3-tap filter g with an m-tap signal h is computed by evaluating both polynomials at the
// points (G g and H h, the infinity row taking the leading coefficient), multiplying pointwise and
// interpolating: s = C [(G g) .* (H h)] with C = V^-1, V the n x n evaluation (Vandermonde) matrix.
// The correlation y_i = sum_k g_k d_{i+k} is the transpose of h -> s, so
//     y = H^T [(G g) .* (C^T d)],     AT = H^T,  BT = C^T.
// Each row j of BT is then divided by its entry in column n-2 (n-1 for the infinity row) and row j
// of G multiplied by it, which leaves the product unchanged and makes BT integral for m = 2 and 4
// (the matrices of Lavin and Gray). All of this is exact rational arithmetic.
#include "winograd.h"

#include <cstdlib>

// The weight transform must give the same bits wherever it runs (sqzc at compile time, a package
// at create, also built with -std=gnu++17 or for AArch64, where compilers fuse a * b + c into one
// rounding by default): no contraction.
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

namespace SQZ_PACKAGE::runtime {
namespace {

struct Rational {
    int64_t p = 0, q = 1;  // q > 0, gcd(p, q) = 1
};

int64_t gcd(int64_t a, int64_t b) {
    a = a < 0 ? -a : a;
    b = b < 0 ? -b : b;
    while (b) {
        const int64_t t = a % b;
        a = b;
        b = t;
    }
    return a ? a : 1;
}

Rational make(int64_t p, int64_t q) {
    if (q < 0) p = -p, q = -q;
    const int64_t g = gcd(p, q);
    return {p / g, q / g};
}
Rational operator-(Rational a, Rational b) { return make(a.p * b.q - b.p * a.q, a.q * b.q); }
Rational operator*(Rational a, Rational b) { return make(a.p * b.p, a.q * b.q); }
Rational operator/(Rational a, Rational b) { return make(a.p * b.q, a.q * b.p); }
double value(Rational r) { return static_cast<double>(r.p) / static_cast<double>(r.q); }

constexpr int kMax = kWinogradMaxPoints;
using Matrix = Rational[kMax][kMax];

Rational power(Rational x, int k) {
    Rational v{1, 1};
    for (int i = 0; i < k; ++i) v = v * x;
    return v;
}

// Inverts the n x n matrix a (Gauss-Jordan with exact pivots) into inv.
void invert(Matrix& a, Matrix& inv, int n) {
    for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j) inv[i][j] = Rational{i == j ? 1 : 0, 1};
    for (int c = 0; c < n; ++c) {
        int pivot = c;
        while (pivot < n && a[pivot][c].p == 0) ++pivot;
        if (pivot == n) std::abort();  // the evaluation matrix of distinct points is invertible
        for (int k = 0; k < n; ++k) {
            const Rational t = a[c][k];
            a[c][k] = a[pivot][k];
            a[pivot][k] = t;
            const Rational u = inv[c][k];
            inv[c][k] = inv[pivot][k];
            inv[pivot][k] = u;
        }
        const Rational d = a[c][c];
        for (int k = 0; k < n; ++k) a[c][k] = a[c][k] / d, inv[c][k] = inv[c][k] / d;
        for (int r = 0; r < n; ++r) {
            if (r == c || a[r][c].p == 0) continue;
            const Rational f = a[r][c];
            for (int k = 0; k < n; ++k) a[r][k] = a[r][k] - f * a[c][k], inv[r][k] = inv[r][k] - f * inv[c][k];
        }
    }
}

}  // namespace

WinogradMatrices winograd_matrices(int m) {
    WinogradMatrices w;
    if (!winograd_tile_supported(m)) return w;
    const int n = m + 2, r = 3;
    w.m = m;
    w.n = n;
    const Rational points[kMax - 1] = {{0, 1}, {1, 1}, {-1, 1}, {2, 1}, {-2, 1}, {1, 2}, {-1, 2}};
    Matrix V{}, H{}, G{}, C{};
    for (int j = 0; j < n; ++j) {
        const bool infinity = j == n - 1;
        for (int i = 0; i < n; ++i) V[j][i] = infinity ? Rational{i == n - 1, 1} : power(points[j], i);
        for (int i = 0; i < m; ++i) H[j][i] = infinity ? Rational{i == m - 1, 1} : power(points[j], i);
        for (int k = 0; k < r; ++k) G[j][k] = infinity ? Rational{k == r - 1, 1} : power(points[j], k);
    }
    invert(V, C, n);
    Matrix BT{};
    for (int j = 0; j < n; ++j) {
        for (int i = 0; i < n; ++i) BT[j][i] = C[i][j];
        const Rational s = BT[j][j == n - 1 ? n - 1 : n - 2];
        for (int i = 0; i < n; ++i) BT[j][i] = BT[j][i] / s;
        for (int k = 0; k < r; ++k) G[j][k] = G[j][k] * s;
    }
    for (int i = 0; i < m; ++i)
        for (int j = 0; j < n; ++j) w.AT[i][j] = value(H[j][i]);
    for (int j = 0; j < n; ++j) {
        for (int k = 0; k < r; ++k) w.G[j][k] = value(G[j][k]);
        for (int i = 0; i < n; ++i) w.BT[j][i] = value(BT[j][i]);
    }
    return w;
}

void winograd_transform_weights(const float* w, int64_t out_channels, int64_t in_channels, int m, float* u) {
    const WinogradMatrices t = winograd_matrices(m);
    const int n = t.n;
    for (int64_t o = 0; o < out_channels; ++o)
        for (int64_t i = 0; i < in_channels; ++i) {
            const float* g = w + (o * in_channels + i) * 9;  // g[ky * 3 + kx]
            // Along x first: gx[e][ky] = sum_kx G[e][kx] g[ky][kx]; then along y.
            double gx[kMax][3];
            for (int e = 0; e < n; ++e)
                for (int ky = 0; ky < 3; ++ky) {
                    double s = 0;
                    for (int kx = 0; kx < 3; ++kx) s += t.G[e][kx] * static_cast<double>(g[ky * 3 + kx]);
                    gx[e][ky] = s;
                }
            for (int f = 0; f < n; ++f)
                for (int e = 0; e < n; ++e) {
                    double s = 0;
                    for (int ky = 0; ky < 3; ++ky) s += t.G[f][ky] * gx[e][ky];
                    u[((static_cast<int64_t>(f) * n + e) * in_channels + i) * out_channels + o] = static_cast<float>(s);
                }
        }
}

}  // namespace SQZ_PACKAGE::runtime
