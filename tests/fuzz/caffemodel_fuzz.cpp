// libFuzzer target: the .caffemodel weights frontend, binding to the fixed tiny net of fuzz_support.h.
#include "compiler/frontends/caffemodel.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    return sqz::fuzz::guarded([&] {
        sqz::ir::Graph graph = sqz::fuzz::tiny_caffe_graph();
        sqz::compiler::bind_caffemodel_bytes(graph, sqz::fuzz::as_view(data, size), "fuzz.caffemodel");
        sqz::ir::verify(graph);
    });
}
