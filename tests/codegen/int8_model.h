// A small int8 model for the exactness tests (tests/codegen/int8_test.cpp, int8_package_test.cpp):
// its first conv copies the input into 16 channels (weights 1 and 0, no bias) and its input
// values are multiples of 1/64 up to 255/64, so that calibration gives that conv the scale 1/64
// exactly: its float-to-u8 rounding is then exact in float32 and float64 alike, and every later
// tensor of an engine must equal the interpreter's int8 evaluation bit for bit. Then: a Fire module
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
    x = conv("copy", x, 16, int8_window(1, 1, 0), true, false);
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
    ir::Constant* copy = m.graph.find_constant("copy.weight");
    std::vector<float> w(static_cast<size_t>(16 * 3), 0.0f);
    for (int o = 0; o < 16; ++o) w[static_cast<size_t>(o * 3 + o % 3)] = 1.0f;
    copy->bind(w);
    m.input.dims = {1, 3, size, size};
    m.input.data.resize(static_cast<size_t>(3 * size * size));
    for (size_t i = 0; i < m.input.data.size(); ++i)
        m.input.data[i] = static_cast<float>((i * 37 + 11) % 256) / 64.0f;
    return m;
}

inline ir::Graph quantized(const ir::Graph& graph, const ir::Tensor& input) {
    const ir::Graph optimized = compiler::optimize(graph);
    return compiler::quantize_int8(optimized, compiler::calibrate(optimized, {input}));
}

}  // namespace sqz::test
