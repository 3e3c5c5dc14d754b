// The caffemodel frontend: caffemodels built here with the generated caffe.pb.h (current `shape`
// blobs, legacy 4-D blobs, V1 `layers`, double data), bound to small nets and to SqueezeNet v1.0,
// checked value by value and against an independent convolution; then malformed files.
#include "compiler/frontends/caffe_prototxt.h"
#include "compiler/frontends/caffemodel.h"
#include "frontends/caffe.pb.h"
#include "ir/error.h"
#include "ir/interpreter.h"
#include "tests/support.h"

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>

using namespace sqz;
using namespace sqz::compiler;
using Catch::Matchers::Contains;
using Catch::Matchers::Equals;

namespace {

// data 2x5x5 -> c1 (3 filters 3x3, stride 2, pad 1, bias) -> ReLU in place -> c2 (2 filters 1x1,
// no bias) -> global average pool.
const char* kTinyNet = R"(
name: "tiny"
input: "data"
input_shape { dim: 1 dim: 2 dim: 5 dim: 5 }
layer { name: "c1" type: "Convolution" bottom: "data" top: "c1"
        convolution_param { num_output: 3 kernel_size: 3 stride: 2 pad: 1 } }
layer { name: "r1" type: "ReLU" bottom: "c1" top: "c1" }
layer { name: "c2" type: "Convolution" bottom: "c1" top: "c2"
        convolution_param { num_output: 2 kernel_size: 1 bias_term: false } }
layer { name: "pool" type: "Pooling" bottom: "c2" top: "pool" pooling_param { pool: AVE global_pooling: true } }
)";

ir::Graph tiny_graph() { return parse_caffe_prototxt(kTinyNet, "tiny.prototxt"); }

struct TinyWeights {
    std::vector<float> w1 = test::random_values(3 * 2 * 3 * 3, 11);
    std::vector<float> b1 = test::random_values(3, 12);
    std::vector<float> w2 = test::random_values(2 * 3, 13);
};

caffe::BlobProto shaped_blob(const std::vector<int64_t>& dims, const std::vector<float>& values) {
    caffe::BlobProto blob;
    for (int64_t d : dims) blob.mutable_shape()->add_dim(d);
    for (float v : values) blob.add_data(v);
    return blob;
}

caffe::BlobProto legacy_blob(int n, int c, int h, int w, const std::vector<float>& values) {
    caffe::BlobProto blob;
    blob.set_num(n);
    blob.set_channels(c);
    blob.set_height(h);
    blob.set_width(w);
    for (float v : values) blob.add_data(v);
    return blob;
}

caffe::LayerParameter& add_layer(caffe::NetParameter& net, const std::string& name, const std::string& type,
                                 std::vector<caffe::BlobProto> blobs = {}) {
    caffe::LayerParameter* layer = net.add_layer();
    layer->set_name(name);
    layer->set_type(type);
    for (caffe::BlobProto& b : blobs) *layer->add_blobs() = std::move(b);
    return *layer;
}

// The tiny net's weights in the current form, with layers the graph does not have mixed in.
caffe::NetParameter tiny_model(const TinyWeights& t) {
    caffe::NetParameter net;
    net.set_name("tiny");
    add_layer(net, "data", "Input");
    add_layer(net, "c1", "Convolution", {shaped_blob({3, 2, 3, 3}, t.w1), shaped_blob({3}, t.b1)});
    add_layer(net, "r1", "ReLU");
    add_layer(net, "fc_unused", "InnerProduct", {shaped_blob({4, 4}, std::vector<float>(16, 0.5f))});
    add_layer(net, "c2", "Convolution", {shaped_blob({2, 3, 1, 1}, t.w2)});
    return net;
}

void bind_bytes(ir::Graph& g, const caffe::NetParameter& net) {
    bind_caffemodel_bytes(g, net.SerializeAsString(), "m.caffemodel");
}

void bind_tiny(const caffe::NetParameter& net) {
    ir::Graph g = tiny_graph();
    bind_bytes(g, net);
}

