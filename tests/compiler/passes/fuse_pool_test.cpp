// Pass fuse-pool: a conv whose only user is the pooling right after it joins the pooling's group.
// The pass only marks the group, so the test checks the kernel plan and the JIT, which read it.
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

    // Code generation reads the group (the interpreter does not): c and p are one kernel reading
    // the input and writing p, and c's map gets no memory; d and q stay apart, as does each node
    // before the pass. The JIT, computing c strip by strip inside p, gives the outputs of the graph
    // before the pass (a wrong group, such as d with q while r reads d, would break the plan).
    const codegen::ModelPlan plan = codegen::plan_model(after);
    const codegen::Kernel* fused = test::kernel_of(after, plan, "p");
    REQUIRE(fused != nullptr);
    CHECK(fused == test::kernel_of(after, plan, "c"));
    CHECK(fused->nodes == std::vector<size_t>{0, 1});
    CHECK(fused->inputs == std::vector<std::string>{"input:x"});
    CHECK(fused->output == "p");
    CHECK(plan.value_slot.count("c") == 0);
    CHECK(test::kernel_of(after, plan, "d") != test::kernel_of(after, plan, "q"));
    const codegen::ModelPlan unfused = codegen::plan_model(before);
    CHECK(test::kernel_of(before, unfused, "c") != test::kernel_of(before, unfused, "p"));
    CHECK(plan.kernels.size() + 1 == unfused.kernels.size());
    CHECK(test::jit_difference(before, after) <= 1e-5);
}
