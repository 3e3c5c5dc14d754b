// The .sqz description frontend: the generated SqueezeNets against the Caffe reference and the
// paper's formulas, explicit versus metaparameter form, bypass structure and numerics, --set
// overrides and every example (malformed descriptions: sqz_description_errors_test.cpp).
#include "compiler/file_io.h"
#include "compiler/frontends/caffe_prototxt.h"
#include "compiler/random_weights.h"
#include "compiler/frontends/sqz_description.h"
#include "ir/error.h"
#include "ir/interpreter.h"
#include "ir/stats.h"
#include "ir/verifier.h"
#include "tests/support.h"

#include <cmath>
#include <filesystem>
#include <map>

using namespace sqz;
using namespace sqz::ir;
using compiler::load_sqz;
using compiler::parse_sqz;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

namespace {

std::string example(const std::string& name) { return (test::source_dir() / "examples" / name).string(); }

Graph v10(const std::vector<std::string>& sets = {}) { return load_sqz(example("squeezenet_v1.0.sqz"), sets); }

Dims weight_dims(const Graph& g, const std::string& conv) { return g.find_constant(conv + ".weight")->type.dims; }
Dims out_dims(const Graph& g, const std::string& node) { return g.find_node(node)->type.dims; }

// Compares two graphs node by node (names, ops, inputs, attributes, output types) and constant by
// constant (names, shapes), reporting the first difference.
void require_same_layers(const Graph& a, const Graph& b) {
    REQUIRE(a.inputs.size() == b.inputs.size());
    for (size_t i = 0; i < a.inputs.size(); ++i) {
        CHECK(a.inputs[i].name == b.inputs[i].name);
        CHECK(a.inputs[i].type == b.inputs[i].type);
    }
    REQUIRE(a.nodes.size() == b.nodes.size());
    for (size_t i = 0; i < a.nodes.size(); ++i) {
        const Node& x = a.nodes[i];
        const Node& y = b.nodes[i];
        INFO("node " << i << ": " << x.name << " vs " << y.name);
        REQUIRE(x.name == y.name);
        CHECK(x.op == y.op);
        CHECK(x.inputs == y.inputs);
        CHECK(x.attrs == y.attrs);
        CHECK(to_string(x.type) == to_string(y.type));
    }
    REQUIRE(a.constants.size() == b.constants.size());
    for (size_t i = 0; i < a.constants.size(); ++i) {
        INFO("constant " << a.constants[i].name);
        CHECK(a.constants[i].name == b.constants[i].name);
        CHECK(a.constants[i].type == b.constants[i].type);
    }
    CHECK(a.outputs == b.outputs);
    CHECK(a.batch == b.batch);
    CHECK(a.preprocess == b.preprocess);
}

int64_t conv_params(int64_t out, int64_t in, int64_t k) { return out * in * k * k + out; }

// Parameters of a bypass-free SqueezeNet from the paper's formulas, computed independently of the
// frontend: e_i = base + incr * floor(i / freq), expand3x3 = round(pct * e_i), squeeze = round(SR * e_i).
int64_t expected_params(int64_t conv1_filters, int64_t conv1_kernel, int64_t base, int64_t incr, int64_t freq,
                        double pct, double sr) {
    int64_t total = conv_params(conv1_filters, 3, conv1_kernel);
    int64_t channels = conv1_filters;
    for (int64_t i = 0; i < 8; ++i) {
        int64_t e = base + incr * (i / freq);
        int64_t e3 = std::lround(pct * static_cast<double>(e));
        int64_t s = std::max<int64_t>(1, std::lround(sr * static_cast<double>(e)));
        total += conv_params(s, channels, 1) + conv_params(e - e3, s, 1) + conv_params(e3, s, 3);
        channels = e;
    }
    return total + conv_params(1000, channels, 1);
}

// Interprets a graph with seeded weights, returning every output by name.
std::map<std::string, TensorF64> run(Graph g, const std::vector<std::string>& outputs, uint64_t seed = 7) {
    g.outputs = outputs;
    compiler::bind_random_weights(g, seed);
    verify(g);
    std::vector<TensorF64> results = interpret(g, {test::random_input(g, 11, -100.0f, 100.0f)});
    std::map<std::string, TensorF64> out;
    for (size_t i = 0; i < outputs.size(); ++i) out[outputs[i]] = results[i];
    return out;
}

void check_probabilities(const TensorF64& prob) {
    REQUIRE(prob.data.size() == 1000);
    double sum = 0, lo = 1, hi = 0;
    for (double p : prob.data) {
        REQUIRE(std::isfinite(p));
        sum += p;
        lo = std::min(lo, p);
        hi = std::max(hi, p);
    }
    CHECK(sum == Approx(1.0));
    CHECK(hi > lo * 1.01);  // not a constant output
}

}  // namespace