const std::vector<float>& values(const ir::Graph& g, const std::string& constant) {
    const ir::Constant* c = g.find_constant(constant);
    INFO("constant " << constant);
    REQUIRE(c != nullptr);
    REQUIRE(c->bound());
    return c->data();
}

// The tiny net computed directly, without the IR: Caffe's convolution is a correlation over the
// zero-padded input.
std::vector<double> tiny_reference(const TinyWeights& t, const std::vector<float>& x) {
    double c1[3][3][3];
    for (int o = 0; o < 3; ++o)
        for (int oy = 0; oy < 3; ++oy)
            for (int ox = 0; ox < 3; ++ox) {
                double s = t.b1[static_cast<size_t>(o)];
                for (int i = 0; i < 2; ++i)
                    for (int ky = 0; ky < 3; ++ky)
                        for (int kx = 0; kx < 3; ++kx) {
                            const int y = oy * 2 - 1 + ky, xx = ox * 2 - 1 + kx;
                            if (y < 0 || y >= 5 || xx < 0 || xx >= 5) continue;
                            s += double(t.w1[static_cast<size_t>(((o * 2 + i) * 3 + ky) * 3 + kx)]) *
                                 x[static_cast<size_t>((i * 5 + y) * 5 + xx)];
                        }
                c1[o][oy][ox] = std::max(0.0, s);
            }
    std::vector<double> out(2, 0.0);
    for (int o = 0; o < 2; ++o) {
        for (int y = 0; y < 3; ++y)
            for (int xx = 0; xx < 3; ++xx)
                for (int i = 0; i < 3; ++i)
                    out[static_cast<size_t>(o)] += t.w2[static_cast<size_t>(o * 3 + i)] * c1[i][y][xx];
        out[static_cast<size_t>(o)] /= 9.0;
    }
    return out;
}

// A scratch folder for files, removed at the end of the test.
struct TempDir {
    std::filesystem::path path =
        std::filesystem::temp_directory_path() / ("sqz_caffemodel_test_" + std::to_string(::getpid()));
    TempDir() { std::filesystem::create_directories(path); }
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path, ignored);
    }
    std::string write(const std::string& name, const std::string& bytes) const {
        const std::string file = (path / name).string();
        std::ofstream(file, std::ios::binary) << bytes;
        return file;
    }
};

}  // namespace

TEST_CASE("current-form blobs bind by layer name and compute the net", "[caffemodel]") {
    const TinyWeights t;
    ir::Graph g = tiny_graph();
    bind_bytes(g, tiny_model(t));
    CHECK(g.weights_bound());
    CHECK(values(g, "c1.weight") == t.w1);
    CHECK(values(g, "c1.bias") == t.b1);
    CHECK(values(g, "c2.weight") == t.w2);
    CHECK(g.find_constant("c2.bias") == nullptr);

    const ir::Tensor x{{1, 2, 5, 5}, test::random_values(50, 21, -2.0f, 2.0f)};
    const std::vector<ir::TensorF64> out = ir::interpret(g, {x});
    REQUIRE(out.size() == 1);
    CHECK(out[0].dims == ir::Dims{1, 2, 1, 1});
    const std::vector<double> expected = tiny_reference(t, x.data);
    for (size_t i = 0; i < expected.size(); ++i) CHECK(out[0].data[i] == Approx(expected[i]).epsilon(1e-12));
}

TEST_CASE("a 1x1 convolution by hand", "[caffemodel]") {
    ir::Graph g = parse_caffe_prototxt(R"(
input: "x" input_dim: 1 input_dim: 2 input_dim: 1 input_dim: 2
layer { name: "c" type: "Convolution" bottom: "x" top: "c" convolution_param { num_output: 1 kernel_size: 1 } })",
                                       "hand.prototxt");
    caffe::NetParameter net;
    add_layer(net, "c", "Convolution", {shaped_blob({1, 2, 1, 1}, {2.0f, -1.0f}), shaped_blob({1}, {0.5f})});
    bind_bytes(g, net);
    // x = [[1, 2], [10, 20]] (channel, width): y = 2 x0 - x1 + 0.5.
    const auto out = ir::interpret(g, {ir::Tensor{{1, 2, 1, 2}, {1, 2, 10, 20}}});
    CHECK(out.at(0).data == std::vector<double>{2 - 10 + 0.5, 4 - 20 + 0.5});
}

