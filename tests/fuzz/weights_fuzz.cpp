// libFuzzer target: the layer-blob decoders that packages run at create (runtime/weight_codec.h),
// every kind, on any bytes: a blob decodes into the weights its header claims (up to 2^20 here)
// or is refused, and never reads past its bytes or writes past its output. Seeds: a valid blob of
// each kind (fuzz_seeds).
#include "runtime/weight_codec.h"

#include <cstddef>
#include <cstdint>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    sqz::runtime::LayerHeader h;
    // The weights the header claims, or a few when it is refused (the decoders check again).
    const size_t numel = sqz::runtime::read_layer_header(data, size, h) && h.numel <= (size_t{1} << 20)
                             ? static_cast<size_t>(h.numel)
                             : 64;
    std::vector<float> out(numel);
    (void)sqz::runtime::expand_layer_blob(data, size, out.data(), out.size());
    return 0;
}
