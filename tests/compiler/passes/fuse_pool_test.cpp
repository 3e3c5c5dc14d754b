// Pass fuse-pool: a conv whose only user is the pooling right after it joins the pooling's group.
#include "compiler/passes/fuse_pool.h"
#include "tests/compiler/passes/pass_test_support.h"

using namespace sqz;

TEST_CASE("fuse-pool groups a conv with the pooling that follows it", "[passes][fuse-pool]") {
    const ir::Graph before = test::graph_from_text(R"(sqzir 1
graph g batch=1
input x : f32[3,23,23]
const w : f32[8,3,3,3]
const v : f32[4,8,1,1]
node c = conv(x, w) [out=8 kernel=3x3 stride=2x2 pads=0,0,0,0 relu] : f32[1,8,11,11]
node p = maxpool(c) [kernel=3x3 stride=2x2 pads=0,0,0,0 ceil] : f32[1,8,5,5]
node d = conv(p, v) [out=4 kernel=1x1 stride=1x1 pads=0,0,0,0] : f32[1,4,5,5]
node q = maxpool(d) [kernel=2x2 stride=2x2 pads=0,0,0,0] : f32[1,4,2,2]
node r = relu(d) : f32[1,4,5,5]
node out = add(r, d) : f32[1,4,5,5]
output q
output out
)");
    const ir::Graph after = compiler::fuse_pool(before);
    // d has other readers, so q stays alone.
    test::check_structure(after, R"(sqzir 1
graph g batch=1
input x : f32[3,23,23]
const w : f32[8,3,3,3]
const v : f32[4,8,1,1]
node c = conv(x, w) [out=8 kernel=3x3 stride=2x2 pads=0,0,0,0 relu] {group=p} : f32[1,8,11,11]
node p = maxpool(c) [kernel=3x3 stride=2x2 pads=0,0,0,0 ceil] {group=p} : f32[1,8,5,5]
node d = conv(p, v) [out=4 kernel=1x1 stride=1x1 pads=0,0,0,0] : f32[1,4,5,5]
node q = maxpool(d) [kernel=2x2 stride=2x2 pads=0,0,0,0] : f32[1,4,2,2]
node r = relu(d) : f32[1,4,5,5]
node out = add(r, d) : f32[1,4,5,5]
output q
output out
)");
    CHECK(test::meaning_difference(before, after) == 0);
}
