// int8 inference: the reference interpreter's int8 evaluation against an independent integer
// implementation written here (with the quantised weights, biases, multipliers and shift computed
// here too, and compared with ir::int8_conv_params), and the JIT's int8 kernels against the
// interpreter, exactly; then int8 against float32 within the stated tolerance on a full model.
// Packages' int8 kernels: int8_package_test.cpp.
#include "codegen/jit_model.h"
#include "compiler/calibration.h"
#include "compiler/driver.h"
#include "compiler/random_weights.h"
#include "compiler/pass_manager.h"
#include "compiler/passes/quantize_int8.h"
#include "compiler/model_loader.h"
#include "ir/builder.h"
#include "ir/interpreter.h"
#include "ir/quantization.h"
#include "ir/test_pattern.h"
#include "tests/codegen/int8_model.h"
#include "tests/support.h"

#include <cmath>
#include <map>

using namespace sqz;
using namespace sqz::ir;

namespace {

// The integers of an int8 conv, computed here from their definitions (ir/quantization.h,
// docs/int8.md) rather than by ir::int8_conv_params, which the test compares with them.
struct IntegerParams {
    std::vector<int64_t> weights;      // w_q[o, i, ky, kx] = round(w / s[o]) in [-127, 127]
    std::vector<double> scales;        // s[o] = max |w[o]| / 127, rounded to float32
    std::vector<int64_t> bias;         // round(b[o] / (input_scale * s[o]))
    std::vector<int64_t> multiplier;   // u8 output: round(input_scale * s[o] / output_scale * 2^shift)
    int64_t residual_multiplier = 0;   // round(residual_scale / output_scale * 2^shift)
    int shift = 0;                     // the largest in [1, 31] keeping every multiplier below 2^31
    std::vector<float> float_multiplier;  // float output: input_scale * s[o]
};

IntegerParams integer_params(const Constant& weight, const Constant* bias, const ConvQuant& q) {
    const std::vector<float>& w = weight.data();
    const size_t outputs = static_cast<size_t>(weight.type.dims[0]), per_output = w.size() / outputs;
    IntegerParams p;
    for (size_t o = 0; o < outputs; ++o) {
        double largest = 0;
        for (size_t k = 0; k < per_output; ++k) largest = std::max(largest, std::fabs(double{w[o * per_output + k]}));
        const double scale = largest == 0 ? 1.0 : static_cast<double>(static_cast<float>(largest / 127));
        p.scales.push_back(scale);
        for (size_t k = 0; k < per_output; ++k)
            p.weights.push_back(static_cast<int64_t>(std::clamp(std::nearbyint(w[o * per_output + k] / scale), -127.0, 127.0)));
        p.bias.push_back(bias ? static_cast<int64_t>(std::nearbyint(bias->data()[o] / (q.input_scale * scale))) : 0);
        p.float_multiplier.push_back(static_cast<float>(q.input_scale * scale));
    }
    if (!q.u8_output) return p;
    for (p.shift = 31; p.shift > 1; --p.shift) {
        const double two_shift = std::ldexp(1.0, p.shift);
        bool fits = std::nearbyint(q.residual_scale / q.output_scale * two_shift) < 2147483648.0;
        for (double scale : p.scales) fits = fits && std::nearbyint(q.input_scale * scale / q.output_scale * two_shift) < 2147483648.0;
        if (fits) break;
    }
    const double two_shift = std::ldexp(1.0, p.shift);
    for (double scale : p.scales)
        p.multiplier.push_back(static_cast<int64_t>(std::nearbyint(q.input_scale * scale / q.output_scale * two_shift)));
    p.residual_multiplier = static_cast<int64_t>(std::nearbyint(q.residual_scale / q.output_scale * two_shift));
    return p;
}

// int8_conv_params gives the integers of their definitions.
void check_params(const IntegerParams& want, const Int8ConvParams& got, bool u8_output) {
    CHECK(std::equal(want.weights.begin(), want.weights.end(), got.weights.begin(), got.weights.end()));
    CHECK(want.scales == got.weight_scales);
    CHECK(std::equal(want.bias.begin(), want.bias.end(), got.bias.begin(), got.bias.end()));
    if (u8_output) {
        CHECK(want.shift == got.shift);
        CHECK(std::equal(want.multiplier.begin(), want.multiplier.end(), got.multiplier.begin(), got.multiplier.end()));
        CHECK(want.residual_multiplier == got.residual_multiplier);
    } else {
        CHECK(want.float_multiplier == got.float_multiplier);
    }
}

// An int8 conv computed here from its definition, independently of the interpreter and of
// int8_conv_params: NCHW u8 input (as doubles), or a float input quantised as ONNX's QuantizeLinear
// does (float32 quotient rounded half to even, then the zero point) with the zero point subtracted
// again, int64 sums
// (padding adds nothing), the integer epilogue.
std::vector<double> integer_conv(const Node& node, const Graph& g, std::vector<double> x, const Dims& in_dims,
                                 const std::vector<double>* residual) {
    const ConvAttrs& a = node.conv();
    if (g.type_of(node.inputs[0]).dtype == DType::F32)
        for (double& v : x)
            v = std::clamp(std::nearbyint(static_cast<float>(v) / static_cast<float>(a.quant.input_scale)) +
                               a.quant.input_zero_point, 0.0f, 255.0f) - a.quant.input_zero_point;
    const Constant* bias = node.has_bias() ? g.find_constant(node.inputs[2]) : nullptr;
    const IntegerParams p = integer_params(*g.find_constant(node.inputs[1]), bias, a.quant);
    check_params(p, int8_conv_params(*g.find_constant(node.inputs[1]), bias, a.quant), a.quant.u8_output);
    const int64_t C = in_dims[1], H = in_dims[2], W = in_dims[3];
    const int64_t O = node.type.dims[1], OH = node.type.dims[2], OW = node.type.dims[3];
    const int64_t K = a.window.kernel_h, S = a.window.stride_h, P = a.window.pad_top;
    const int64_t half = p.shift > 0 ? int64_t{1} << (p.shift - 1) : 0;  // u8 outputs only (float: shift 0)
    std::vector<double> y(static_cast<size_t>(O * OH * OW));
    for (int64_t o = 0; o < O; ++o)
        for (int64_t oy = 0; oy < OH; ++oy)
            for (int64_t ox = 0; ox < OW; ++ox) {
                int64_t t = p.bias[static_cast<size_t>(o)];
                for (int64_t c = 0; c < C; ++c)
                    for (int64_t ky = 0; ky < K; ++ky)
                        for (int64_t kx = 0; kx < K; ++kx) {
                            const int64_t iy = oy * S - P + ky, ix = ox * S - P + kx;
                            if (iy < 0 || ix < 0 || iy >= H || ix >= W) continue;
                            t += p.weights[static_cast<size_t>(((o * C + c) * K + ky) * K + kx)] *
                                 static_cast<int64_t>(x[static_cast<size_t>((c * H + iy) * W + ix)]);
                        }
                const size_t i = static_cast<size_t>((o * OH + oy) * OW + ox);
                if (a.quant.u8_output) {
                    int64_t u = (t * p.multiplier[static_cast<size_t>(o)] + half) >> p.shift;
                    if (a.relu) u = std::max<int64_t>(u, 0);
                    if (residual) {
                        const double r = (*residual)[static_cast<size_t>(((a.residual_offset + o) * OH + oy) * OW + ox)];
                        u += (static_cast<int64_t>(r) * p.residual_multiplier + half) >> p.shift;
                    }
                    y[i] = static_cast<double>(std::min<int64_t>(std::max<int64_t>(u, 0), 255));
                } else {
                    double v = static_cast<double>(static_cast<float>(t) * p.float_multiplier[static_cast<size_t>(o)]);
                    y[i] = a.relu ? std::max(v, 0.0) : v;
                }
            }
    return y;
}

double max_abs_diff(const std::vector<float>& a, const std::vector<double>& b) {
    REQUIRE(a.size() == b.size());
    double worst = 0;
    for (size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::fabs(static_cast<double>(a[i]) - b[i]));
    return worst;
}

}  // namespace

