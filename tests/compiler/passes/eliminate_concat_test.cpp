// Pass eliminate-concat: a concat of single-use convolutions becomes in-place; others stay copies.
#include "compiler/passes/eliminate_concat.h"
#include "tests/compiler/passes/pass_test_support.h"

using namespace sqz;

TEST_CASE("eliminate-concat marks concats of single-use convolutions in place", "[passes][eliminate-concat]") {
    const ir::Graph before = test::graph_from_text(R"(sqzir 1
graph g batch=1
input x : f32[3,5,5]
const w1 : f32[4,3,1,1]
const w2 : f32[2,3,3,3]
const w3 : f32[4,3,1,1]
node a = conv(x, w1) [out=4 kernel=1x1 stride=1x1 pads=0,0,0,0 relu] : f32[1,4,5,5]
node b = conv(x, w2) [out=2 kernel=3x3 stride=1x1 pads=1,1,1,1] : f32[1,2,5,5]
node cat = concat(a, b) [axis=1] : f32[1,6,5,5]
node cat2 = concat(cat, x) [axis=1] : f32[1,9,5,5]
node d = conv(x, w3) [out=4 kernel=1x1 stride=1x1 pads=0,0,0,0] : f32[1,4,5,5]
node self = concat(d, d) [axis=1] : f32[1,8,5,5]
node p = global_avgpool(self) : f32[1,8,1,1]
node q = global_avgpool(cat2) : f32[1,9,1,1]
node out = concat(p, q) [axis=1] : f32[1,17,1,1]
output out
)");
    const ir::Graph after = compiler::eliminate_concat(before);
    // Only `cat` qualifies: cat2 reads a graph input, `self` reads one conv twice.
    REQUIRE(after.find_node("cat") != nullptr);
    CHECK(after.find_node("cat")->concat().in_place);
    CHECK_FALSE(after.find_node("cat2")->concat().in_place);
    CHECK_FALSE(after.find_node("self")->concat().in_place);
    CHECK_FALSE(after.find_node("out")->concat().in_place);
    CHECK(test::meaning_difference(before, after) == 0);
}
