// The verifier: each invariant of the IR, broken on purpose, gives its own message.
#include "ir/builder.h"
#include "ir/error.h"
#include "ir/verifier.h"
#include "tests/support.h"

using namespace sqz;
using namespace sqz::ir;

namespace {

Graph small_graph() {
    GraphBuilder b("small");
    auto x = b.input("x", {DType::F32, {3, 8, 8}});
    auto c = b.conv("c", x, 4, square_window(3));
    b.output(b.relu("r", c));
    return b.finish();
}

}  // namespace

TEST_CASE("verifier accepts a well-formed graph", "[ir][verify]") { CHECK_NOTHROW(verify(small_graph())); }

TEST_CASE("verifier rejects broken graphs with clear messages", "[ir][verify]") {
    Graph g = small_graph();
    SECTION("duplicate names") {
        g.nodes[1].name = "c";
        g.outputs = {"c"};
        CHECK_THROWS_WITH(verify(g), "graph 'small': name 'c' is defined twice");
    }
    SECTION("use before definition, which also rules out cycles") {
        g.nodes[0].inputs[0] = "r";
        CHECK_THROWS_WITH(verify(g), "node 'c' (conv) uses 'r', which is not defined before it");
    }
    SECTION("wrong arity") {
        g.nodes[1].inputs.push_back("x");
        CHECK_THROWS_WITH(verify(g), "node 'r' (relu) has 2 inputs; it takes 1 to 1");
    }
    SECTION("attributes of another operator") {
        g.nodes[1].attrs = ConcatAttrs{};
        CHECK_THROWS_WITH(verify(g), "node 'r' (relu) carries attributes of another operator");
    }
    SECTION("weights that are not constants") {
        g.nodes[0].inputs[1] = "x";
        CHECK_THROWS_WITH(verify(g), "node 'c' (conv): weight 'x' must be a constant");
    }
    SECTION("stale types") {
        g.nodes[1].type.dims[1] = 5;
        CHECK_THROWS_WITH(verify(g), "node 'r' is typed f32[1,5,6,6] but its inputs give f32[1,4,6,6]");
    }
    SECTION("missing output") {
        g.outputs = {"nowhere"};
        CHECK_THROWS_WITH(verify(g), "graph 'small': output 'nowhere' is not an input or node");
    }
    SECTION("absurd sizes") {
        g.inputs[0].type.dims = {3, 2000000, 8};
        CHECK_THROWS_WITH(verify(g), "input 'x' has dimension 2000000 in f32[1,3,2000000,8]; dimensions must lie in "
                                     "[1, 1000000]");
    }
    SECTION("bound values that do not fit the type") {
        g.constants[0].values = std::make_shared<const std::vector<float>>(3, 0.0f);
        CHECK_THROWS_WITH(verify(g), "constant 'c.weight' of type f32[4,3,3,3] holds 3 values");
    }
    SECTION("pool padding as large as the window") {
        GraphBuilder b("pool");
        auto x = b.input("x", {DType::F32, {1, 4, 4}});
        b.output(b.max_pool("p", x, square_window(2, 1, 2), Rounding::Floor));
        CHECK_THROWS_WITH(b.finish(), "node 'p' (maxpool): padding 2,2,2,2 must be smaller than the 2x2 window");
    }
}