TEST_CASE("the interpreter's int8 convs equal an independent integer implementation", "[int8][reference]") {
    const test::Int8Model m = test::int8_model(15);
    const Graph q = test::quantized(m.graph, m.input);
    int int8_convs = 0, u8_convs = 0;
    for (const Node& node : q.nodes)
        if (node.op == OpKind::Conv && node.conv().quant.int8_input) ++int8_convs, u8_convs += node.conv().quant.u8_output;
    // Every conv is int8 (the first quantises the float input); all but the classifier write u8.
    CHECK(int8_convs == 13);
    CHECK(u8_convs == 12);
    const Node& first = *q.find_node("conv1");
    CHECK(q.type_of(first.inputs[0]).dtype == DType::F32);
    CHECK(first.conv().quant.input_scale == 1.5);
    CHECK(first.conv().quant.input_zero_point == 100);

    std::map<std::string, TensorF64> values;
    values[q.inputs.at(0).name] = TensorF64{m.input.dims, std::vector<double>(m.input.data.begin(), m.input.data.end())};
    interpret(q, {m.input}, [&](const Node& node, const TensorF64& v) { values[node.name] = v; });
    int checked = 0;
    for (const Node& node : q.nodes) {
        if (node.op != OpKind::Conv || !node.conv().quant.int8_input) continue;
        const TensorF64& x = values.at(node.inputs[0]);
        const TensorF64* r = node.conv().residual ? &values.at(node.residual_input()) : nullptr;
        INFO(node.name);
        const std::vector<double> want = integer_conv(node, q, x.data, x.dims, r ? &r->data : nullptr);
        const std::vector<double>& got = values.at(node.name).data;
        // A conv writing into a concat slice produces its own channels only.
        REQUIRE(got.size() == want.size());
        CHECK(got == want);
        ++checked;
    }
    CHECK(checked == 13);
}

