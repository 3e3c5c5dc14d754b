// Pass fuse-bypass: the residual Add of a bypass moves into the epilogues of the convolutions
// that produce its operand (directly, or through a channel concat), with each conv's slice.
#include "compiler/passes/fuse_bypass.h"
#include "tests/compiler/passes/pass_test_support.h"

using namespace sqz;

namespace {

// A Fire module with a complex bypass: the skip path's conv comes after the expands.
const char* kComplexFire = R"(sqzir 1
graph fire batch=1
input x : f32[6,7,7]
const sw : f32[3,6,1,1]
const e1w : f32[5,3,1,1]
const e1b : f32[5]
const e3w : f32[4,3,3,3]
const bw : f32[9,6,1,1]
node s = conv(x, sw) [out=3 kernel=1x1 stride=1x1 pads=0,0,0,0 relu] : f32[1,3,7,7]
node e1 = conv(s, e1w, e1b) [out=5 kernel=1x1 stride=1x1 pads=0,0,0,0 relu] : f32[1,5,7,7]
node e3 = conv(s, e3w) [out=4 kernel=3x3 stride=1x1 pads=1,1,1,1 relu] : f32[1,4,7,7]
node cat = concat(e1, e3) [axis=1] : f32[1,9,7,7]
node skip = conv(x, bw) [out=9 kernel=1x1 stride=1x1 pads=0,0,0,0] : f32[1,9,7,7]
node sum = add(cat, skip) : f32[1,9,7,7]
node out = global_avgpool(sum) : f32[1,9,1,1]
output out
)";

}  // namespace

TEST_CASE("fuse-bypass puts each conv's slice of the skip into its epilogue", "[passes][fuse-bypass]") {
    const ir::Graph before = test::graph_from_text(kComplexFire);
    const ir::Graph after = compiler::fuse_bypass(before);
    test::check_structure(after, R"(sqzir 1
graph fire batch=1
input x : f32[6,7,7]
const sw : f32[3,6,1,1]
const e1w : f32[5,3,1,1]
const e1b : f32[5]
const e3w : f32[4,3,3,3]
const bw : f32[9,6,1,1]
node s = conv(x, sw) [out=3 kernel=1x1 stride=1x1 pads=0,0,0,0 relu] : f32[1,3,7,7]
node skip = conv(x, bw) [out=9 kernel=1x1 stride=1x1 pads=0,0,0,0] : f32[1,9,7,7]
node e1 = conv(s, e1w, e1b, skip) [out=5 kernel=1x1 stride=1x1 pads=0,0,0,0 relu residual_offset=0] : f32[1,5,7,7]
node e3 = conv(s, e3w, skip) [out=4 kernel=3x3 stride=1x1 pads=1,1,1,1 relu residual_offset=5] : f32[1,4,7,7]
node cat = concat(e1, e3) [axis=1] : f32[1,9,7,7]
node out = global_avgpool(cat) : f32[1,9,1,1]
output out
)");
    CHECK(test::meaning_difference(before, after) < 1e-12);
}

TEST_CASE("fuse-bypass folds an add into a single conv and leaves shared operands alone", "[passes][fuse-bypass]") {
    const ir::Graph before = test::graph_from_text(R"(sqzir 1
graph g batch=1
input x : f32[4,6,6]
const w : f32[4,4,3,3]
const v : f32[4,4,1,1]
node c = conv(x, w) [out=4 kernel=3x3 stride=1x1 pads=1,1,1,1 relu] : f32[1,4,6,6]
node a = add(x, c) : f32[1,4,6,6]
node d = conv(a, v) [out=4 kernel=1x1 stride=1x1 pads=0,0,0,0] : f32[1,4,6,6]
node b = add(d, a) : f32[1,4,6,6]
node e = relu(d) : f32[1,4,6,6]
node f = add(b, e) : f32[1,4,6,6]
output f
)");
    const ir::Graph after = compiler::fuse_bypass(before);
    // a: fused into c (either operand order works); b: d has another reader (e), so b stays.
    test::check_structure(after, R"(sqzir 1
graph g batch=1
input x : f32[4,6,6]
const w : f32[4,4,3,3]
const v : f32[4,4,1,1]
node c = conv(x, w, x) [out=4 kernel=3x3 stride=1x1 pads=1,1,1,1 relu residual_offset=0] : f32[1,4,6,6]
node d = conv(c, v) [out=4 kernel=1x1 stride=1x1 pads=0,0,0,0] : f32[1,4,6,6]
node b = add(d, c) : f32[1,4,6,6]
node e = relu(d) : f32[1,4,6,6]
node f = add(b, e) : f32[1,4,6,6]
output f
)");
    CHECK(test::meaning_difference(before, after) < 1e-12);
}