TEST_CASE("v1.0 metaparameters give Caffe's SqueezeNet v1.0 node by node", "[sqz][caffe]") {
    SQZ_REQUIRE_SHARED();
    Graph caffe = compiler::load_caffe_prototxt((test::shared_dir() / "models/squeezenet_v1.0/deploy.prototxt").string());
    require_same_layers(v10(), caffe);
}

TEST_CASE("v1.1 metaparameters give Caffe's SqueezeNet v1.1 node by node", "[sqz][caffe]") {
    SQZ_REQUIRE_SHARED();
    Graph caffe = compiler::load_caffe_prototxt((test::shared_dir() / "models/squeezenet_v1.1/deploy.prototxt").string());
    require_same_layers(load_sqz(example("squeezenet_v1.1.sqz")), caffe);
}

TEST_CASE("v1.0 has the reference layer shapes", "[sqz]") {
    Graph g = v10();
    CHECK(g.name == "squeezenet_v1.0");
    CHECK(g.batch == 1);
    REQUIRE(g.inputs.size() == 1);
    CHECK(g.inputs[0].name == "data");
    CHECK(g.inputs[0].type.dims == Dims{3, 227, 227});
    CHECK(g.outputs == std::vector<std::string>{"prob"});
    CHECK(g.preprocess == Preprocess{});

    CHECK(weight_dims(g, "conv1") == Dims{96, 3, 7, 7});
    CHECK(out_dims(g, "relu_conv1") == Dims{1, 96, 111, 111});
    CHECK(out_dims(g, "pool1") == Dims{1, 96, 55, 55});
    CHECK(g.find_node("pool1")->pool().rounding == Rounding::Ceil);
    // fire: input channels, squeeze, expand (each half), output size.
    struct Fire { int k; int64_t in, s, e, hw; };
    for (Fire f : {Fire{2, 96, 16, 64, 55}, Fire{3, 128, 16, 64, 55}, Fire{4, 128, 32, 128, 55},
                   Fire{5, 256, 32, 128, 27}, Fire{6, 256, 48, 192, 27}, Fire{7, 384, 48, 192, 27},
                   Fire{8, 384, 64, 256, 27}, Fire{9, 512, 64, 256, 13}}) {
        const std::string n = "fire" + std::to_string(f.k);
        INFO(n);
        CHECK(weight_dims(g, n + "/squeeze1x1") == Dims{f.s, f.in, 1, 1});
        CHECK(weight_dims(g, n + "/expand1x1") == Dims{f.e, f.s, 1, 1});
        CHECK(weight_dims(g, n + "/expand3x3") == Dims{f.e, f.s, 3, 3});
        CHECK(g.find_constant(n + "/expand3x3.bias")->type.dims == Dims{f.e});
        CHECK(out_dims(g, n + "/relu_squeeze1x1") == Dims{1, f.s, f.hw, f.hw});
        CHECK(out_dims(g, n + "/concat") == Dims{1, 2 * f.e, f.hw, f.hw});
        CHECK(g.find_node(n + "/concat")->inputs == std::vector<std::string>{n + "/relu_expand1x1", n + "/relu_expand3x3"});
    }
    CHECK(out_dims(g, "pool4") == Dims{1, 256, 27, 27});
    CHECK(out_dims(g, "pool8") == Dims{1, 512, 13, 13});
    CHECK(g.find_node("drop9")->op == OpKind::Dropout);
    CHECK(weight_dims(g, "conv10") == Dims{1000, 512, 1, 1});
    CHECK(g.find_node("conv10")->conv().window.pad_top == 1);
    CHECK(out_dims(g, "relu_conv10") == Dims{1, 1000, 15, 15});
    CHECK(g.find_node("pool10")->op == OpKind::GlobalAvgPool);
    CHECK(out_dims(g, "prob") == Dims{1, 1000, 1, 1});
    CHECK(g.nodes.size() == 2 + 1 + 8 * 7 + 2 + 1 + 2 + 1 + 1);  // conv1+relu, pools, fires, drop, conv10+relu, pool10, prob
    CHECK(g.constants.size() == 2 * 26);
}

