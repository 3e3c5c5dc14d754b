// libFuzzer target: image inputs (decode_image_input: PNG, JPEG, PPM/PGM through stb_image), fed to
// the tiny 3x9x9 model of fuzz_support.h. The last byte's low bit picks the resize mode.
#include "compiler/image_input.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const sqz::ir::Graph& graph = sqz::fuzz::tiny_sqz_graph();
    const auto mode = size > 0 && (data[size - 1] & 1) ? sqz::compiler::ResizeMode::CenterCrop
                                                      : sqz::compiler::ResizeMode::Stretch;
    return sqz::fuzz::guarded([&] {
        (void)sqz::compiler::decode_image_input(sqz::fuzz::as_view(data, size), "fuzz.img", graph, graph.preprocess,
                                                mode);
    });
}
