// libFuzzer target: the ONNX frontend (parse_onnx), then what load_model does next.
#include "compiler/frontends/onnx_import.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    return sqz::fuzz::guarded([&] {
        sqz::ir::Graph graph = sqz::compiler::parse_onnx(sqz::fuzz::as_view(data, size), "fuzz.onnx");
        sqz::fuzz::finish_like_load_model(graph);
    });
}