TEST_CASE("exact parameter and MAC totals at 227x227", "[sqz]") {
    GraphStats a = graph_stats(v10());
    CHECK(a.params == 1'248'424);
    CHECK(a.macs == 861'339'936);
    GraphStats b = graph_stats(load_sqz(example("squeezenet_v1.1.sqz")));
    CHECK(b.params == 1'235'496);
    CHECK(b.macs == 387'747'520);
    // The paper's formula, computed here independently.
    CHECK(expected_params(96, 7, 128, 128, 2, 0.5, 0.125) == 1'248'424);
}

TEST_CASE("the explicit form of v1.0 equals the metaparameter form", "[sqz]") {
    Graph a = v10();
    Graph b = load_sqz(example("squeezenet_v1.0_explicit.sqz"));
    CHECK(graphs_equal(a, b, false));
    require_same_layers(a, b);
}

TEST_CASE("every metaparameter defaults to v1.0", "[sqz]") {
    CHECK(graphs_equal(parse_sqz("sqz 1\nname squeezenet_v1.0\n", "defaults.sqz"), v10(), false));
    CHECK(graphs_equal(parse_sqz("# header\n\nsqz 1 # version\nname = \"squeezenet_v1.0\"\n", "d.sqz"), v10(), false));
}

TEST_CASE("v1.1 is v1.0 with four metaparameters changed", "[sqz][set]") {
    Graph a = v10({"name=squeezenet_v1.1", "conv1.filters=64", "conv1.kernel=3", "maxpool.after=conv1,fire3,fire5",
                   "final_conv_pad=0"});
    CHECK(graphs_equal(a, load_sqz(example("squeezenet_v1.1.sqz")), false));
}

TEST_CASE("simple bypass: residual adds around fire3, 5, 7, 9", "[sqz][bypass]") {
    Graph g = load_sqz(example("squeezenet_v1.0_simple_bypass.sqz"));
    const std::map<int, std::string> skip = {{3, "fire2/concat"}, {5, "pool4"}, {7, "fire6/concat"}, {9, "pool8"}};
    for (int k = 2; k <= 9; ++k) {
        const std::string n = "fire" + std::to_string(k);
        INFO(n);
        const Node* add = g.find_node(n + "/bypass");
        CHECK(g.find_node(n + "/bypass_conv1x1") == nullptr);
        if (k % 2 == 0) {
            CHECK(add == nullptr);
            continue;
        }
        REQUIRE(add != nullptr);
        CHECK(add->op == OpKind::Add);
        CHECK(add->inputs == std::vector<std::string>{n + "/concat", skip.at(k)});
        CHECK(add->type == g.find_node(n + "/concat")->type);
    }
    // The next layer reads the sum; the bypass adds no parameters.
    CHECK(g.find_node("fire4/squeeze1x1")->inputs[0] == "fire3/bypass");
    CHECK(g.find_node("drop9")->inputs[0] == "fire9/bypass");
    CHECK(graph_stats(g).params == 1'248'424);
    CHECK(graph_stats(g).macs == 861'339'936);
}

