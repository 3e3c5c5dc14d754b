// Convolution algorithms (see conv_algorithm.h).
#include "ir/conv_algorithm.h"

#include <array>

namespace sqz::ir {
namespace {

struct AlgorithmInfo {
    ConvAlgorithm algorithm;
    std::string_view name;
    int tile;
};

constexpr std::array<AlgorithmInfo, 4> kAlgorithms = {{
    {ConvAlgorithm::Direct, "direct", 0},
    {ConvAlgorithm::WinogradF2, "winograd-f2", 2},
    {ConvAlgorithm::WinogradF4, "winograd-f4", 4},
    {ConvAlgorithm::WinogradF6, "winograd-f6", 6},
}};
static_assert(kAlgorithms[static_cast<int>(ConvAlgorithm::WinogradF6)].algorithm == ConvAlgorithm::WinogradF6,
              "the table is in enum order");

}  // namespace

std::string_view conv_algorithm_name(ConvAlgorithm algorithm) {
    return kAlgorithms[static_cast<size_t>(algorithm)].name;
}

std::optional<ConvAlgorithm> parse_conv_algorithm(std::string_view name) {
    for (const AlgorithmInfo& a : kAlgorithms)
        if (a.name == name) return a.algorithm;
    return std::nullopt;
}

int winograd_tile(ConvAlgorithm algorithm) { return kAlgorithms[static_cast<size_t>(algorithm)].tile; }

}  // namespace sqz::ir
