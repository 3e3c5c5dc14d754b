// Batch size and input resolution changes (see resize.h).
#include "ir/resize.h"

#include "ir/error.h"
#include "ir/shape_inference.h"
#include "ir/verifier.h"

namespace sqz::ir {

Graph with_batch(Graph graph, int64_t n) {
    if (n < 1 || n > 4096) user_error("batch size {} is out of range [1, 4096]", n);
    graph.batch = n;
    infer_shapes(graph);
    verify(graph);
    return graph;
}

Graph with_input_size(Graph graph, int64_t height, int64_t width) {
    if (height < 1 || width < 1 || height > 16384 || width > 16384)
        user_error("input size {}x{} is out of range [1, 16384]", height, width);
    for (GraphInput& in : graph.inputs) {
        if (in.type.rank() != 3) user_error("input '{}' of type {} is not an image (C, H, W)", in.name, to_string(in.type));
        in.type.dims[1] = height;
        in.type.dims[2] = width;
    }
    infer_shapes(graph);
    verify(graph);
    return graph;
}

}  // namespace sqz::ir