TEST_CASE("complex bypass: 1x1 convs on the skip path of fire2, 4, 6, 8", "[sqz][bypass]") {
    Graph g = load_sqz(example("squeezenet_v1.0_complex_bypass.sqz"));
    const std::map<int, std::pair<std::string, Dims>> conv = {{2, {"pool1", {128, 96, 1, 1}}},
                                                              {4, {"fire3/bypass", {256, 128, 1, 1}}},
                                                              {6, {"fire5/bypass", {384, 256, 1, 1}}},
                                                              {8, {"fire7/bypass", {512, 384, 1, 1}}}};
    for (int k = 2; k <= 9; ++k) {
        const std::string n = "fire" + std::to_string(k);
        INFO(n);
        const Node* add = g.find_node(n + "/bypass");
        REQUIRE(add != nullptr);
        const Node* c = g.find_node(n + "/bypass_conv1x1");
        if (k % 2 == 1) {
            CHECK(c == nullptr);
            continue;
        }
        REQUIRE(c != nullptr);
        CHECK(c->inputs[0] == conv.at(k).first);
        CHECK(weight_dims(g, n + "/bypass_conv1x1") == conv.at(k).second);
        CHECK(add->inputs == std::vector<std::string>{n + "/concat", n + "/bypass_conv1x1"});
        CHECK(c->type == add->type);
    }
    const int64_t extra = conv_params(128, 96, 1) + conv_params(256, 128, 1) + conv_params(384, 256, 1) +
                          conv_params(512, 384, 1);
    CHECK(graph_stats(g).params == 1'248'424 + extra);
}

TEST_CASE("bypass numerics: each Add is the sum of its inputs", "[sqz][bypass][interpret]") {
    const std::vector<std::string> small = {"input=3x67x67"};
    SECTION("simple") {
        Graph plain = v10(small);
        Graph g = load_sqz(example("squeezenet_v1.0_simple_bypass.sqz"), small);
        auto r = run(g, {"fire2/concat", "fire3/concat", "fire3/bypass", "prob"});
        auto p = run(plain, {"fire3/concat", "prob"});
        const auto& x = r["fire2/concat"].data;
        const auto& y = r["fire3/concat"].data;
        const auto& sum = r["fire3/bypass"].data;
        REQUIRE(sum.size() == x.size());
        REQUIRE(sum.size() == 128u * 15 * 15);
        double largest = 0;
        for (size_t i = 0; i < sum.size(); ++i) {
            REQUIRE(sum[i] == x[i] + y[i]);
            largest = std::max(largest, std::abs(x[i]));
        }
        CHECK(largest > 0);
        // Same seeded weights: identical up to the first Add, different after it.
        CHECK(y == p["fire3/concat"].data);
        check_probabilities(r["prob"]);
        CHECK(max_relative_error(std::vector<float>(r["prob"].data.begin(), r["prob"].data.end()), p["prob"].data) >
              1e-6);
    }
    SECTION("complex: the skip conv is a 1x1 conv of the module's input") {
        Graph g = load_sqz(example("squeezenet_v1.0_complex_bypass.sqz"), small);
        Graph bound = g;
        compiler::bind_random_weights(bound, 7);
        auto r = run(g, {"pool1", "fire2/concat", "fire2/bypass_conv1x1", "fire2/bypass", "prob"});
        const auto& x = r["pool1"].data;  // [96, 15, 15]
        const auto& skip = r["fire2/bypass_conv1x1"].data;
        const auto& w = bound.find_constant("fire2/bypass_conv1x1.weight")->data();
        const auto& b = bound.find_constant("fire2/bypass_conv1x1.bias")->data();
        const size_t hw = 15 * 15;
        REQUIRE(x.size() == 96 * hw);
        REQUIRE(skip.size() == 128 * hw);
        for (size_t o = 0; o < 128; o += 9) {
            for (size_t p = 0; p < hw; p += 7) {
                double expected = b[o];
                for (size_t c = 0; c < 96; ++c) expected += double(w[o * 96 + c]) * x[c * hw + p];
                REQUIRE(skip[o * hw + p] == Approx(expected).epsilon(1e-12));
            }
        }
        const auto& y = r["fire2/concat"].data;
        const auto& sum = r["fire2/bypass"].data;
        for (size_t i = 0; i < sum.size(); ++i) REQUIRE(sum[i] == y[i] + skip[i]);
        check_probabilities(r["prob"]);
    }
}