TEST_CASE("legacy 4-D blobs, V1 layers and double data", "[caffemodel]") {
    const TinyWeights t;
    SECTION("legacy num/channels/height/width, bias as 1x1x1xO") {
        caffe::NetParameter net;
        add_layer(net, "c1", "Convolution", {legacy_blob(3, 2, 3, 3, t.w1), legacy_blob(1, 1, 1, 3, t.b1)});
        add_layer(net, "c2", "Convolution", {legacy_blob(2, 3, 1, 1, t.w2)});
        ir::Graph g = tiny_graph();
        bind_bytes(g, net);
        CHECK(values(g, "c1.weight") == t.w1);
        CHECK(values(g, "c1.bias") == t.b1);
        CHECK(values(g, "c2.weight") == t.w2);
    }
    SECTION("V1 layers with double data") {
        caffe::NetParameter net;
        caffe::V1LayerParameter* relu = net.add_layers();
        relu->set_name("r1");
        relu->set_type(caffe::V1LayerParameter::RELU);
        caffe::V1LayerParameter* c2 = net.add_layers();
        c2->set_name("c2");
        c2->set_type(caffe::V1LayerParameter::CONVOLUTION);
        *c2->add_blobs() = legacy_blob(2, 3, 1, 1, t.w2);
        caffe::V1LayerParameter* c1 = net.add_layers();
        c1->set_name("c1");
        c1->set_type(caffe::V1LayerParameter::CONVOLUTION);
        caffe::BlobProto* w = c1->add_blobs();
        for (int64_t d : {3, 2, 3, 3}) w->mutable_shape()->add_dim(d);
        for (float v : t.w1) w->add_double_data(double(v));
        *c1->add_blobs() = legacy_blob(1, 1, 1, 3, t.b1);
        ir::Graph g = tiny_graph();
        bind_bytes(g, net);
        CHECK(values(g, "c1.weight") == t.w1);
        CHECK(values(g, "c1.bias") == t.b1);
        CHECK(values(g, "c2.weight") == t.w2);
    }
}

TEST_CASE("weights for SqueezeNet v1.0 bind to every convolution", "[caffemodel][shared]") {
    SQZ_REQUIRE_SHARED();
    ir::Graph g = load_caffe_prototxt((test::shared_dir() / "models/squeezenet_v1.0/deploy.prototxt").string());
    // Every convolution gets values derived from its index; ReLU layers without blobs sit between.
    caffe::NetParameter net;
    int index = 0;
    for (const ir::Node& n : g.nodes) {
        if (n.op != ir::OpKind::Conv) {
            add_layer(net, n.name, n.op == ir::OpKind::Relu ? "ReLU" : "Other");
            continue;
        }
        const ir::Constant& w = *g.find_constant(n.inputs[1]);
        std::vector<float> wv(static_cast<size_t>(w.type.numel()));
        for (size_t i = 0; i < wv.size(); ++i) wv[i] = float(index) + float(i % 1000) * 1e-4f;
        std::vector<float> bv(static_cast<size_t>(w.type.dims[0]), -float(index));
        add_layer(net, n.name, "Convolution", {shaped_blob(w.type.dims, wv), shaped_blob({w.type.dims[0]}, bv)});
        ++index;
    }
    REQUIRE(index == 26);
    const TempDir tmp;
    const std::string file = tmp.write("squeezenet_v1.0.caffemodel", net.SerializeAsString());
    bind_caffemodel(g, file);
    CHECK(g.weights_bound());
    CHECK(g.find_constant("conv1.weight")->data().at(5) == Approx(5e-4f));
    CHECK(g.find_constant("conv1.bias")->data().at(95) == 0.0f);
    CHECK(g.find_constant("fire2/squeeze1x1.weight")->data().at(1234) == Approx(1.0f + 234e-4f));
    CHECK(g.find_constant("fire2/squeeze1x1.bias")->data().at(0) == -1.0f);
    CHECK(g.find_constant("conv10.weight")->data().back() == Approx(25.0f + float((512000 - 1) % 1000) * 1e-4f));
    CHECK(g.find_constant("conv10.bias")->data().at(999) == -25.0f);
}

