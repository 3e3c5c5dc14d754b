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

TEST_CASE("verifier checks quantized forms: int8 weights, 8-bit roundings, rounded inputs", "[ir][verify]") {
    Graph g = small_graph();
    SECTION("an int8 form that is not the values") {
        Int8Weights w{std::vector<int8_t>(108, 1), {0.5f, 0.5f, 0.5f, 0.5f}};
        g.constants[0].bind_int8(w);
        CHECK_NOTHROW(verify(g));
        auto bad = std::make_shared<Int8Weights>(w);
        bad->values[7] = -128;
        g.constants[0].int8 = bad;
        CHECK_THROWS_WITH(verify(g), "constant 'c.weight': int8 value 7 is -128; int8 weights lie in [-127, 127]");
        bad->values[7] = 2;
        CHECK_THROWS_WITH(verify(g), "constant 'c.weight': value 7 is not its int8 form's 2 x 0.5");
        bad->values[7] = 1;
        bad->scales[2] = 0;
        CHECK_THROWS_WITH(verify(g), "constant 'c.weight': int8 scale 0 of output channel 2 is not a positive finite number");
        bad->scales.pop_back();
        CHECK_THROWS_WITH(verify(g), "constant 'c.weight' of type f32[4,3,3,3]: its int8 form has 108 values and 3 scales");
    }
    SECTION("roundings of unknown values or with bad grids") {
        g.activation_quant["nowhere"] = {0.1, 0};
        CHECK_THROWS_WITH(verify(g), "graph 'small': quantisation of 'nowhere', which is not an input or node");
        g.activation_quant.clear();
        g.activation_quant["c"] = {0.1, 300};
        CHECK_THROWS_WITH(verify(g), "graph 'small': 'c' is quantised with scale 0.1 and zero point 300; needs a positive "
                                     "finite scale and a zero point in [0, 255]");
    }
    SECTION("a zero point on an int8 input") {
        ConvQuant& q = g.nodes[0].conv().quant;
        q.input_scale = 0.5;
        q.input_zero_point = 300;
        CHECK_THROWS_WITH(verify(g), Catch::Contains("input quantisation scale 0.5 zero point 300"));
    }
}