TEST_CASE("metaparameter overrides (--set) follow the paper's formulas", "[sqz][set]") {
    Graph base = v10();
    SECTION("SR=0.25 doubles every squeeze layer") {
        Graph g = v10({"SR=0.25"});
        for (int k = 2; k <= 9; ++k) {
            const std::string s = "fire" + std::to_string(k) + "/squeeze1x1";
            Dims a = weight_dims(base, s), b = weight_dims(g, s);
            CHECK(b[0] == 2 * a[0]);
            CHECK(b[1] == a[1]);
        }
        CHECK(graph_stats(g).params == expected_params(96, 7, 128, 128, 2, 0.5, 0.25));
    }
    SECTION("pct3x3=0.75 moves filters from expand1x1 to expand3x3") {
        Graph g = v10({"pct3x3=0.75"});
        CHECK(weight_dims(g, "fire2/expand1x1") == Dims{32, 16, 1, 1});
        CHECK(weight_dims(g, "fire2/expand3x3") == Dims{96, 16, 3, 3});
        CHECK(weight_dims(g, "fire9/expand1x1") == Dims{128, 64, 1, 1});
        CHECK(weight_dims(g, "fire9/expand3x3") == Dims{384, 64, 3, 3});
        CHECK(out_dims(g, "fire9/concat") == out_dims(base, "fire9/concat"));
        CHECK(graph_stats(g).params == expected_params(96, 7, 128, 128, 2, 0.75, 0.125));
    }
    SECTION("base_e, incr_e and freq") {
        Graph g = v10({"base_e=64", "incr_e=32", "freq=1"});
        for (int i = 0; i < 8; ++i) {
            const std::string n = "fire" + std::to_string(i + 2);
            CHECK(out_dims(g, n + "/concat")[1] == 64 + 32 * i);
        }
        CHECK(graph_stats(g).params == expected_params(96, 7, 64, 32, 1, 0.5, 0.125));
    }
    SECTION("non-integer products round to the nearest integer") {
        Graph g = v10({"SR=0.3", "pct3x3=0.33", "base_e=100", "incr_e=50", "freq=3"});
        // e = 100, 100, 100, 150, 150, 150, 200, 200; SR * e = 30, 45, 60; pct * e = 33, 49.5 -> 50, 66.
        CHECK(weight_dims(g, "fire2/squeeze1x1")[0] == 30);
        CHECK(weight_dims(g, "fire5/squeeze1x1")[0] == 45);
        CHECK(weight_dims(g, "fire5/expand3x3")[0] == 50);
        CHECK(weight_dims(g, "fire5/expand1x1")[0] == 100);
        CHECK(weight_dims(g, "fire9/expand3x3")[0] == 66);
        CHECK(graph_stats(g).params == expected_params(96, 7, 100, 50, 3, 0.33, 0.3));
    }
    SECTION("tiny ratios keep at least one filter") {
        Graph g = v10({"SR=0.001", "pct3x3=0.001"});
        CHECK(weight_dims(g, "fire2/squeeze1x1")[0] == 1);
        CHECK(weight_dims(g, "fire2/expand3x3")[0] == 1);
        CHECK(weight_dims(g, "fire2/expand1x1")[0] == 127);
    }
    SECTION("softmax off, no dropout, other classes, case-insensitive keys") {
        Graph g = v10({"softmax=off", "dropout=0", "classes=10", "sr=0.25"});
        CHECK(g.find_node("prob") == nullptr);
        CHECK(g.find_node("drop9") == nullptr);
        CHECK(g.outputs == std::vector<std::string>{"pool10"});
        CHECK(out_dims(g, "pool10") == Dims{1, 10, 1, 1});
        CHECK(g.find_node("conv10")->inputs[0] == "fire9/concat");
        CHECK(weight_dims(g, "fire2/squeeze1x1")[0] == 32);
    }
    SECTION("fewer Fire modules renumber the tail") {
        Graph g = v10({"fire_modules=4", "maxpool.after=conv1,fire3"});
        CHECK(g.find_node("fire5/concat") != nullptr);
        CHECK(g.find_node("fire6/concat") == nullptr);
        CHECK(g.find_node("pool3") != nullptr);
        CHECK(g.find_node("drop5") != nullptr);
        CHECK(g.find_node("conv6") != nullptr);
        CHECK(g.find_node("pool6")->op == OpKind::GlobalAvgPool);
    }
    SECTION("maxpool.after=none removes every max-pool") {
        Graph g = v10({"maxpool.after=none", "input=3x35x35"});
        for (const Node& n : g.nodes) CHECK(n.op != OpKind::MaxPool);
        CHECK(out_dims(g, "fire9/concat") == Dims{1, 512, 15, 15});
        CHECK(graph_stats(g).params == 1'248'424);
    }
    SECTION("an override replaces the file's value, the last --set wins") {
        CHECK(graphs_equal(v10({"SR=0.5", "SR=0.125"}), base, false));
    }
}

