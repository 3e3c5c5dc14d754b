// `sqzc run` on images: several files and folders, one block per image; class names built in for
// 1000-class models (or from --labels); probabilities, the model's own Softmax or one that sqzc
// applies to raw scores, said in a header line.
#include "tests/support.h"

#include <fstream>

using namespace sqz;

namespace {

// A binary PPM, `w` x `h`, of one colour.
std::string solid_ppm(int w, int h, unsigned char r, unsigned char g, unsigned char b) {
    std::string ppm = "P6\n" + std::to_string(w) + " " + std::to_string(h) + "\n255\n";
    for (int i = 0; i < w * h; ++i) ppm += std::string{static_cast<char>(r), static_cast<char>(g), static_cast<char>(b)};
    return ppm;
}

// A .sqz model like test::kTinyFireSqz with `classes` outputs and, if `softmax`, a final Softmax.
std::string tiny_classifier(int classes, bool softmax) {
    return "sqz 1\nname tiny_classes\ninput 3x31x31\nlayers\nconv conv1 filters=8 kernel=3 stride=2 relu\n"
           "maxpool pool1 kernel=3 stride=2\nfire fire2 squeeze=4 expand1x1=8 expand3x3=8\n"
           "conv conv10 filters=" + std::to_string(classes) + " kernel=1 relu\nglobal_avgpool pool10\n" +
           (softmax ? "softmax prob\n" : "");
}

size_t count(const std::string& text, const std::string& part) {
    size_t n = 0;
    for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
    return n;
}

}  // namespace

TEST_CASE("sqzc run --image takes several images and folders, one block per image", "[cli][run]") {
    const auto folder = test::scratch_dir() / "run_images";
    std::filesystem::create_directories(folder);
    for (const char* name : {"b_red.ppm", "a_blue.PPM"}) {
        std::ofstream(folder / name, std::ios::binary) << solid_ppm(20, 16, name[2] == 'r' ? 255 : 0, 40, name[2] == 'b' ? 255 : 0);
    }
    std::ofstream(folder / "notes.txt") << "not an image\n";
    const std::string green = test::write_scratch("green.ppm", solid_ppm(12, 30, 0, 255, 0));
    const std::string model = test::write_scratch("tiny_run_images.sqz", tiny_classifier(7, true));
    const std::string out = (test::scratch_dir() / "run_images.f32").string();
    auto r = test::run_sqzc("run " + model + " --image " + green + " " + folder.string() + " --top 2 --output " + out);
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    // The file named first, then the folder's images by name (notes.txt is not one).
    const size_t g = r.out.find("green.ppm ("), a = r.out.find("a_blue.PPM ("), b = r.out.find("b_red.ppm (");
    REQUIRE(g != std::string::npos);
    REQUIRE(a != std::string::npos);
    REQUIRE(b != std::string::npos);
    CHECK(g < a);
    CHECK(a < b);
    CHECK(count(r.out, "%") == 6);  // two classes for each of three images
    CHECK(test::read_f32(out).size() == 3 * 7);
    // The same images one at a time give the same outputs as in the batch of runs.
    const std::string one = (test::scratch_dir() / "run_one.f32").string();
    REQUIRE(test::run_sqzc("run " + model + " --image " + (folder / "b_red.ppm").string() + " --output " + one).exit_code == 0);
    const auto all = test::read_f32(out), single = test::read_f32(one);
    CHECK(std::vector<float>(all.begin() + 14, all.end()) == single);
    // With --batch 2 the images fill the batch's samples; the last batch is padded, not printed twice.
    r = test::run_sqzc("run " + model + " --batch 2 --image " + green + " " + folder.string() + " --top 1 --output " + out);
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(count(r.out, "batch of 2") == 2);
    CHECK(count(r.out, "%") == 3);
    CHECK(test::read_f32(out) == all);

    const std::string empty = (test::scratch_dir() / "run_no_images").string();
    std::filesystem::create_directories(empty);
    r = test::run_sqzc("run " + model + " --image " + empty);
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.err, Catch::Contains("run_no_images: the folder has no PNG, JPEG or PPM images"));
    r = test::run_sqzc("run " + model + " --image " + green + " /nonexistent/cat.jpg");
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.err, Catch::Contains("/nonexistent/cat.jpg"));
    CHECK(r.out.find('%') == std::string::npos);  // every image is read before anything runs
}

TEST_CASE("sqzc run names ImageNet classes itself and says which probabilities it shows", "[cli][run]") {
    const std::string image = test::write_scratch("names.ppm", solid_ppm(16, 16, 200, 100, 50));
    // A 1000-class model that ends in raw scores: built-in names, Softmax applied by sqzc.
    const std::string raw = test::write_scratch("tiny_1000_raw.sqz", tiny_classifier(1000, false));
    auto r = test::run_sqzc("run " + raw + " --image " + image + " --top 1000");
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::Contains("classes: ImageNet (built in"));
    CHECK_THAT(r.out, Catch::Contains("Softmax of the model's raw scores"));
    for (const char* name : {"tench", "goldfish", "toilet tissue", "great white shark"}) CHECK_THAT(r.out, Catch::Contains(name));
    CHECK(count(r.out, "%  score ") == 1000);
    // The probabilities printed sum to 100% (within the printing's rounding).
    double sum = 0;
    std::istringstream lines(r.out);
    for (std::string line; std::getline(lines, line);) {
        const size_t percent = line.find('%');
        if (percent == std::string::npos || line.find("%  score ") == std::string::npos) continue;
        sum += std::stod(line.substr(line.rfind(' ', percent - 1) + 1, percent));
    }
    CHECK(sum == Approx(100).margin(0.1));
    // --labels overrides the built-in names.
    const std::string labels = (test::scratch_dir() / "thousand.txt").string();
    {
        std::ofstream out(labels);
        for (int i = 0; i < 1000; ++i) out << "class_" << i << "\n";
    }
    r = test::run_sqzc("run " + raw + " --image " + image + " --labels " + labels + " --top 3");
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::Contains("class_"));
    CHECK_THAT(r.out, !Catch::Contains("tench"));
    CHECK_THAT(r.out, Catch::Contains("classes: " + labels));
    // A model that ends in Softmax: its own probabilities, no raw scores; 7 classes have no names.
    const std::string soft = test::write_scratch("tiny_7_softmax.sqz", tiny_classifier(7, true));
    r = test::run_sqzc("run " + soft + " --image " + image + " --top 3");
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::Contains("the model's own Softmax output"));
    CHECK_THAT(r.out, Catch::Contains("classes: by index (no names)"));
    CHECK(count(r.out, "%  score ") == 0);
}

TEST_CASE("sqzc run labels real photographs with the Deep Compression model shipped in examples/models", "[cli][run]") {
    SQZ_REQUIRE_PHOTO("data_coffee.png");
    SQZ_REQUIRE_PHOTO("data_chelsea.png");
    const auto dc = test::source_dir() / "examples/models/squeezenet_v1.0_deep_compression";
    auto r = test::run_sqzc("run " + (dc / "deploy.prototxt").string() + " --weights " +
                            (dc / "compressed_SqueezeNet.net").string() + " --engine jit --top 1 --image " +
                            test::photo("data_coffee.png").string() + " " + test::photo("data_chelsea.png").string());
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::Contains("espresso"));
    CHECK_THAT(r.out, Catch::Contains("Egyptian cat"));
}
