// The Caffe prototxt frontend: the three shared SqueezeNet descriptions (shapes, wiring, cost
// figures), Caffe's layer semantics on small nets, and malformed inputs with their messages.
#include "compiler/frontends/caffe_prototxt.h"
#include "compiler/frontends/deep_compression.h"
#include "ir/builder.h"
#include "ir/error.h"
#include "ir/interpreter.h"
#include "ir/stats.h"
#include "tests/support.h"

#include <algorithm>
#include <filesystem>
#include <map>

using namespace sqz;
using namespace sqz::compiler;
using Catch::Matchers::Contains;
using Catch::Matchers::Equals;
using Catch::Matchers::StartsWith;

namespace {

std::string shared_prototxt(const char* model) {
    return (test::shared_dir() / "models" / model / "deploy.prototxt").string();
}

const ir::Node& node(const ir::Graph& g, const std::string& name) {
    const ir::Node* n = g.find_node(name);
    INFO("node " << name);
    REQUIRE(n != nullptr);
    return *n;
}

ir::Dims dims_of(const ir::Graph& g, const std::string& name) { return node(g, name).type.dims; }

std::map<ir::OpKind, int> op_counts(const ir::Graph& g) {
    std::map<ir::OpKind, int> counts;
    for (const ir::Node& n : g.nodes) ++counts[n.op];
    return counts;
}

std::vector<const ir::Node*> convs(const ir::Graph& g) {
    std::vector<const ir::Node*> out;
    for (const ir::Node& n : g.nodes)
        if (n.op == ir::OpKind::Conv) out.push_back(&n);
    return out;
}

// A net with `data` of shape 1x8x16x16 declared the legacy way, followed by `body`.
std::string net(const std::string& body) {
    return "input: \"data\"\ninput_shape { dim: 1 dim: 8 dim: 16 dim: 16 }\n" + body;
}

ir::Graph parse(const std::string& text) { return parse_caffe_prototxt(text, "t.prototxt"); }

const char* kConv1 = R"(
layer {
  name: "conv1"
  type: "Convolution"
  bottom: "data"
  top: "conv1"
  convolution_param { num_output: 4 kernel_size: 3 }
}
)";

}  // namespace

TEST_CASE("SqueezeNet v1.0 prototxt (input + input_shape)", "[caffe][shared]") {
    SQZ_REQUIRE_SHARED();
    const ir::Graph g = load_caffe_prototxt(shared_prototxt("squeezenet_v1.0"));
    CHECK(g.name == "deploy");
    CHECK(g.batch == 1);
    CHECK(g.preprocess == ir::Preprocess{});
    REQUIRE(g.inputs.size() == 1);
    CHECK(g.inputs[0].name == "data");
    CHECK(g.inputs[0].type == ir::TensorType{ir::DType::F32, {3, 227, 227}});
    CHECK(g.outputs == std::vector<std::string>{"prob"});

    CHECK(g.nodes.size() == 66);
    const auto ops = op_counts(g);
    CHECK(ops.at(ir::OpKind::Conv) == 26);
    CHECK(ops.at(ir::OpKind::Relu) == 26);
    CHECK(ops.at(ir::OpKind::MaxPool) == 3);
    CHECK(ops.at(ir::OpKind::GlobalAvgPool) == 1);
    CHECK(ops.at(ir::OpKind::Concat) == 8);
    CHECK(ops.at(ir::OpKind::Dropout) == 1);
    CHECK(ops.at(ir::OpKind::Softmax) == 1);
    CHECK(g.constants.size() == 52);

    CHECK(dims_of(g, "conv1") == ir::Dims{1, 96, 111, 111});
    CHECK(dims_of(g, "pool1") == ir::Dims{1, 96, 55, 55});
    CHECK(dims_of(g, "fire2/concat") == ir::Dims{1, 128, 55, 55});
    CHECK(dims_of(g, "pool4") == ir::Dims{1, 256, 27, 27});
    CHECK(dims_of(g, "pool8") == ir::Dims{1, 512, 13, 13});
    CHECK(dims_of(g, "conv10") == ir::Dims{1, 1000, 15, 15});
    CHECK(dims_of(g, "pool10") == ir::Dims{1, 1000, 1, 1});
    CHECK(dims_of(g, "prob") == ir::Dims{1, 1000, 1, 1});
    CHECK(node(g, "pool10").op == ir::OpKind::GlobalAvgPool);
    CHECK(node(g, "prob").op == ir::OpKind::Softmax);
    CHECK(node(g, "prob").softmax().axis == 1);

    const ir::Node& pool1 = node(g, "pool1");
    CHECK(pool1.op == ir::OpKind::MaxPool);
    CHECK(pool1.pool().rounding == ir::Rounding::Ceil);
    CHECK(pool1.pool().window == ir::square_window(3, 2, 0));
    CHECK(node(g, "conv1").conv().window == ir::square_window(7, 2, 0));
    CHECK(node(g, "fire2/expand3x3").conv().window == ir::square_window(3, 1, 1));
    CHECK(node(g, "conv10").conv().window == ir::square_window(1, 1, 1));
    CHECK(g.find_constant("conv1.weight")->type.dims == ir::Dims{96, 3, 7, 7});
    CHECK(g.find_constant("conv10.bias")->type.dims == ir::Dims{1000});
    CHECK_FALSE(g.weights_bound());

    // In-place ReLU and Dropout: each later bottom reads the last writer of its top.
    CHECK(node(g, "relu_conv1").inputs == std::vector<std::string>{"conv1"});
    CHECK(node(g, "pool1").inputs == std::vector<std::string>{"relu_conv1"});
    CHECK(node(g, "fire2/concat").inputs == std::vector<std::string>{"fire2/relu_expand1x1", "fire2/relu_expand3x3"});
    CHECK(node(g, "drop9").inputs == std::vector<std::string>{"fire9/concat"});
    CHECK(node(g, "conv10").inputs[0] == "drop9");

    const ir::GraphStats stats = ir::graph_stats(g);
    CHECK(stats.params == 1'248'424);
    CHECK(stats.macs == 861'339'936);
}