TEST_CASE("every example parses and verifies", "[sqz][examples]") {
    int count = 0;
    for (const auto& entry : std::filesystem::directory_iterator(test::source_dir() / "examples")) {
        if (entry.path().extension() != ".sqz") continue;
        INFO(entry.path().string());
        Graph g = load_sqz(entry.path().string());
        CHECK_NOTHROW(verify(g));
        CHECK(g.nodes.size() > 50);
        CHECK(graph_stats(g).params > 1'000'000);
        ++count;
    }
    CHECK(count >= 5);
}

TEST_CASE("explicit form: from=, concat, add and the plain layers", "[sqz]") {
    Graph g = parse_sqz("sqz 1\n"
                        "name branches\n"
                        "input 3x16x16\n"
                        "layers\n"
                        "conv a filters=4 kernel=3 pad=1 relu\n"
                        "conv b filters=4 kernel=1 from=data\n"
                        "concat ab from=a,b\n"
                        "add s from=a,b\n"
                        "avgpool p kernel=2 stride=2 from=ab\n"
                        "maxpool q kernel=3 stride=2 rounding=floor\n"
                        "fire f squeeze=2 expand1x1=4 expand3x3=4 bypass=complex\n"
                        "relu r\n"
                        "flatten fl\n"
                        "softmax sm\n",
                        "t.sqz");
    CHECK(g.find_node("relu_a") != nullptr);
    CHECK(g.find_node("b")->inputs[0] == "data");
    CHECK(g.find_node("ab")->inputs == std::vector<std::string>{"relu_a", "b"});
    CHECK(g.find_node("s")->inputs == std::vector<std::string>{"relu_a", "b"});
    CHECK(out_dims(g, "p") == Dims{1, 8, 8, 8});
    CHECK(g.find_node("p")->pool().count_include_pad);
    CHECK(out_dims(g, "q") == Dims{1, 8, 3, 3});
    CHECK(weight_dims(g, "f/bypass_conv1x1") == Dims{8, 8, 1, 1});
    CHECK(g.find_node("r")->inputs[0] == "f/bypass");
    CHECK(out_dims(g, "sm") == Dims{1, 72});
    CHECK(g.outputs == std::vector<std::string>{"sm"});
}
