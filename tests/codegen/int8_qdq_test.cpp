// int8 models through ONNX and back: an int8 model exported as QDQ and imported again has the same
// int8 parameters and gives the same outputs, bit for bit, in the reference interpreter and in the
// JIT; and the JIT runs an imported quantized model (its image rounding included) as the
// interpreter evaluates it.
#include "codegen/jit_model.h"
#include "compiler/driver.h"
#include "compiler/exporters/onnx_export.h"
#include "compiler/frontends/onnx_import.h"
#include "compiler/random_weights.h"
#include "compiler/frontends/sqz_description.h"
#include "ir/interpreter.h"
#include "ir/quantization.h"
#include "ir/resize.h"
#include "tests/compiler/onnx_qdq_models.h"

#include <cmath>

using namespace sqz;

namespace {

ir::Graph int8_form(const ir::Graph& g, std::string* warning = nullptr) {
    compiler::CompileOptions o;
    o.precision = compiler::Precision::Int8;
    if (warning) o.warn = [warning](const std::string& w) { *warning = w; };
    return compiler::prepare(g, o);
}

ir::Graph reimported(const ir::Graph& int8, std::string* warning) {
    ir::Graph g = compiler::parse_onnx(compiler::export_onnx(int8), "exported.onnx");
    return int8_form(g, warning);
}

std::vector<const ir::Node*> convs(const ir::Graph& g) {
    std::vector<const ir::Node*> out;
    for (const ir::Node& n : g.nodes)
        if (n.op == ir::OpKind::Conv) out.push_back(&n);
    return out;
}

// A model with every kind of conv the int8 form has: conv1 (float input, u8 output), Fire modules
// with int8 1x1 and 3x3 convs, a simple bypass (u8 residuals), a complex bypass (a float 1x1 conv
// on the skip path), and a float-output classifier.
ir::Graph bypass_model() {
    ir::Graph g = compiler::parse_sqz(R"(sqz 1
name roundtrip
input 3x35x35
layers
conv    conv1 filters=32 kernel=3 stride=2 relu
maxpool pool1 kernel=3 stride=2
fire    fire2 squeeze=16 expand1x1=32 expand3x3=32
fire    fire3 squeeze=16 expand1x1=32 expand3x3=32 bypass=simple
fire    fire4 squeeze=16 expand1x1=48 expand3x3=48 bypass=complex
conv    conv10 filters=12 kernel=1 relu
global_avgpool pool10
)", "roundtrip.sqz");
    compiler::bind_random_weights(g, 21);
    return g;
}

}  // namespace

TEST_CASE("an int8 model exported as QDQ and imported again is the same int8 model", "[int8][onnx][qdq]") {
    const ir::Graph model = bypass_model();
    const ir::Graph q = int8_form(model);
    std::string warning;
    const ir::Graph back = reimported(q, &warning);

    // The same int8 parameters, conv by conv.
    const auto a = convs(q), b = convs(back);
    REQUIRE(a.size() == b.size());
    int int8 = 0;
    for (size_t i = 0; i < a.size(); ++i) {
        INFO(a[i]->name << " / " << b[i]->name);
        const ir::ConvAttrs &x = a[i]->conv(), &y = b[i]->conv();
        CHECK(x.quant == y.quant);
        CHECK(x.relu == y.relu);
        CHECK(x.residual == y.residual);
        CHECK(x.residual_offset == y.residual_offset);
        if (!x.quant.int8_input) continue;
        ++int8;
        auto params = [](const ir::Graph& g, const ir::Node& n) {
            return ir::int8_conv_params(*g.find_constant(n.inputs[1]), n.has_bias() ? g.find_constant(n.inputs[2]) : nullptr,
                                        n.conv().quant);
        };
        const ir::Int8ConvParams p = params(q, *a[i]), r = params(back, *b[i]);
        CHECK(p.weights == r.weights);
        CHECK(p.weight_scales == r.weight_scales);
        CHECK(p.bias == r.bias);
        CHECK(p.multiplier == r.multiplier);
        CHECK(p.shift == r.shift);
        CHECK(p.residual_multiplier == r.residual_multiplier);
        CHECK(p.float_multiplier == r.float_multiplier);
    }
    CHECK(int8 >= 8);
    CHECK_THAT(warning, Catch::Contains("int8 convolutions requantise in fixed point"));
    CHECK_THAT(warning, !Catch::Contains("kept in float32") && !Catch::Contains("merged"));

    // The same outputs, bit for bit, in the interpreter and in the JIT (1 and 2 threads).
    std::vector<ir::Tensor> inputs;
    for (uint64_t seed = 1; seed <= 2; ++seed) inputs.push_back(test::random_input(model, seed, -120.0f, 130.0f));
    for (const ir::Tensor& x : inputs) CHECK(ir::interpret(back, {x}).at(0).data == ir::interpret(q, {x}).at(0).data);
    for (int threads : {1, 2}) {
        codegen::JitOptions o;
        o.threads = threads;
        const auto jit_q = codegen::make_jit_engine(q, o), jit_back = codegen::make_jit_engine(back, o);
        for (const ir::Tensor& x : inputs) CHECK(jit_back->run({x}).at(0).data == jit_q->run({x}).at(0).data);
    }
}

TEST_CASE("the JIT runs an imported quantized model as the interpreter evaluates its int8 form", "[int8][onnx][qdq][jit]") {
    // conv1 rounds the image (zero point 128) in float, the rest is integer: with the input on the
    // image's grid the rounding is exact in float32 as in float64; conv1 then sums in float.
    test::QdqFireOptions o;
    o.quantize_tail = true;  // kept in float by sqzc: the int8 form is what both engines run
    const ir::Graph g = compiler::parse_onnx(test::qdq_fire_model(o).bytes(), "fire.onnx");
    const ir::Graph q = int8_form(g);
    for (const bool package_forms : {false, true}) {
        codegen::JitOptions options;
        options.c_source_forms = package_forms;
        const auto jit = codegen::make_jit_engine(q, options);
        for (uint64_t seed = 1; seed <= 3; ++seed) {
            const ir::Tensor x = test::qdq_fire_input(seed);
            INFO("package forms " << package_forms << ", seed " << seed);
            CHECK(ir::max_relative_error(jit->run({x}).at(0).data, ir::interpret(q, {x}).at(0).data) <= 1e-2);
        }
    }
}