TEST_CASE("SqueezeNet v1.1 prototxt (Input layer)", "[caffe][shared]") {
    SQZ_REQUIRE_SHARED();
    const ir::Graph g = load_caffe_prototxt(shared_prototxt("squeezenet_v1.1"));
    CHECK(g.batch == 1);
    REQUIRE(g.inputs.size() == 1);
    CHECK(g.inputs[0].name == "data");
    CHECK(g.inputs[0].type.dims == ir::Dims{3, 227, 227});
    CHECK(g.outputs == std::vector<std::string>{"prob"});
    CHECK(g.nodes.size() == 66);  // the Input layer is a graph input, not a node
    CHECK(op_counts(g).at(ir::OpKind::Conv) == 26);
    CHECK(dims_of(g, "conv1") == ir::Dims{1, 64, 113, 113});
    CHECK(dims_of(g, "pool1") == ir::Dims{1, 64, 56, 56});
    CHECK(dims_of(g, "conv10") == ir::Dims{1, 1000, 14, 14});
    CHECK(dims_of(g, "prob") == ir::Dims{1, 1000, 1, 1});
    const ir::GraphStats stats = ir::graph_stats(g);
    CHECK(stats.params == 1'235'496);
    CHECK(stats.macs == 387'747'520);
}

TEST_CASE("SqueezeNet v1.0 Deep Compression prototxt (input + input_dim)", "[caffe][shared]") {
    SQZ_REQUIRE_SHARED();
    const ir::Graph g = load_caffe_prototxt(shared_prototxt("squeezenet_v1.0_deep_compression"));
    const ir::Graph v10 = load_caffe_prototxt(shared_prototxt("squeezenet_v1.0"));
    CHECK(g.name == "FireNet");
    CHECK(g.batch == 1);
    CHECK(g.inputs[0].type.dims == ir::Dims{3, 227, 227});
    CHECK(g.outputs == std::vector<std::string>{"pool_final"});
    CHECK(dims_of(g, "pool_final") == ir::Dims{1, 1000, 1, 1});
    CHECK(op_counts(g).count(ir::OpKind::Softmax) == 0);
    CHECK(node(g, "fire2/concat").inputs == std::vector<std::string>{"fire2/relu_conv1x1_2", "fire2/relu_conv3x3_2"});

    const auto a = convs(g);
    const auto b = convs(v10);
    REQUIRE(a.size() == 26);
    REQUIRE(b.size() == 26);
    for (size_t i = 0; i < a.size(); ++i) {
        INFO(a[i]->name << " vs " << b[i]->name);
        CHECK(a[i]->type == b[i]->type);
        CHECK(a[i]->conv() == b[i]->conv());
    }
    CHECK(ir::graph_stats(g).macs == 861'339'936);
    CHECK(ir::graph_stats(g).params == 1'248'424);
}

