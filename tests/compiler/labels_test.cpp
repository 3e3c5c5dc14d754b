// Class names and probabilities (compiler/labels.h): the built-in ImageNet names are the shipped
// file's, and Softmax is a distribution that large scores cannot overflow.
#include "compiler/labels.h"
#include "tests/support.h"

#include <numeric>

using namespace sqz;

TEST_CASE("the built-in ImageNet names are examples/models/imagenet_labels.txt", "[labels]") {
    const auto& names = compiler::imagenet_labels();
    REQUIRE(names.size() == 1000);
    CHECK(names.front() == "tench");
    CHECK(names[967] == "espresso");
    CHECK(names.back() == "toilet tissue");
    CHECK(names == compiler::load_labels((test::source_dir() / "examples/models/imagenet_labels.txt").string()));
}

TEST_CASE("softmax gives a distribution in the scores' order, also for large scores", "[labels]") {
    const std::vector<float> p = compiler::softmax({1, 2, 3});
    REQUIRE(p.size() == 3);
    CHECK(p[0] == Approx(0.09003057));
    CHECK(p[1] == Approx(0.24472847));
    CHECK(p[2] == Approx(0.66524096));
    const std::vector<float> big = compiler::softmax({1e4f, 1e4f, -1e4f});
    CHECK(big[0] == Approx(0.5));
    CHECK(big[1] == Approx(0.5));
    CHECK(big[2] == 0);
    CHECK(std::accumulate(big.begin(), big.end(), 0.0) == Approx(1));
    CHECK(compiler::softmax({}).empty());
    // top_n ranks ties by the lower index.
    const auto top = compiler::top_n({0.5f, 2, 2, 1}, 3);
    REQUIRE(top.size() == 3);
    CHECK(top[0].first == 1);
    CHECK(top[1].first == 2);
    CHECK(top[2].first == 3);
}
