// libFuzzer target: the Deep Compression .net weights frontend, binding to the fixed tiny net of
// fuzz_support.h (two Convolution layers: 108 and 20 weights).
#include "compiler/frontends/deep_compression.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    return sqz::fuzz::guarded([&] {
        sqz::ir::Graph graph = sqz::fuzz::tiny_caffe_graph();
        sqz::compiler::bind_deep_compression_bytes(graph, sqz::fuzz::as_view(data, size), "fuzz.net");
        sqz::ir::verify(graph);
    });
}
