// Pass fuse-conv-relu: a ReLU becomes its convolution's epilogue, unless something else reads the
// convolution or the ReLU is a graph output.
#include "compiler/passes/fuse_conv_relu.h"
#include "tests/compiler/passes/pass_test_support.h"

using namespace sqz;

TEST_CASE("fuse-conv-relu folds a ReLU into the convolution it follows", "[passes][fuse-conv-relu]") {
    const ir::Graph before = test::graph_from_text(R"(sqzir 1
graph g batch=2
input x : f32[3,9,9]
const w1 : f32[8,3,3,3]
const b1 : f32[8]
const w2 : f32[5,8,1,1]
node c1 = conv(x, w1, b1) [out=8 kernel=3x3 stride=2x2 pads=1,1,1,1] : f32[2,8,5,5]
node r1 = relu(c1) : f32[2,8,5,5]
node c2 = conv(r1, w2) [out=5 kernel=1x1 stride=1x1 pads=0,0,0,0] : f32[2,5,5,5]
node r2 = relu(c2) : f32[2,5,5,5]
node shared = relu(r2) : f32[2,5,5,5]
node a = add(shared, c2) : f32[2,5,5,5]
node last = relu(a) : f32[2,5,5,5]
output last
)");
    const ir::Graph after = compiler::fuse_conv_relu(before);
    // c2 has two readers (r2 and a), so its ReLU stays; the graph output's ReLU stays.
    test::check_structure(after, R"(sqzir 1
graph g batch=2
input x : f32[3,9,9]
const w1 : f32[8,3,3,3]
const b1 : f32[8]
const w2 : f32[5,8,1,1]
node c1 = conv(x, w1, b1) [out=8 kernel=3x3 stride=2x2 pads=1,1,1,1 relu] : f32[2,8,5,5]
node c2 = conv(c1, w2) [out=5 kernel=1x1 stride=1x1 pads=0,0,0,0] : f32[2,5,5,5]
node r2 = relu(c2) : f32[2,5,5,5]
node shared = relu(r2) : f32[2,5,5,5]
node a = add(shared, c2) : f32[2,5,5,5]
node last = relu(a) : f32[2,5,5,5]
output last
)");
    CHECK(test::meaning_difference(before, after) == 0);
}
