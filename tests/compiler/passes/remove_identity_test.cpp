// Pass remove-identity: Dropout, Identity and no-op reshapes disappear; outputs keep their names.
#include "compiler/passes/remove_identity.h"
#include "tests/compiler/passes/pass_test_support.h"

using namespace sqz;

TEST_CASE("remove-identity drops Dropout, Identity and same-shape reshapes", "[passes][remove-identity]") {
    const ir::Graph before = test::graph_from_text(R"(sqzir 1
graph g batch=1
input x : f32[4,5,5]
const w : f32[6,4,1,1]
node c = conv(x, w) [out=6 kernel=1x1 stride=1x1 pads=0,0,0,0] : f32[1,6,5,5]
node d = dropout(c) : f32[1,6,5,5]
node i = identity(d) : f32[1,6,5,5]
node r = reshape(i) [shape=6,5,5] : f32[1,6,5,5]
node p = global_avgpool(r) : f32[1,6,1,1]
node f = flatten(p) : f32[1,6]
node f2 = reshape(f) [shape=3,2] : f32[1,3,2]
node out = identity(f2) : f32[1,3,2]
output out
)");
    const ir::Graph after = compiler::remove_identity(before);
    test::check_structure(after, R"(sqzir 1
graph g batch=1
input x : f32[4,5,5]
const w : f32[6,4,1,1]
node c = conv(x, w) [out=6 kernel=1x1 stride=1x1 pads=0,0,0,0] : f32[1,6,5,5]
node p = global_avgpool(c) : f32[1,6,1,1]
node f2 = reshape(p) [shape=3,2] : f32[1,3,2]
node out = identity(f2) : f32[1,3,2]
output out
)");
    CHECK(test::meaning_difference(before, after) == 0);
}