TEST_CASE("int8 kernels equal the interpreter's int8 evaluation exactly", "[int8][jit]") {
    const test::Int8Model m = test::int8_model(15);
    const Graph q = test::quantized(m.graph, m.input);
    const std::vector<TensorF64> want = interpret(q, {m.input});
    // Lowered for the JIT and as for packages (whose int8 convs now share the JIT's form, so this
    // checks only that the packages' other schedule choices keep int8 exact).
    for (const bool package_lowering : {false, true})
        for (const int threads : {1, 2}) {
            codegen::JitOptions options;
            options.threads = threads;
            options.c_source_forms = package_lowering;
            const auto jit = codegen::make_jit_engine(q, options);
            const std::vector<Tensor> got = jit->run({m.input});
            INFO("package lowering " << package_lowering << ", threads " << threads);
            REQUIRE(got.at(0).dims == want.at(0).dims);
            CHECK(max_abs_diff(got[0].data, want[0].data) == 0.0);
        }
}

TEST_CASE("int8 agrees with float32 on the Deep Compression model and real photographs", "[int8][accuracy][photos]") {
    SQZ_REQUIRE_SHARED();
    const std::vector<std::string> calibration = {"data_apple.jpg", "data_board.jpg", "data_home.jpg", "data_rocket.jpg",
                                                  "data_basketball1.png"};
    const std::vector<std::string> evaluation = {"data_chelsea.png", "data_coffee.png", "dnn_superres_butterfly.png",
                                                 "data_fruits.jpg", "data_motorcycle_left.png", "data_baboon.jpg",
                                                 "data_orange.jpg", "data_astronaut.png"};
    for (const auto& names : {calibration, evaluation})
        for (const std::string& name : names) SQZ_REQUIRE_PHOTO(name);
    const auto dir = test::shared_dir() / "models" / "squeezenet_v1.0_deep_compression";
    compiler::ModelOptions mo;
    mo.model_path = (dir / "deploy.prototxt").string();
    mo.weights_path = (dir / "compressed_SqueezeNet.net").string();
    const Graph graph = compiler::load_model(mo);
    compiler::CompileOptions co;
    co.precision = compiler::Precision::Int8;
    for (const std::string& name : calibration) co.calibration.push_back(test::photo(name).string());
    const Graph q = compiler::prepare(graph, co);

    int top1 = 0, top5 = 0;
    double worst = 0;
    for (const std::string& name : evaluation) {
        const Tensor input = compiler::calibration_inputs(graph, {test::photo(name).string()}).at(0);
        const std::vector<double> f = interpret(graph, {input}).at(0).data;
        const std::vector<double> i8 = interpret(q, {input}).at(0).data;
        const auto best = [](const std::vector<double>& v) { return std::max_element(v.begin(), v.end()) - v.begin(); };
        const auto float_top = best(f), int8_top = best(i8);
        top1 += float_top == int8_top;
        // The float top class among int8's five best.
        int above = 0;
        for (double v : i8) above += v > i8[static_cast<size_t>(float_top)];
        top5 += above < 5;
        worst = std::max(worst, max_relative_error(std::vector<float>(i8.begin(), i8.end()), f));
    }
    WARN("int8 (calibrated on 5 photos) vs float32 on " << evaluation.size() << " other photos: top-1 agrees on "
                                                        << top1 << ", float top-1 within int8 top-5 on " << top5
                                                        << ", worst max |a-b| / max |ref| " << worst);
    CHECK(top1 >= static_cast<int>(evaluation.size()) - 1);
    CHECK(top5 == static_cast<int>(evaluation.size()));
    CHECK(worst < 0.25);

    // Random inputs over the preprocessed pixel range (noise images: no class stands out, so
    // top-1 may flip between near-equal scores; the error is what to watch).
    double worst_random = 0;
    int random_top1 = 0;
    for (uint64_t seed = 1; seed <= 3; ++seed) {
        const Tensor input = test::random_input(graph, seed, -123.0f, 151.0f);
        const std::vector<double> f = interpret(graph, {input}).at(0).data;
        const std::vector<double> i8 = interpret(q, {input}).at(0).data;
        random_top1 += std::max_element(f.begin(), f.end()) - f.begin() == std::max_element(i8.begin(), i8.end()) - i8.begin();
        worst_random = std::max(worst_random, max_relative_error(std::vector<float>(i8.begin(), i8.end()), f));
    }
    WARN("int8 vs float32 on 3 random inputs: top-1 agrees on " << random_top1 << ", worst max |a-b| / max |ref| "
                                                               << worst_random);
    CHECK(worst_random < 0.5);

    // The JIT's int8 kernels give the interpreter's int8 result on a photograph.
    const Tensor cat = compiler::calibration_inputs(graph, {test::photo("data_chelsea.png").string()}).at(0);
    const auto jit = codegen::make_jit_engine(q, {});
    CHECK(max_relative_error(jit->run({cat}).at(0).data, interpret(q, {cat}).at(0).data) <= 1e-2);
}
