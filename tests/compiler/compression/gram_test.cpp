// Dot products and Gram matrices (compiler/compression/gram.h): the sums of products, exactly
// symmetric, the same for any number of threads.
#include "compiler/compression/gram.h"
#include "tests/support.h"

#include <cstring>

using namespace sqz;

TEST_CASE("gram and dot give the sums of products, whatever the threads", "[compression][refine]") {
    for (int64_t count : {1, 3, 4, 9}) {
        for (int64_t length : {1, 7, 8, 29}) {
            INFO(count << " rows of " << length);
            const std::vector<float> v = test::random_values(static_cast<size_t>(count * length), 7);
            const std::vector<double> rows(v.begin(), v.end());
            std::vector<double> one(static_cast<size_t>(count * count)), three(one.size());
            compiler::gram(rows.data(), count, length, one.data(), 1);
            compiler::gram(rows.data(), count, length, three.data(), 3);
            CHECK(std::memcmp(one.data(), three.data(), 8 * one.size()) == 0);
            for (int64_t i = 0; i < count; ++i)
                for (int64_t j = 0; j < count; ++j) {
                    double want = 0;
                    for (int64_t k = 0; k < length; ++k) want += rows[i * length + k] * rows[j * length + k];
                    REQUIRE(one[i * count + j] == Approx(want).epsilon(1e-12).margin(1e-14));
                    REQUIRE(one[i * count + j] == one[j * count + i]);
                    REQUIRE(one[i * count + j] == compiler::dot(&rows[i * length], &rows[j * length], length));
                }
        }
    }
}
