// Shape inference: window arithmetic for both rounding modes and the errors of each operator.
#include "ir/builder.h"
#include "ir/error.h"
#include "ir/shape_inference.h"
#include "tests/support.h"

using namespace sqz;
using namespace sqz::ir;

TEST_CASE("window output sizes follow Caffe (ceil) and ONNX (floor) rounding", "[ir][shape]") {
    // SqueezeNet v1.0: conv1 227 -> 111, pool1 111 -> 55 (ceil), pool4 55 -> 27, pool8 27 -> 13.
    CHECK(window_output_size(227, 7, 2, 0, 0, Rounding::Floor) == 111);
    CHECK(window_output_size(111, 3, 2, 0, 0, Rounding::Ceil) == 55);
    CHECK(window_output_size(55, 3, 2, 0, 0, Rounding::Ceil) == 27);
    CHECK(window_output_size(27, 3, 2, 0, 0, Rounding::Ceil) == 13);
    // v1.1: 227 -> 113 (3x3 s2), pool 113 -> 56 either way.
    CHECK(window_output_size(227, 3, 2, 0, 0, Rounding::Floor) == 113);
    CHECK(window_output_size(113, 3, 2, 0, 0, Rounding::Ceil) == 56);
    // Rounding differs: 112 with k3 s2 gives 55 floor, 56 ceil.
    CHECK(window_output_size(112, 3, 2, 0, 0, Rounding::Floor) == 55);
    CHECK(window_output_size(112, 3, 2, 0, 0, Rounding::Ceil) == 56);
    // A last window that would start in the end padding is dropped: 5 with k2 s2 pad 1/1.
    CHECK(window_output_size(5, 2, 2, 1, 1, Rounding::Ceil) == 3);
    CHECK(window_output_size(4, 2, 2, 1, 1, Rounding::Ceil) == 3);
    CHECK(window_output_size(2, 3, 1, 0, 0, Rounding::Floor) == 0);
}

TEST_CASE("conv with padding 1 and a 1x1 kernel grows the map (SqueezeNet v1.0 conv10)", "[ir][shape]") {
    GraphBuilder b("g");
    auto x = b.input("x", {DType::F32, {512, 13, 13}});
    auto c = b.conv("conv10", x, 1000, square_window(1, 1, 1));
    CHECK(b.type_of(c) == TensorType{DType::F32, {1, 1000, 15, 15}});
}

TEST_CASE("shape inference names the node and the problem", "[ir][shape]") {
    GraphBuilder b("g", 3);
    auto x = b.input("x", {DType::F32, {4, 8, 8}});
    auto y = b.input("y", {DType::F32, {5, 8, 8}});
    auto z = b.input("z", {DType::F32, {4, 7, 8}});
    CHECK_THROWS_WITH(b.add("sum", x, y), "node 'sum' (add): operands differ in type: f32[3,4,8,8] and f32[3,5,8,8]");
    CHECK_THROWS_WITH(b.concat("cat", {x, z}),
                      "node 'cat' (concat): input 'z' of type f32[3,4,7,8] cannot be concatenated with f32[3,4,8,8] "
                      "along axis 1");
    CHECK_THROWS_WITH(b.max_pool("pool", x, square_window(9), Rounding::Floor),
                      "node 'pool' (maxpool): a 9-wide window does not fit the height 8 of the input (padded by 0+0)");
    CHECK_THROWS_WITH(b.reshape("r", x, {7, 8}),
                      "node 'r' (reshape): cannot reshape f32[3,4,8,8] to [3,7,8]: element counts differ");
    auto f = b.flatten("f", x);
    CHECK(b.type_of(f) == TensorType{DType::F32, {3, 256}});
    CHECK_THROWS_WITH(b.softmax("s", f, 0), "node 's' (softmax): softmax axis 0 is not a non-batch axis of f32[3,256]");
    CHECK(b.type_of(b.concat("ok", {x, x})).dims == Dims{3, 8, 8, 8});
}
