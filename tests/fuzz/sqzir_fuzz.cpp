// libFuzzer target: the IR text form parser (ir::parse_graph, the .sqzir frontend), then what
// load_model does next.
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    return sqz::fuzz::guarded([&] {
        sqz::ir::Graph graph = sqz::ir::parse_graph(sqz::fuzz::as_view(data, size), "fuzz.sqzir");
        sqz::fuzz::finish_like_load_model(graph);
    });
}
