// A small int8 model for the exactness tests (tests/codegen/int8_test.cpp, int8_package_test.cpp),
// every conv int8, so every tensor of an engine must equal the interpreter's int8 evaluation bit
// for bit. Its first conv (3x3, padded) quantises the float input itself: the input's values are
// multiples of 3/4 from -150 to 232.5, so calibration gives it the scale 1.5 (whose reciprocal is
// inexact, so a kernel multiplying by it instead of dividing would differ) and the zero point 100,
// half of its values fall exactly half-way between two steps (round half to even), and the padding
// must read as the zero point. Then: a Fire module
// with 3x3 expands over 16 channels (short reductions), one with a simple bypass, a max-pool, a 1x1
// over 64 and one over 128 channels, a 3x3 over 32 (long reductions), and a float-output
// classifier conv with 10 channels (fewer than a vector).
#pragma once

#include "compiler/calibration.h"
#include "compiler/random_weights.h"
#include "compiler/pass_manager.h"
#include "compiler/passes/quantize_int8.h"
#include "ir/builder.h"
#include "ir/host_tensor.h"

#include <string>
#include <vector>

namespace sqz::test {

inline ir::Window int8_window(int64_t k, int64_t stride, int64_t pad) {
    ir::Window w;
    w.kernel_h = w.kernel_w = k;
    w.stride_h = w.stride_w = stride;
    w.pad_top = w.pad_left = w.pad_bottom = w.pad_right = pad;
    return w;
}

struct Int8Model {
    ir::Graph graph;
    ir::Tensor input;
};

inline Int8Model int8_model(int64_t size) {
    ir::GraphBuilder b("int8_test");
    // A conv, with a ReLU after it when asked (the passes fold it into the conv).
    auto conv = [&](const std::string& name, const std::string& in, int64_t out, const ir::Window& w, bool relu, bool bias) {
        const std::string y = b.conv(name, in, out, w, bias);
        return relu ? b.relu(name + "/relu", y) : y;
    };
    std::string x = b.input("data", ir::TensorType{ir::DType::F32, {3, size, size}});
    x = conv("conv1", x, 16, int8_window(3, 1, 1), true, true);
    auto fire = [&](const std::string& name, const std::string& in, int64_t s, int64_t e) {
        std::string sq = conv(name + "/squeeze", in, s, int8_window(1, 1, 0), true, true);
        std::string e1 = conv(name + "/expand1x1", sq, e, int8_window(1, 1, 0), true, true);
        std::string e3 = conv(name + "/expand3x3", sq, e, int8_window(3, 1, 1), true, true);
        return b.concat(name + "/concat", {e1, e3});
    };
    x = fire("fire2", x, 16, 32);
    std::string f3 = fire("fire3", x, 16, 32);
    x = b.add("bypass3", f3, x);
    x = b.max_pool("pool3", x, int8_window(3, 2, 0), ir::Rounding::Ceil);
    x = conv("wide1x1", x, 32, int8_window(1, 1, 0), true, true);   // 64 in: 1x1 over 64
    x = fire("fire4", x, 32, 64);                                 // squeeze over 32, 3x3 over 32
    x = conv("deep1x1", x, 24, int8_window(1, 1, 0), true, true);   // 1x1 over 128
    x = conv("classifier", x, 10, int8_window(1, 1, 0), false, true);
    b.output(x);
    Int8Model m{b.finish(), {}};
    compiler::bind_random_weights(m.graph, 5);
    m.input.dims = {1, 3, size, size};
    m.input.data.resize(static_cast<size_t>(3 * size * size));
    for (size_t i = 0; i < m.input.data.size(); ++i)
        m.input.data[i] = static_cast<float>(static_cast<int>((i * 37 + 11) % 511) - 200) * 0.75f;
    m.input.data[0] = -150.0f, m.input.data[1] = 232.5f;  // the range, whatever the size
    return m;
}

// Quantised as sqzc --precision int8 does (compiler/driver.cpp), calibrated on the input.
inline ir::Graph quantized(const ir::Graph& graph, const ir::Tensor& input) {
    const ir::Graph optimized = compiler::optimize(graph);
    return compiler::quantize_int8(optimized, compiler::calibrate(optimized, {input}),
                                   compiler::input_grids(optimized, {input}));
}

}  // namespace sqz::test
