// libFuzzer target: the Caffe prototxt frontend (parse_caffe_prototxt), then what load_model does next.
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    return sqz::fuzz::guarded([&] {
        sqz::ir::Graph graph = sqz::compiler::parse_caffe_prototxt(sqz::fuzz::as_view(data, size), "fuzz.prototxt");
        sqz::fuzz::finish_like_load_model(graph);
    });
}