TEST_CASE("in-place layers and Concat resolve to the latest writer", "[caffe]") {
    const ir::Graph g = parse(net(R"(
layer { name: "a" type: "Convolution" bottom: "data" top: "a" convolution_param { num_output: 4 kernel_size: 1 } }
layer { name: "a_relu" type: "ReLU" bottom: "a" top: "a" }
layer { name: "b" type: "Convolution" bottom: "data" top: "b"
        convolution_param { num_output: 6 kernel_size: 3 pad: 1 } }
layer { name: "b_relu" type: "ReLU" bottom: "b" top: "b" }
layer { name: "b_drop" type: "Dropout" bottom: "b" top: "b" }
layer { name: "cat" type: "Concat" bottom: "a" bottom: "b" top: "cat" }
layer { name: "cat_relu" type: "ReLU" bottom: "cat" top: "cat" }
)"));
    CHECK(node(g, "a_relu").inputs == std::vector<std::string>{"a"});
    CHECK(node(g, "b_relu").inputs == std::vector<std::string>{"b"});
    CHECK(node(g, "b_drop").inputs == std::vector<std::string>{"b_relu"});
    CHECK(node(g, "cat").inputs == std::vector<std::string>{"a_relu", "b_drop"});
    CHECK(node(g, "cat").concat().axis == 1);
    CHECK(dims_of(g, "cat") == ir::Dims{1, 10, 16, 16});
    CHECK(g.outputs == std::vector<std::string>{"cat_relu"});
    CHECK(g.name == "t");
}

TEST_CASE("outputs are the tops no later layer reads, in order", "[caffe]") {
    const ir::Graph g = parse(net(R"(
layer { name: "x" type: "ReLU" bottom: "data" top: "x" }
layer { name: "y" type: "Softmax" bottom: "data" top: "y" }
layer { name: "x2" type: "ReLU" bottom: "x" top: "x" }
)"));
    CHECK(g.outputs == std::vector<std::string>{"y", "x2"});
}

TEST_CASE("convolution and pooling parameters", "[caffe]") {
    const ir::Graph g = parse(net(R"(
layer { name: "c" type: "Convolution" bottom: "data" top: "c"
  convolution_param { num_output: 5 kernel_h: 3 kernel_w: 1 stride_h: 2 stride_w: 1 pad_h: 1 pad_w: 0
                      bias_term: false } }
layer { name: "c2" type: "Convolution" bottom: "data" top: "c2"
  convolution_param { num_output: 2 kernel_size: 3 kernel_size: 5 stride: 1 stride: 2 pad: 1 pad: 2 dilation: 1 } }
layer { name: "avg" type: "Pooling" bottom: "c" top: "avg" pooling_param { pool: AVE kernel_size: 3 stride: 2 pad: 1 } }
layer { name: "floor" type: "Pooling" bottom: "c" top: "floor"
  pooling_param { pool: MAX kernel_h: 2 kernel_w: 3 stride_h: 2 stride_w: 3 round_mode: FLOOR } }
layer { name: "gmax" type: "Pooling" bottom: "c2" top: "gmax" pooling_param { pool: MAX global_pooling: true } }
layer { name: "gavg" type: "Pooling" bottom: "c2" top: "gavg" pooling_param { pool: AVE global_pooling: true } }
)"));
    const ir::Node& c = node(g, "c");
    CHECK(c.conv().window == ir::Window{3, 1, 2, 1, 1, 0, 1, 0});
    CHECK(c.inputs.size() == 2);  // no bias
    CHECK(g.find_constant("c.bias") == nullptr);
    CHECK(dims_of(g, "c") == ir::Dims{1, 5, 8, 16});
    CHECK(node(g, "c2").conv().window == ir::Window{3, 5, 1, 2, 1, 2, 1, 2});
    CHECK(dims_of(g, "c2") == ir::Dims{1, 2, 16, 8});

    const ir::Node& avg = node(g, "avg");
    CHECK(avg.op == ir::OpKind::AvgPool);
    CHECK(avg.pool().count_include_pad);
    CHECK(avg.pool().rounding == ir::Rounding::Ceil);
    CHECK(dims_of(g, "avg") == ir::Dims{1, 5, 5, 9});  // ceil((8+2-3)/2)+1 = 5, ceil((16+2-3)/2)+1 = 9

    const ir::Node& floor = node(g, "floor");
    CHECK(floor.pool().rounding == ir::Rounding::Floor);
    CHECK_FALSE(floor.pool().count_include_pad);
    CHECK(dims_of(g, "floor") == ir::Dims{1, 5, 4, 5});

    const ir::Node& gmax = node(g, "gmax");
    CHECK(gmax.op == ir::OpKind::MaxPool);
    CHECK(gmax.pool().window == ir::Window{16, 8, 1, 1, 0, 0, 0, 0});
    CHECK(dims_of(g, "gmax") == ir::Dims{1, 2, 1, 1});
    CHECK(node(g, "gavg").op == ir::OpKind::GlobalAvgPool);
}

TEST_CASE("Eltwise SUM, Flatten, Softmax axis and Concat forms", "[caffe]") {
    const ir::Graph g = parse(net(R"(
layer { name: "r" type: "ReLU" bottom: "data" top: "r" }
layer { name: "sum2" type: "Eltwise" bottom: "data" bottom: "r" top: "sum2" }
layer { name: "sum3" type: "Eltwise" bottom: "data" bottom: "r" bottom: "sum2" top: "sum3"
  eltwise_param { operation: SUM coeff: 1 coeff: 1 coeff: 1 } }
layer { name: "cat" type: "Concat" bottom: "sum3" bottom: "r" top: "cat" concat_param { axis: -3 } }
layer { name: "cat_old" type: "Concat" bottom: "r" bottom: "r" top: "cat_old" concat_param { concat_dim: 2 } }
layer { name: "flat" type: "Flatten" bottom: "cat" top: "flat" }
layer { name: "sm" type: "Softmax" bottom: "flat" top: "sm" softmax_param { axis: -1 } }
)"));
    CHECK(node(g, "sum2").op == ir::OpKind::Add);
    CHECK(node(g, "sum2").inputs == std::vector<std::string>{"data", "r"});
    CHECK(node(g, "sum3/add1").inputs == std::vector<std::string>{"data", "r"});
    CHECK(node(g, "sum3").inputs == std::vector<std::string>{"sum3/add1", "sum2"});
    CHECK(node(g, "cat").concat().axis == 1);
    CHECK(node(g, "cat_old").concat().axis == 2);
    CHECK(dims_of(g, "cat_old") == ir::Dims{1, 8, 32, 16});
    CHECK(dims_of(g, "flat") == ir::Dims{1, 16 * 16 * 16});
    CHECK(node(g, "sm").softmax().axis == 1);
    CHECK(g.outputs == std::vector<std::string>{"cat_old", "sm"});
}

TEST_CASE("phase rules skip training layers, input_dim and Input layer forms", "[caffe]") {
    const ir::Graph g = parse_caffe_prototxt(R"(
name: "phases"
layer { name: "data" type: "Data" top: "data" include { phase: TRAIN } }
layer { name: "data" type: "Input" top: "data" include { phase: TEST }
        input_param { shape { dim: 7 dim: 3 dim: 5 dim: 5 } } }
layer { name: "c" type: "Convolution" bottom: "data" top: "c" convolution_param { num_output: 2 kernel_size: 1 } }
layer { name: "train_only" type: "Dropout" bottom: "c" top: "c" exclude { phase: TEST } }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "c" top: "loss" include { phase: TRAIN } }
layer { name: "staged" type: "ReLU" bottom: "c" top: "c" include { stage: "deploy" } }
)",
                                             "phases.prototxt");
    CHECK(g.name == "phases");
    CHECK(g.batch == 1);
    CHECK(g.inputs[0].type.dims == ir::Dims{3, 5, 5});
    CHECK(g.nodes.size() == 1);
    CHECK(g.outputs == std::vector<std::string>{"c"});

    const ir::Graph staged = parse_caffe_prototxt(R"(
state { stage: "deploy" }
input: "data" input_dim: 1 input_dim: 3 input_dim: 4 input_dim: 6
layer { name: "staged" type: "ReLU" bottom: "data" top: "r" include { stage: "deploy" } }
)",
                                                  "x/staged.prototxt");
    CHECK(staged.name == "staged");
    CHECK(staged.inputs[0].type.dims == ir::Dims{3, 4, 6});
    CHECK(staged.outputs == std::vector<std::string>{"staged"});
}

TEST_CASE("legacy V1 layers in a prototxt", "[caffe]") {
    const ir::Graph g = parse(net(R"(
layers { name: "c" type: CONVOLUTION bottom: "data" top: "c" blobs_lr: 1 blobs_lr: 2
  convolution_param { num_output: 3 kernel_size: 3 stride: 2 } }
layers { name: "r" type: RELU bottom: "c" top: "c" }
layers { name: "p" type: POOLING bottom: "c" top: "p" pooling_param { pool: MAX kernel_size: 2 stride: 2 } }
layers { name: "s" type: SOFTMAX bottom: "p" top: "s" }
)"));
    CHECK(g.nodes.size() == 4);
    CHECK(dims_of(g, "c") == ir::Dims{1, 3, 7, 7});
    CHECK(dims_of(g, "p") == ir::Dims{1, 3, 4, 4});
    CHECK(node(g, "p").inputs == std::vector<std::string>{"r"});
    CHECK(g.outputs == std::vector<std::string>{"s"});
}

// ---- malformed inputs --------------------------------------------------------------------------

TEST_CASE("syntax errors give file:line:col", "[caffe][errors]") {
    CHECK_THROWS_WITH(parse("input: \"data\"\nlayer {\n  name: \"a\"\n  type: \"ReLU\"\n  bottom \"data\"\n}\n"),
                      Equals("t.prototxt:5:10: expected \":\", found \"\"data\"\"."));
    CHECK_THROWS_WITH(parse("layer {\n  name: \"a\"\n  nmae: \"b\"\n}\n"),
                      Equals("t.prototxt:3:7: message type \"caffe.LayerParameter\" has no field named \"nmae\"."));
    CHECK_THROWS_WITH(parse(net(R"(layer { name: "c" type: "Convolution" bottom: "data" top: "c"
  convolution_param { num_output: 99999999999 kernel_size: 1 } })")),
                      Contains("t.prototxt:4:35: integer out of range"));
    CHECK_THROWS_WITH(parse(net("layer { name: \"c\" type: \"ReLU\" name: \"d\" }")),
                      Contains("t.prototxt:3:") && Contains("\"name\" is specified multiple times"));
    CHECK_THROWS_WITH(parse("layer {\n  name: \"a\"\n"), Contains("t.prototxt:3:1: expected identifier"));
    // The same through a file on disk.
    const std::string file = (test::source_dir() / "tests/data/caffe/syntax_error.prototxt").string();
    CHECK_THROWS_WITH(load_caffe_prototxt(file), Equals(file + ":7:17: expected integer, got: -"));
}

TEST_CASE("unsupported layers and parameters are named with their line", "[caffe][errors]") {
    const std::string lrn = (test::source_dir() / "tests/data/caffe/lrn.prototxt").string();
    CHECK_THROWS_WITH(load_caffe_prototxt(lrn),
                      StartsWith(lrn + ":13: layer 'norm1': unsupported layer type 'LRN' (sqzc reads Input, "));

    auto conv_with = [](const std::string& params) {
        return net(
            "layer {\n  name: \"conv1\"\n  type: \"Convolution\"\n  bottom: \"data\"\n  top: \"conv1\"\n"
            "  convolution_param {\n    num_output: 4\n    kernel_size: 3\n" +
            params + "  }\n}\n");
    };
    CHECK_THROWS_WITH(parse(conv_with("    group: 2\n")),
                      Equals("t.prototxt:11: layer 'conv1': group 2 is not supported (only group 1)"));
    CHECK_THROWS_WITH(parse(conv_with("    dilation: 2\n")),
                      Equals("t.prototxt:11: layer 'conv1': dilation 2 is not supported (only dilation 1)"));
    CHECK_THROWS_WITH(parse(conv_with("    kernel_size: 3\n    kernel_size: 3\n")),
                      Contains("layer 'conv1': 3 kernel sizes given; only 2-D convolution"));
    CHECK_THROWS_WITH(parse(conv_with("    kernel_h: 3\n")),
                      Contains("layer 'conv1': give kernel_size or kernel_h and kernel_w, not both"));
    CHECK_THROWS_WITH(parse(conv_with("    stride: 0\n")),
                      Equals("t.prototxt:11: layer 'conv1': stride 0 is out of range (at least 1)"));
    CHECK_THROWS_WITH(parse(conv_with("    axis: 2\n")), Contains("axis 2 is not supported"));

    CHECK_THROWS_WITH(
        parse(
            net("layer { name: \"r\" type: \"ReLU\" bottom: \"data\" top: \"r\" relu_param { negative_slope: 0.1 } }")),
        Equals("t.prototxt:3: layer 'r': negative_slope 0.1 is not supported (leaky ReLU); only 0"));
    CHECK_THROWS_WITH(parse(net(R"(layer { name: "e" type: "Eltwise" bottom: "data" bottom: "data" top: "e"
  eltwise_param { operation: PROD } })")),
                      Equals("t.prototxt:4: layer 'e': Eltwise operation PROD is not supported (only SUM)"));
    CHECK_THROWS_WITH(parse(net(R"(layer { name: "e" type: "Eltwise" bottom: "data" bottom: "data" top: "e"
  eltwise_param { operation: MAX } })")),
                      Contains("Eltwise operation MAX is not supported"));
    CHECK_THROWS_WITH(parse(net(R"(layer { name: "e" type: "Eltwise" bottom: "data" bottom: "data" top: "e"
  eltwise_param { coeff: 1 coeff: -1 } })")),
                      Contains("layer 'e': Eltwise coefficient -1 is not supported"));
    CHECK_THROWS_WITH(parse(net("layer { name: \"e\" type: \"Eltwise\" bottom: \"data\" top: \"e\" }")),
                      Equals("t.prototxt:3: layer 'e': Eltwise layers take at least 2 bottoms, this one has 1"));
    CHECK_THROWS_WITH(parse(net(R"(layer { name: "p" type: "Pooling" bottom: "data" top: "p"
  pooling_param { pool: STOCHASTIC kernel_size: 2 } })")),
                      Contains("layer 'p': pooling method STOCHASTIC is not supported"));
    CHECK_THROWS_WITH(parse(net("layer { name: \"p\" type: \"Pooling\" bottom: \"data\" top: \"p\" }")),
                      Contains("layer 'p': the kernel size is missing"));
    CHECK_THROWS_WITH(parse(net(R"(layer { name: "p" type: "Pooling" bottom: "data" top: "p"
  pooling_param { global_pooling: true kernel_size: 2 } })")),
                      Contains("layer 'p': global pooling takes no kernel size"));
    CHECK_THROWS_WITH(parse(net(R"(layer { name: "p" type: "Pooling" bottom: "data" top: "p"
  pooling_param { kernel_size: 2 pad: 2 } })")),
                      Contains("layer 'p': padding 2x2 must be smaller than the kernel 2x2"));
    // 16 high, kernel 1, stride 4: Caffe's ceil((16-1)/4)+1 = 5 windows, the last starting at 16.
    CHECK_THROWS_WITH(parse(net(R"(layer { name: "p" type: "Pooling" bottom: "data" top: "p"
  pooling_param { kernel_size: 1 stride: 4 } })")),
                      Contains("layer 'p': Caffe gives this pooling 5 windows along the height (16 input, kernel 1, "
                               "stride 4), the last of them wholly outside the input"));
    CHECK_THROWS_WITH(parse(net(R"(layer { name: "f" type: "Flatten" bottom: "data" top: "f"
  flatten_param { axis: 2 } })")),
                      Contains("layer 'f': only flattening axes 1 to 3 is supported, this layer flattens axes 2 to 3"));
    CHECK_THROWS_WITH(parse(net(R"(layer { name: "c" type: "Concat" bottom: "data" bottom: "data" top: "c"
  concat_param { axis: 0 } })")),
                      Contains("layer 'c': concatenation along the batch axis (0) is not supported"));
    CHECK_THROWS_WITH(parse(net("layer { name: \"d\" type: \"Data\" top: \"d\" }")),
                      Equals("t.prototxt:3: layer 'd': layer type 'Data' reads training data; sqzc needs a deploy "
                             "prototxt that declares its input (an Input layer, or input with input_shape or "
                             "input_dim)"));
    CHECK_THROWS_WITH(
        parse(net("layer { name: \"loss\" type: \"SoftmaxWithLoss\" bottom: \"data\" bottom: \"data\" top: \"l\" }")),
        Contains("layer 'loss': layer type 'SoftmaxWithLoss' belongs to training"));
    CHECK_THROWS_WITH(parse(net("layer { name: \"acc\" type: \"Accuracy\" bottom: \"data\" top: \"a\" }")),
                      Contains("layer 'acc': layer type 'Accuracy' belongs to training"));
    CHECK_THROWS_WITH(parse(net("layer { name: \"c\" type: \"Convolution\" bottom: \"data\" top: \"c\"\n"
                                "  convolution_param { num_output: 1 kernel_size: 1 }\n"
                                "  blobs { shape { dim: 1 dim: 8 dim: 1 dim: 1 } data: 1 } }")),
                      Equals("t.prototxt:5: layer 'c': the prototxt embeds 1 weight blob; give weights as a "
                             ".caffemodel"));
    CHECK_THROWS_WITH(parse(net("layer { name: \"x\" bottom: \"data\" top: \"x\" }")),
                      Equals("t.prototxt:3: layer 'x': the layer has no type"));
    CHECK_THROWS_WITH(parse(net("layers { name: \"n\" type: LRN bottom: \"data\" top: \"n\" }")),
                      Contains("t.prototxt:3: layer 'n': unsupported layer type 'LRN'"));
}

TEST_CASE("wiring errors: dangling bottoms, inputs, names", "[caffe][errors]") {
    CHECK_THROWS_WITH(parse(net(std::string(kConv1) +
                                "layer {\n  name: \"r\"\n  type: \"ReLU\"\n  bottom: \"conv2\"\n  top: \"r\"\n}\n")),
                      Equals("t.prototxt:14: layer 'r': bottom 'conv2' is not produced by any earlier layer or input"));
    // A bottom produced only by a later layer is dangling too.
    CHECK_THROWS_WITH(parse(net(R"(layer { name: "r" type: "ReLU" bottom: "s" top: "r" }
layer { name: "s" type: "ReLU" bottom: "data" top: "s" })")),
                      Contains("layer 'r': bottom 's' is not produced"));
    CHECK_THROWS_WITH(parse(kConv1),
                      Equals("t.prototxt: the net declares no input (give input with input_shape or input_dim, or "
                             "an Input layer)"));
    CHECK_THROWS_WITH(parse(std::string("input: \"data\"\n") + kConv1),
                      Equals("t.prototxt:1: input 'data' has no shape (give input_shape or input_dim)"));
    CHECK_THROWS_WITH(parse(std::string("input: \"data\"\ninput_dim: 1\ninput_dim: 3\ninput_dim: 8\n") + kConv1),
                      Equals("t.prototxt:2: 3 input_dim values for 1 input (four per input: N, C, H, W)"));
    CHECK_THROWS_WITH(parse(std::string("input_shape { dim: 1 dim: 3 dim: 8 dim: 8 }\n") + kConv1),
                      Contains("t.prototxt:1: input_shape given without an input name"));
    CHECK_THROWS_WITH(parse(std::string("input: \"data\"\ninput_shape { dim: 1 dim: 3 dim: 0 dim: 8 }\n") + kConv1),
                      Equals("t.prototxt:1: input 'data': dimension 2 of shape [1,3,0,8] is out of range (1 to "
                             "1000000)"));
    CHECK_THROWS_WITH(
        parse(std::string("input: \"data\"\ninput_dim: 1\ninput_dim: 3\ninput_dim: 2000000\ninput_dim: 8\n") + kConv1),
        Contains("dimension 2 of shape [1,3,2000000,8] is out of range"));
    CHECK_THROWS_WITH(
        parse(std::string("input: \"data\"\ninput_shape { dim: 1 dim: 1000 dim: 1000 dim: 1001 }\n") + kConv1),
        Contains("input 'data': shape [1,1000,1000,1001] has more than 1000000000 elements per sample"));
    CHECK_THROWS_WITH(parse(net("layer { name: \"in\" type: \"Input\" top: \"x\" }")),
                      Contains("layer 'in': an Input layer needs a shape"));
    CHECK_THROWS_WITH(parse(net(std::string(kConv1) + kConv1)),
                      Equals("t.prototxt:13: layer 'conv1': duplicate layer name (first defined at t.prototxt:4)"));
    CHECK_THROWS_WITH(parse(net("layer { type: \"ReLU\" bottom: \"data\" top: \"x\" }")),
                      Contains("t.prototxt:3: a layer of type 'ReLU' has no name"));
    CHECK_THROWS_WITH(parse(net("layer { name: \"data\" type: \"ReLU\" bottom: \"data\" top: \"x\" }")),
                      Contains("layer 'data': name 'data' is defined twice"));
    CHECK_THROWS_WITH(parse(net("layer { name: \"r\" type: \"ReLU\" bottom: \"data\" top: \"x\" top: \"y\" }")),
                      Contains("layer 'r': ReLU layers have exactly one top, this one has 2"));
    CHECK_THROWS_WITH(
        parse(net("layer { name: \"r\" type: \"ReLU\" bottom: \"data\" top: \"x\" include { phase: TEST } "
                  "exclude { phase: TRAIN } }")),
        Contains("layer 'r': give include or exclude rules, not both"));
    CHECK_THROWS_WITH(parse(net("layer { name: \"r\" type: \"ReLU\" bottom: \"data\" top: \"x\" "
                                "include { phase: TRAIN } }")),
                      Equals("t.prototxt: no layer of the net is included in phase TEST"));
    CHECK_THROWS_WITH(
        parse(net(std::string(kConv1) + "layers { name: \"r\" type: RELU bottom: \"conv1\" top: \"r\" }")),
        Contains("t.prototxt: the net has both 'layer' entries and legacy V1 'layers' entries"));
}

TEST_CASE("absurd sizes are refused before anything is allocated", "[caffe][errors]") {
    CHECK_THROWS_WITH(parse(net(R"(layer { name: "c" type: "Convolution" bottom: "data" top: "c"
  convolution_param { num_output: 2000000 kernel_size: 1 } })")),
                      Equals("t.prototxt:4: layer 'c': num_output 2000000 exceeds the limit 1000000"));
    CHECK_THROWS_WITH(parse(net(R"(layer { name: "c" type: "Convolution" bottom: "data" top: "c"
  convolution_param { num_output: 0 kernel_size: 1 } })")),
                      Contains("layer 'c': num_output 0 is out of range (at least 1)"));
    CHECK_THROWS_WITH(parse(net(R"(layer { name: "c" type: "Convolution" bottom: "data" top: "c"
  convolution_param { num_output: 8 kernel_size: 4000000 } })")),
                      Contains("layer 'c': kernel_size 4000000 exceeds the limit 1000000"));
    CHECK_THROWS_WITH(parse(net(R"(layer { name: "c" type: "Convolution" bottom: "data" top: "c"
  convolution_param { num_output: 1000000 kernel_size: 1000 } })")),
                      Contains("t.prototxt:3: layer 'c': constant 'c.weight' of shape [1000000,8,1000,1000] is too "
                               "large"));
    CHECK_THROWS_WITH(parse(net(R"(layer { name: "c" type: "Convolution" bottom: "data" top: "c"
  convolution_param { num_output: 8 kernel_size: 17 } })")),
                      Contains("layer 'c': node 'c' (conv): a 17-wide window does not fit"));
    CHECK_THROWS_WITH(parse(net(R"(layer { name: "p" type: "Pooling" bottom: "data" top: "p"
  pooling_param { kernel_size: 3000000 } })")),
                      Contains("layer 'p': kernel_size 3000000 exceeds the limit 1000000"));
}

TEST_CASE("file-level errors", "[caffe][errors]") {
    CHECK_THROWS_WITH(parse(""), Equals("t.prototxt: the net has no layers"));
    CHECK_THROWS_WITH(parse("# only a comment\n"), Equals("t.prototxt: the net has no layers"));
    const std::string dir = (test::source_dir() / "tests/data/caffe").string();
    CHECK_THROWS_WITH(load_caffe_prototxt(dir), Contains(dir + ": is a directory, expected a file"));
    CHECK_THROWS_WITH(load_caffe_prototxt(dir + "/missing.prototxt"), Contains("missing.prototxt: no such file"));
}

TEST_CASE("the Deep Compression prototxt with its real weights reproduces the golden output", "[caffe][shared]") {
    SQZ_REQUIRE_SHARED();
    const std::filesystem::path dir = test::shared_dir() / "models/squeezenet_v1.0_deep_compression";
    ir::Graph g = load_caffe_prototxt((dir / "deploy.prototxt").string());
    bind_deep_compression(g, (dir / "compressed_SqueezeNet.net").string());
    const ir::Tensor input{{1, 3, 227, 227}, test::read_f32(dir / "golden/input_1x3x227x227.f32")};
    const std::vector<float> golden = test::read_f32(dir / "golden/output_1000.f32");
    REQUIRE(input.data.size() == 3 * 227 * 227);
    REQUIRE(golden.size() == 1000);
    const std::vector<ir::TensorF64> out = ir::interpret(g, {input});
    REQUIRE(out.size() == 1);
    CHECK(out[0].dims == ir::Dims{1, 1000, 1, 1});
    CHECK(ir::max_relative_error(golden, out[0].data) < 1e-5);
    const auto top = std::max_element(out[0].data.begin(), out[0].data.end()) - out[0].data.begin();
    CHECK(top == 644);
}