TEST_CASE("malformed caffemodels fail with the layer and the counts", "[caffemodel][errors]") {
    const TinyWeights t;
    caffe::NetParameter net = tiny_model(t);

    SECTION("blob sizes and shapes") {
        caffe::NetParameter m = net;
        m.mutable_layer(1)->mutable_blobs(0)->mutable_data()->RemoveLast();
        CHECK_THROWS_WITH(bind_tiny(m), Equals("m.caffemodel: layer 'c1': weight blob has 53 values, expected 54 "
                                               "(shape [3,2,3,3])"));
        m = net;
        m.mutable_layer(1)->mutable_blobs(1)->add_data(1.0f);
        CHECK_THROWS_WITH(bind_tiny(m),
                          Equals("m.caffemodel: layer 'c1': bias blob has 4 values, expected 3 (shape [3])"));
        m = net;
        *m.mutable_layer(1)->mutable_blobs(0) = shaped_blob({2, 3, 3, 3}, t.w1);
        CHECK_THROWS_WITH(bind_tiny(m),
                          Equals("m.caffemodel: layer 'c1': weight blob has shape [2,3,3,3], expected [3,2,3,3]"));
        m = net;
        *m.mutable_layer(1)->mutable_blobs(0) = legacy_blob(3, 2, 1, 9, t.w1);
        CHECK_THROWS_WITH(bind_tiny(m), Contains("weight blob has shape [3,2,1,9], expected [3,2,3,3]"));
        m = net;
        m.mutable_layer(1)->mutable_blobs(0)->clear_shape();
        CHECK_THROWS_WITH(bind_tiny(m),
                          Equals("m.caffemodel: layer 'c1': weight blob has no shape, expected [3,2,3,3]"));
        m = net;
        m.mutable_layer(1)->mutable_blobs(1)->add_double_data(1.0);
        CHECK_THROWS_WITH(bind_tiny(m), Contains("layer 'c1': bias blob has both float data (3 values) and double "
                                                 "data (1 values)"));
    }
    SECTION("blob counts, missing, duplicate and mistyped layers") {
        caffe::NetParameter m = net;
        m.mutable_layer(1)->mutable_blobs()->RemoveLast();
        CHECK_THROWS_WITH(bind_tiny(m), Equals("m.caffemodel: layer 'c1' has 1 blob, expected 2 (weights and bias)"));
        m = net;
        *m.mutable_layer(4)->add_blobs() = shaped_blob({2}, {1, 2});
        CHECK_THROWS_WITH(bind_tiny(m), Equals("m.caffemodel: layer 'c2' has 2 blobs, expected 1 (weights only: the "
                                               "layer has bias_term: false)"));
        m = net;
        m.mutable_layer()->DeleteSubrange(4, 1);
        CHECK_THROWS_WITH(bind_tiny(m),
                          Equals("m.caffemodel: no layer 'c2' in the caffemodel to take its weights from"));
        m = net;
        m.mutable_layer(4)->clear_blobs();
        CHECK_THROWS_WITH(bind_tiny(m), Contains("layer 'c2' has 0 blobs, expected 1"));
        m = net;
        *m.add_layer() = m.layer(1);
        CHECK_THROWS_WITH(bind_tiny(m), Equals("m.caffemodel: layer 'c1' appears 2 times in the caffemodel"));
        m = net;
        m.mutable_layer(1)->set_type("InnerProduct");
        CHECK_THROWS_WITH(bind_tiny(m),
                          Equals("m.caffemodel: layer 'c1' has type 'InnerProduct' in the caffemodel, but is a "
                                 "convolution in the model"));
        m = net;
        m.add_layers()->set_name("old");
        CHECK_THROWS_WITH(bind_tiny(m), Contains("has both 'layer' entries and legacy V1 'layers' entries"));
    }
    SECTION("non-finite values") {
        caffe::NetParameter m = net;
        m.mutable_layer(1)->mutable_blobs(0)->set_data(4, std::numeric_limits<float>::quiet_NaN());
        CHECK_THROWS_WITH(bind_tiny(m), Equals("m.caffemodel: layer 'c1': weight value 4 is nan"));
        m = net;
        m.mutable_layer(1)->mutable_blobs(1)->set_data(2, -std::numeric_limits<float>::infinity());
        CHECK_THROWS_WITH(bind_tiny(m), Equals("m.caffemodel: layer 'c1': bias value 2 is -inf"));
        m = net;
        caffe::BlobProto* b = m.mutable_layer(1)->mutable_blobs(1);
        b->clear_data();
        for (double v : {1.0, 1e300, 2.0}) b->add_double_data(v);
        CHECK_THROWS_WITH(bind_tiny(m), Equals("m.caffemodel: layer 'c1': bias value 1 is inf in float32 (the file "
                                               "stores doubles)"));
    }
    SECTION("files that are not caffemodels") {
        ir::Graph g = tiny_graph();
        CHECK_THROWS_WITH(bind_caffemodel_bytes(g, "", "m.caffemodel"),
                          Equals("m.caffemodel: the file is empty, not a caffemodel"));
        CHECK_THROWS_WITH(bind_caffemodel_bytes(g, "name: \"tiny\"\nlayer { }\n", "m.caffemodel"),
                          Equals("m.caffemodel: not a valid caffemodel (protobuf parse failed)"));
        CHECK_THROWS_WITH(
            bind_caffemodel_bytes(g, std::string("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 11), "m.caffemodel"),
            Equals("m.caffemodel: not a valid caffemodel (protobuf parse failed)"));
        const TempDir tmp;
        CHECK_THROWS_WITH(bind_caffemodel(g, tmp.path.string()), Contains(": is a directory, expected a file"));
        CHECK_THROWS_WITH(bind_caffemodel(g, (tmp.path / "absent.caffemodel").string()),
                          Contains("absent.caffemodel: no such file"));
        const std::string empty = tmp.write("empty.caffemodel", "");
        CHECK_THROWS_WITH(bind_caffemodel(g, empty), Equals(empty + ": the file is empty, not a caffemodel"));
        CHECK_FALSE(g.weights_bound());

        ir::Graph no_convs = parse_caffe_prototxt(
            "input: \"x\" input_dim: 1 input_dim: 1 input_dim: 2 input_dim: 2\n"
            "layer { name: \"r\" type: \"ReLU\" bottom: \"x\" top: \"r\" }",
            "relu.prototxt");
        CHECK_THROWS_WITH(bind_caffemodel_bytes(no_convs, net.SerializeAsString(), "m.caffemodel"),
                          Equals("m.caffemodel: the model has no convolution layers to bind"));
    }
}

TEST_CASE("every truncation of a caffemodel fails cleanly", "[caffemodel][errors]") {
    const TinyWeights t;
    // Convolution layers last, so that no proper prefix holds every weight the graph needs.
    caffe::NetParameter net;
    add_layer(net, "r1", "ReLU");
    add_layer(net, "c2", "Convolution", {shaped_blob({2, 3, 1, 1}, t.w2)});
    add_layer(net, "c1", "Convolution", {shaped_blob({3, 2, 3, 3}, t.w1), shaped_blob({3}, t.b1)});
    const std::string bytes = net.SerializeAsString();
    {
        ir::Graph g = tiny_graph();
        REQUIRE_NOTHROW(bind_caffemodel_bytes(g, bytes, "m.caffemodel"));
    }
    int parse_failures = 0;
    for (size_t size = 0; size < bytes.size(); ++size) {
        ir::Graph g = tiny_graph();
        try {
            bind_caffemodel_bytes(g, std::string_view(bytes).substr(0, size), "m.caffemodel");
            FAIL("a " << size << "-byte prefix of " << bytes.size() << " bytes was accepted");
        } catch (const Error& e) {
            parse_failures += std::string(e.what()).find("protobuf parse failed") != std::string::npos;
        }
    }
    // Most cuts land inside a length-delimited field; the rest lose a layer or blob and say which.
    CHECK(parse_failures > static_cast<int>(bytes.size()) * 3 / 4);
}
