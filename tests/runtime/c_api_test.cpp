// The package's C API (runtime/model_api.h, runtime/c_api.cpp) and its self-test program
// (runtime/selftest_runner.h) on the fake model of fake_model.h, which this file makes the
// "package's" model. In sqzc's own build the API's prefix is sqz: sqz_create, SQZ_OK, sqz::Model.
#include "runtime/model_api.h"
#include "runtime/selftest_runner.h"
#include "tests/runtime/fake_model.h"
#include "tests/support.h"

#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using namespace sqz;

namespace sqz::runtime {
const ModelDescription kPackageModel = test::fake_model();
}  // namespace sqz::runtime

namespace {

const float kInput[test::kFakeSize] = {1, 2, 3, 4, -5, 6, 7, 8};

std::vector<float> expected() {
    std::vector<float> v;
    for (float x : kInput) v.push_back(x * test::kFakeScale + test::kFakeShift);
    return v;
}

int selftest(const float* input, const float* want, std::vector<const char*> args = {}) {
    const float* inputs[] = {input};
    const float* outputs[] = {want};
    const size_t sizes[] = {test::kFakeSize};
    args.insert(args.begin(), "selftest");
    return runtime::run_selftest({inputs, outputs, sizes, 1}, static_cast<int>(args.size()), const_cast<char**>(args.data()));
}

}  // namespace

TEST_CASE("the C API creates, runs and destroys the package's model", "[runtime][api]") {
    sqz_model* m = nullptr;
    REQUIRE(sqz_create(nullptr, &m) == SQZ_OK);  // defaults
    REQUIRE(m);
    std::vector<float> out(test::kFakeSize);
    REQUIRE(sqz_run(m, kInput, out.data()) == SQZ_OK);
    CHECK(out == expected());
    const float* inputs[] = {kInput};
    float* outputs[] = {out.data()};
    std::fill(out.begin(), out.end(), 0.0f);
    REQUIRE(sqz_run_all(m, inputs, outputs) == SQZ_OK);
    CHECK(out == expected());
    size_t bytes = 0;
    CHECK(sqz_packed_weights(m, &bytes) == test::kFakeWeights);
    CHECK(bytes == sizeof test::kFakeWeights);
    sqz_destroy(m);

    sqz_options options{};
    options.threads = 2;
    REQUIRE(sqz_create(&options, &m) == SQZ_OK);
    CHECK(sqz_threads(m) == 2);
    sqz_destroy(m);
}

TEST_CASE("the C API refuses bad arguments with status codes and accepts null models where harmless",
          "[runtime][api]") {
    sqz_model* m = reinterpret_cast<sqz_model*>(&m);  // create clears it on failure
    sqz_options options{};
    options.threads = -2;
    CHECK(sqz_create(&options, &m) == SQZ_ERROR_ARGUMENT);
    CHECK(m == nullptr);
    CHECK(sqz_create(nullptr, nullptr) == SQZ_ERROR_ARGUMENT);
    alignas(64) static unsigned char small[64];
    options = {};
    options.arena = small;
    options.arena_bytes = sizeof small;
    CHECK(sqz_create(&options, &m) == SQZ_ERROR_ARGUMENT);

    float out[test::kFakeSize];
    CHECK(sqz_run(nullptr, kInput, out) == SQZ_ERROR_ARGUMENT);
    CHECK(sqz_run_all(nullptr, nullptr, nullptr) == SQZ_ERROR_ARGUMENT);
    CHECK(sqz_threads(nullptr) == 0);
    size_t bytes = 1;
    CHECK(sqz_packed_weights(nullptr, &bytes) == nullptr);
    CHECK(bytes == 0);
    sqz_set_profiling(nullptr, 1);
    CHECK(sqz_kernel_ms(nullptr, 0) == 0);
    CHECK(sqz_profiled_runs(nullptr) == 0);
    sqz_profile_reset(nullptr);
    sqz_destroy(nullptr);
}

