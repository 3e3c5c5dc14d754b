// How a convolution is computed. The choose-conv-algorithm pass sets it per Conv node; the meaning
// of the graph does not depend on it (the reference interpreter ignores it), only the kernel that
// code generation writes and its rounding errors do.
//
// Winograd F(m x m, 3 x 3) (runtime/winograd.h) computes each m x m output tile of a 3x3 stride-1
// convolution from an (m + 2) x (m + 2) input tile with (m + 2)^2 multiplications per channel pair
// instead of 9 m^2: 2.25x fewer for F(2x2), 4x for F(4x4), 5.1x for F(6x6), paid for with input
// and output transforms and larger rounding errors.
#pragma once

#include <optional>
#include <string_view>

namespace sqz::ir {

enum class ConvAlgorithm : unsigned char { Direct, WinogradF2, WinogradF4, WinogradF6 };

// "direct", "winograd-f2", "winograd-f4", "winograd-f6" (the IR text form and the command line).
std::string_view conv_algorithm_name(ConvAlgorithm algorithm);
std::optional<ConvAlgorithm> parse_conv_algorithm(std::string_view name);
// m of F(m x m, 3 x 3); 0 for Direct.
int winograd_tile(ConvAlgorithm algorithm);

}  // namespace sqz::ir
