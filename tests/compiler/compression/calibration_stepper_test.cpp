// Stepping models through calibration inputs (compiler/compression/calibration_stepper.h,
// calibration_conv.h): the fast convolution and the stepper give the reference interpreter's
// values bit for bit, and values no longer read are dropped.
#include "compiler/compression/calibration_conv.h"
#include "compiler/compression/calibration_stepper.h"
#include "ir/builder.h"
#include "ir/error.h"
#include "ir/interpreter.h"
#include "tests/compiler/compression/conv_layer_fixture.h"
#include "tests/support.h"

#include <cstring>

using namespace sqz;
using test::as_f64;

namespace {

void bind_random(ir::Graph& g, uint64_t seed, double zeros) {
    for (ir::Constant& c : g.constants) {
        std::vector<float> v = test::random_values(static_cast<size_t>(c.type.numel()), seed++);
        const std::vector<float> keep = test::random_values(v.size(), seed++, 0.0f, 1.0f);
        for (size_t i = 0; i < v.size(); ++i)
            if (keep[i] < zeros) v[i] = 0.0f;  // pruned, as Deep Compression's are
        c.bind(std::move(v));
    }
}

bool bit_equal(const std::vector<double>& a, const std::vector<double>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), 8 * a.size()) == 0;
}

}  // namespace

TEST_CASE("the calibration convolution computes the interpreter's values bit for bit", "[compression][refine]") {
    struct Case {
        const char* name;
        int64_t channels, size, out;
        ir::Window window;
        bool relu;
    };
    ir::Window odd = ir::square_window(3, 2, 1);
    odd.pad_top = 0;
    odd.pad_right = 2;
    odd.kernel_w = 2;
    const Case cases[] = {
        {"1x1", 5, 9, 7, ir::square_window(1), false},
        {"3x3 pad 1", 4, 11, 6, ir::square_window(3, 1, 1), true},
        {"7x7 stride 2", 3, 19, 4, ir::square_window(7, 2, 0), true},
        {"3x2 stride 2, uneven padding", 3, 10, 5, odd, false},
        {"3x3 larger than the input with padding", 2, 2, 3, ir::square_window(3, 1, 1), false},
    };
    for (const Case& c : cases) {
        INFO(c.name);
        ir::GraphBuilder b("conv");
        const std::string x = b.input("data", {ir::DType::F32, {c.channels, c.size, c.size}});
        b.output(b.conv("conv", x, c.out, c.window));
        ir::Graph g = b.finish();
        g.nodes[0].conv().relu = c.relu;
        bind_random(g, 3, 0.5);
        REQUIRE(compiler::calibration_conv_applies(g, g.nodes[0]));
        const ir::TensorF64 input = as_f64(test::random_input(g, 9));
        const ir::TensorF64 want = ir::evaluate_node(g, g.nodes[0], [&](const std::string&) -> const ir::TensorF64& { return input; });
        const ir::TensorF64 got = compiler::calibration_conv(g, g.nodes[0], input);
        CHECK(got.dims == want.dims);
        CHECK(bit_equal(got.data, want.data));
    }
}

TEST_CASE("the calibration stepper gives the interpreter's outputs and drops values no longer read",
          "[compression][refine]") {
    ir::GraphBuilder b("fire");
    std::string x = b.input("data", {ir::DType::F32, {3, 23, 23}});
    x = b.relu("relu1", b.conv("conv1", x, 8, ir::square_window(3, 2, 0)));
    x = b.max_pool("pool1", x, ir::square_window(3, 2, 0), ir::Rounding::Ceil);
    const std::string s = b.relu("squeeze_relu", b.conv("squeeze", x, 4, ir::square_window(1)));
    const std::string e1 = b.relu("e1_relu", b.conv("e1", s, 6, ir::square_window(1)));
    const std::string e3 = b.relu("e3_relu", b.conv("e3", s, 6, ir::square_window(3, 1, 1)));
    x = b.dropout("drop", b.concat("concat", {e1, e3}));
    b.output(b.global_avg_pool("pool", b.conv("final", x, 5, ir::square_window(1))));
    ir::Graph g = b.finish();
    bind_random(g, 21, 0.3);
    const ir::Tensor input = test::random_input(g, 5);
    const ir::TensorF64 want = ir::interpret(g, {input}).at(0);

    compiler::CalibrationStepper stepper(g, as_f64(input));
    stepper.step(0);
    CHECK_THROWS_AS(stepper.step(2), sqz::InternalError);  // out of order
    stepper.step(1);
    CHECK_THROWS_AS(stepper.value("conv1"), sqz::InternalError);  // its only reader, the ReLU, has run
    CHECK(stepper.value("relu1").dims == g.type_of("relu1").dims);
    stepper.run_to_end();
    CHECK(stepper.next_node() == g.nodes.size());
    CHECK(bit_equal(stepper.value(g.outputs[0]).data, want.data));
    CHECK_THROWS_AS(stepper.value("squeeze_relu"), sqz::InternalError);
}
