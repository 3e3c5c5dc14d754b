// The whole chain on real photographs: image decoding, resizing and Caffe preprocessing, the
// Deep Compression SqueezeNet with its real weights, and the reference interpreter, give the
// classes a person would (photographs from scripts/fetch-photos).
#include "compiler/image_input.h"
#include "compiler/labels.h"
#include "compiler/model_loader.h"
#include "ir/interpreter.h"
#include "tests/support.h"

using namespace sqz;

namespace {

std::vector<size_t> top5(const ir::Graph& graph, const std::filesystem::path& image) {
    const ir::Tensor input = compiler::load_image_input(image.string(), graph, graph.preprocess, compiler::ResizeMode::CenterCrop);
    const auto out = ir::interpret(graph, {input}).at(0).data;
    std::vector<float> scores(out.begin(), out.end());
    std::vector<size_t> classes;
    for (auto [index, score] : compiler::top_n(scores, 5)) classes.push_back(index);
    return classes;
}

bool contains(const std::vector<size_t>& v, std::initializer_list<size_t> any) {
    for (size_t x : any)
        if (std::find(v.begin(), v.end(), x) != v.end()) return true;
    return false;
}

}  // namespace

TEST_CASE("the Deep Compression SqueezeNet classifies real photographs", "[photos][golden]") {
    SQZ_REQUIRE_SHARED();
    for (const char* name : {"data_chelsea.png", "data_coffee.png", "dnn_superres_butterfly.png", "data_fruits.jpg",
                             "data_motorcycle_left.png"})
        SQZ_REQUIRE_PHOTO(name);
    const auto dir = test::shared_dir() / "models" / "squeezenet_v1.0_deep_compression";
    compiler::ModelOptions o;
    o.model_path = (dir / "deploy.prototxt").string();
    o.weights_path = (dir / "compressed_SqueezeNet.net").string();
    const ir::Graph graph = compiler::load_model(o);

    const auto cat = top5(graph, test::photo("data_chelsea.png"));
    CHECK(contains({cat[0]}, {281, 282, 285}));                 // tabby, tiger cat, Egyptian cat
    const auto coffee = top5(graph, test::photo("data_coffee.png"));
    CHECK(coffee[0] == 967);                                     // espresso
    CHECK(contains(coffee, {968}));                              // cup
    const auto butterfly = top5(graph, test::photo("dnn_superres_butterfly.png"));
    CHECK(butterfly[0] == 323);                                  // monarch
    const auto fruits = top5(graph, test::photo("data_fruits.jpg"));
    CHECK(contains(fruits, {950, 951}));                         // orange, lemon
    const auto motorcycle = top5(graph, test::photo("data_motorcycle_left.png"));
    CHECK(contains(motorcycle, {665, 670}));                     // moped, motor scooter
}
