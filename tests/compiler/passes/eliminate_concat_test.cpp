// Pass eliminate-concat: a concat of single-use convolutions becomes in-place; others stay copies.
// The pass only marks the concat, so the test checks the memory plan and the JIT, which read it.
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

    // Code generation reads the mark (the interpreter does not): a and b write their channel slices
    // of cat's memory and no kernel copies them, where before the pass a kernel did; the other
    // concats keep their copies. The JIT, computing the slices in place, gives the outputs of the
    // graph before the pass (a wrong mark, such as on `self`, would break the plan).
    const codegen::ModelPlan plan = codegen::plan_model(after);
    for (const auto& [input, channel] : {std::pair<const char*, int64_t>{"a", 0}, {"b", 4}}) {
        INFO(input);
        const codegen::Slot& slice = plan.slots.at(plan.value_slot.at(input));
        CHECK(slice.kind == codegen::Slot::Kind::View);
        CHECK(slice.view_kind == codegen::Slot::ViewKind::ChannelSlice);
        CHECK(slice.base == "cat");
        CHECK(slice.base_channel == channel);
    }
    CHECK(test::kernel_of(after, plan, "cat") == nullptr);
    CHECK(test::kernel_of(before, codegen::plan_model(before), "cat") != nullptr);
    for (const char* copy : {"cat2", "self", "out"}) CHECK(test::kernel_of(after, plan, copy) != nullptr);
    CHECK(test::jit_difference(before, after) <= 1e-5);
}