TEST_CASE("status strings say what each status means", "[runtime][api]") {
    CHECK(std::string(sqz_status_string(SQZ_OK)) == "ok");
    CHECK(std::string(sqz_status_string(SQZ_ERROR_ARGUMENT)) ==
          "invalid argument (null pointer, or memory too small or misaligned)");
    CHECK(std::string(sqz_status_string(SQZ_ERROR_OUT_OF_MEMORY)) == "out of memory");
    CHECK(std::string(sqz_status_string(SQZ_ERROR_CPU)) == "this CPU lacks an instruction set the package was compiled for");
    CHECK(std::string(sqz_status_string(SQZ_ERROR_WEIGHTS)) ==
          "the weights file is missing, truncated or not this model's, or the stored weights are corrupt");
    CHECK(std::string(sqz_status_string(SQZ_ERROR_KERNEL)) == "a kernel failed");
    CHECK(std::string(sqz_status_string(6)) == "unknown status");
    CHECK(std::string(sqz_status_string(-1)) == "unknown status");
}

TEST_CASE("the C API's profiling names the kernels and counts runs", "[runtime][api][profile]") {
    CHECK(sqz_kernel_count() == 2);
    CHECK(std::string(sqz_kernel_name(0)) == "scale");
    CHECK(std::string(sqz_kernel_name(1)) == "shift");
    CHECK(std::string(sqz_kernel_name(2)).empty());
    CHECK(std::string(sqz_kernel_name(-1)).empty());
    sqz_model* m = nullptr;
    REQUIRE(sqz_create(nullptr, &m) == SQZ_OK);
    sqz_set_profiling(m, 1);
    float out[test::kFakeSize];
    for (int r = 0; r < 2; ++r) REQUIRE(sqz_run(m, kInput, out) == SQZ_OK);
    CHECK(sqz_profiled_runs(m) == 2);
    CHECK(sqz_kernel_ms(m, 1) > 0);
    sqz_profile_reset(m);
    CHECK(sqz_profiled_runs(m) == 0);
    CHECK(sqz_kernel_ms(m, 1) == 0);
    sqz_destroy(m);
}

TEST_CASE("the C++ class owns a model", "[runtime][api]") {
    sqz::Model a;
    CHECK(a.run(kInput, nullptr) == SQZ_ERROR_ARGUMENT);  // not initialised
    sqz_options options{};
    options.threads = 1;
    REQUIRE(a.init(options) == SQZ_OK);
    CHECK(a.threads() == 1);
    sqz::Model b = std::move(a);
    std::vector<float> out(test::kFakeSize);
    REQUIRE(b.run(kInput, out.data()) == SQZ_OK);
    CHECK(out == expected());
    CHECK(a.threads() == 0);
    CHECK(std::string(sqz::Model::status_string(SQZ_ERROR_KERNEL)) == "a kernel failed");
}

TEST_CASE("the self-test passes on the expected output and fails otherwise", "[runtime][api][selftest]") {
    const std::vector<float> want = expected();
    CHECK(selftest(kInput, want.data()) == 0);
    CHECK(selftest(kInput, want.data(), {"--threads", "2", "--runs", "3"}) == 0);
    std::vector<float> wrong = want;
    wrong[3] += 1.0f;
    CHECK(selftest(kInput, wrong.data()) == 1);
    float failing[test::kFakeSize] = {test::kFailReturn};
    CHECK(selftest(failing, want.data()) == 2);  // run failed
    CHECK(selftest(kInput, want.data(), {"--threads", "-1"}) == 2);  // create failed
}

TEST_CASE("SQZ_API_FUNCTIONS lists every function model_api.h declares", "[runtime][api]") {
    std::ifstream in(test::source_dir() / "runtime" / "model_api.h");
    std::stringstream text;
    text << in.rdbuf();
    const std::string header = text.str();
    std::set<std::string> declared;
    const std::regex declaration(R"(\bSQZ_API\((\w+)\)\()");
    for (std::sregex_iterator it(header.begin(), header.end(), declaration), end; it != end; ++it)
        declared.insert((*it)[1]);
    std::set<std::string> listed;
#define SQZ_TEST_LISTED(name) listed.insert(#name);
    SQZ_API_FUNCTIONS(SQZ_TEST_LISTED)
#undef SQZ_TEST_LISTED
    CHECK(declared.size() == 13);
    CHECK(declared == listed);
}
