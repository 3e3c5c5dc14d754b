// The runtime's model code (runtime/model.h) on a hand-written description with fake kernels
// (fake_model.h): set-up from every kind of options and weights, runs, profiling, and each way
// create and run refuse: bad arguments, a missing instruction set, a caller's arena that is too
// small or misaligned, a missing, truncated, damaged or foreign weights file, a corrupt compressed
// blob, a kernel that fails or reports an error, a kernel whose scratch memory is missing.
#include "runtime/model.h"
#include "runtime/weights_file.h"
#include "tests/runtime/fake_model.h"
#include "tests/support.h"

#include <fstream>
#include <thread>
#include <vector>

// (Not `using namespace sqz`: the C API's class sqz::Model would make `Model` ambiguous.)
namespace runtime = sqz::runtime;
namespace test = sqz::test;
using runtime::Model;
using Options = runtime::Options;
using runtime::Status;

namespace {

std::vector<float> input_values() {
    std::vector<float> v(test::kFakeSize);
    for (int i = 0; i < test::kFakeSize; ++i) v[i] = static_cast<float>(i) - 3.5f;
    return v;
}

// Runs `model` once on `in`; the status, and the output in `out`.
Status run(Model& model, const std::vector<float>& in, std::vector<float>& out) {
    out.assign(test::kFakeSize, -1.0f);
    const float* inputs[] = {in.data()};
    float* outputs[] = {out.data()};
    return model.run(inputs, outputs);
}

// Whether `out` is the model's result for `in`.
bool correct(const std::vector<float>& in, const std::vector<float>& out) {
    for (int i = 0; i < test::kFakeSize; ++i)
        if (out[i] != in[i] * test::kFakeScale + test::kFakeShift) return false;
    return true;
}

std::unique_ptr<Model> create(const runtime::ModelDescription& d, const Options& o = {}) {
    std::unique_ptr<Model> m;
    REQUIRE(Model::create(d, o, m) == Status::Ok);
    REQUIRE(m);
    return m;
}

std::string weights_file_bytes(const void* data, size_t bytes) {
    unsigned char header[runtime::kWeightsFileHeaderBytes];
    runtime::weights_file_header(data, bytes, header);
    return std::string(reinterpret_cast<const char*>(header), sizeof header) +
           std::string(static_cast<const char*>(data), bytes);
}

std::string write_file(const std::string& name, const std::string& bytes) {
    const std::string path = (test::scratch_dir() / name).string();
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
}

}  // namespace

TEST_CASE("a model runs its kernels in order on embedded weights", "[runtime][model]") {
    const runtime::ModelDescription d = test::fake_model();
    for (int threads : {1, 3}) {
        Options o{};
        o.threads = threads;
        auto m = create(d, o);
        CHECK(m->threads() == threads);
        CHECK(m->packed_weights() == test::kFakeWeights);  // embedded weights are used in place
        const std::vector<float> in = input_values();
        std::vector<float> out;
        for (int r = 0; r < 3; ++r) {
            REQUIRE(run(*m, in, out) == Status::Ok);
            CHECK(correct(in, out));
        }
    }
    CHECK(create(d)->threads() == static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
}

TEST_CASE("create refuses bad options and a CPU without the model's instruction sets", "[runtime][model]") {
    const runtime::ModelDescription d = test::fake_model();
    std::unique_ptr<Model> m;
    Options o{};
    o.threads = -1;
    CHECK(Model::create(d, o, m) == Status::Argument);
    CHECK_FALSE(m);

    runtime::ModelDescription needs_more = d;
    // Another architecture's instruction set: no CPU this runs on has both.
#if defined(__aarch64__)
    static const runtime::CpuFeature unknown[] = {runtime::CpuFeature::ARMDotProd, runtime::CpuFeature::AVX};
#else
    static const runtime::CpuFeature unknown[] = {runtime::CpuFeature::SSE41, runtime::CpuFeature::ARMDotProd};
#endif
    needs_more.cpu_features = unknown;
    needs_more.cpu_feature_count = 2;
    CHECK(Model::create(needs_more, {}, m) == Status::Cpu);
    CHECK_FALSE(m);
}

TEST_CASE("a caller's arena must be large enough and 64-byte aligned, it is used and its bordered part zeroed",
          "[runtime][model]") {
    const runtime::ModelDescription d = test::fake_model();
    alignas(64) static unsigned char memory[2048 + 64];
    std::unique_ptr<Model> m;
    Options o{};
    o.arena = memory;
    o.arena_bytes = d.arena_bytes - 1;
    CHECK(Model::create(d, o, m) == Status::Argument);
    o.arena = memory + 8;
    o.arena_bytes = d.arena_bytes;
    CHECK(Model::create(d, o, m) == Status::Argument);
    CHECK_FALSE(m);

    std::memset(memory, 0xab, sizeof memory);
    o.arena = memory;
    m = create(d, o);
    for (size_t i = 0; i < d.planned_bytes; ++i) {
        INFO("byte " << i);
        CHECK(memory[i] == (i >= d.zeroed_from ? 0 : 0xab));
    }
    const std::vector<float> in = input_values();
    std::vector<float> out;
    REQUIRE(run(*m, in, out) == Status::Ok);
    CHECK(correct(in, out));
    float tensor[test::kFakeSize];  // the kernels' intermediate tensor, at byte 128 of the arena
    std::memcpy(tensor, memory + 128, sizeof tensor);
    CHECK(tensor[1] == in[1] * test::kFakeScale);
}

TEST_CASE("run refuses null pointers, failing kernels give a kernel error and the model runs on", "[runtime][model]") {
    auto m = create(test::fake_model());
    std::vector<float> out(test::kFakeSize);
    float* outputs[] = {out.data()};
    const float* no_input[] = {nullptr};
    CHECK(m->run(nullptr, outputs) == Status::Argument);
    CHECK(m->run(no_input, outputs) == Status::Argument);
    const std::vector<float> in = input_values();
    const float* inputs[] = {in.data()};
    CHECK(m->run(inputs, nullptr) == Status::Argument);
    float* no_output[] = {nullptr};
    CHECK(m->run(inputs, no_output) == Status::Argument);

    for (float fail : {test::kFailReturn, test::kFailReport}) {
        std::vector<float> bad = in;
        bad[0] = fail;
        CHECK(run(*m, bad, out) == Status::Kernel);
        REQUIRE(run(*m, in, out) == Status::Ok);  // the error does not stick
        CHECK(correct(in, out));
    }
}

TEST_CASE("kernels allocate from the scratch part of the arena, and fail without it", "[runtime][model]") {
    runtime::ModelDescription d = test::fake_model();
    d.scratch_bytes = 0;
    d.arena_bytes = d.planned_bytes;
    auto m = create(d);
    const std::vector<float> in = input_values();
    std::vector<float> out;
    CHECK(run(*m, in, out) == Status::Kernel);  // "shift" finds no memory for its 256 bytes
}

TEST_CASE("profiling counts runs and kernel time until reset", "[runtime][model][profile]") {
    auto m = create(test::fake_model());
    const std::vector<float> in = input_values();
    std::vector<float> out;
    REQUIRE(run(*m, in, out) == Status::Ok);
    CHECK(m->profiled_runs() == 0);  // off by default
    m->set_profiling(true);
    for (int r = 0; r < 3; ++r) REQUIRE(run(*m, in, out) == Status::Ok);
    std::vector<float> bad = in;
    bad[0] = test::kFailReturn;
    CHECK(run(*m, bad, out) == Status::Kernel);  // a failed run is not counted
    CHECK(m->profiled_runs() == 3);
    CHECK(m->kernel_ms(0) > 0);
    CHECK(m->kernel_ms(1) > 0);
    CHECK(m->kernel_ms(-1) == 0);
    CHECK(m->kernel_ms(2) == 0);
    m->set_profiling(false);
    REQUIRE(run(*m, in, out) == Status::Ok);
    CHECK(m->profiled_runs() == 3);
    m->profile_reset();
    CHECK(m->profiled_runs() == 0);
    CHECK(m->kernel_ms(0) == 0);
    CHECK(m->kernel_ms(1) == 0);
}

TEST_CASE("concurrent runs on one model are serialised", "[runtime][model][threads]") {
    Options o{};
    o.threads = 2;
    auto m = create(test::fake_model(), o);
    const std::vector<float> in = input_values();
    std::atomic<int> failures{0};
    std::vector<std::thread> callers;
    for (int t = 0; t < 4; ++t)
        callers.emplace_back([&] {
            std::vector<float> out;
            for (int r = 0; r < 50; ++r) failures += run(*m, in, out) != Status::Ok || !correct(in, out);
        });
    for (std::thread& t : callers) t.join();
    CHECK(failures == 0);
}

TEST_CASE("weights in a file are read and checked at create", "[runtime][model][weights]") {
    runtime::ModelDescription d = test::fake_model();
    d.embedded_weights = nullptr;
    const std::string good = weights_file_bytes(test::kFakeWeights, sizeof test::kFakeWeights);
    d.default_weights_path = nullptr;
    const std::string path = write_file("fake_good.weights", good);

    Options o{};
    o.weights_path = path.c_str();
    auto m = create(d, o);
    CHECK(std::memcmp(m->packed_weights(), test::kFakeWeights, sizeof test::kFakeWeights) == 0);
    CHECK(reinterpret_cast<uintptr_t>(m->packed_weights()) % 64 == 0);
    const std::vector<float> in = input_values();
    std::vector<float> out;
    REQUIRE(run(*m, in, out) == Status::Ok);
    CHECK(correct(in, out));

    // Without a path: the description's default.
    d.default_weights_path = path.c_str();
    create(d);

    std::string damaged = good;
    damaged[runtime::kWeightsFileHeaderBytes + 5] ^= 0x20;
    std::string version = good;
    version[4] = 2;
    std::string magic = good;
    magic[0] = 'X';
    const std::string other = weights_file_bytes(test::kFakeWeights, sizeof test::kFakeWeights - 64);  // another model's
    const struct {
        const char* what;
        std::string path;
    } refused[] = {
        {"missing", (test::scratch_dir() / "fake_missing.weights").string()},
        {"empty", write_file("fake_empty.weights", "")},
        {"header only", write_file("fake_header.weights", good.substr(0, runtime::kWeightsFileHeaderBytes))},
        {"truncated", write_file("fake_truncated.weights", good.substr(0, good.size() - 4))},
        {"longer", write_file("fake_longer.weights", good + "x")},
        {"damaged", write_file("fake_damaged.weights", damaged)},
        {"other version", write_file("fake_version.weights", version)},
        {"not a weights file", write_file("fake_magic.weights", magic)},
        {"another model's", write_file("fake_other.weights", other)},
    };
    for (const auto& r : refused) {
        INFO(r.what);
        o.weights_path = r.path.c_str();
        std::unique_ptr<Model> refused_model;
        CHECK(Model::create(d, o, refused_model) == Status::Weights);
        CHECK_FALSE(refused_model);
    }
}

TEST_CASE("compressed weights are expanded into the packed weights at create", "[runtime][model][weights]") {
    // Stored: the scale tensor's 64 packed bytes, copied, then the shift tensor (16 floats, packed
    // as the 4x4 transpose of its values) as a dense layer blob.
    std::vector<uint8_t> stored(64);
    std::memcpy(stored.data(), test::kFakeWeights, 64);
    const uint8_t blob_header[8] = {0, 0, 0, 0, 16, 0, 0, 0};  // kind 0 (dense), 16 values
    stored.insert(stored.end(), blob_header, blob_header + 8);
    float values[16];
    for (int i = 0; i < 16; ++i) values[i] = static_cast<float>(i);
    values[0] = test::kFakeShift;  // packed element 0 is value 0 in either order
    const auto* value_bytes = reinterpret_cast<const uint8_t*>(values);
    stored.insert(stored.end(), value_bytes, value_bytes + sizeof values);

    const runtime::StoredTensor tensors[] = {
        {0, 64, 0, 0, runtime::kCopy, 0, 0},
        {64, 8 + 64, 64, 16, runtime::kGather, 2, 0},
    };
    const runtime::StoredDim dims[] = {{4, 4}, {4, 1}};
    runtime::ModelDescription d = test::fake_model();
    d.embedded_weights = stored.data();  // (the test's vector is 16-byte aligned; the model copies it)
    d.stored_weight_bytes = stored.size();
    d.stored.tensors = tensors;
    d.stored.count = 2;
    d.stored.dims = dims;
    d.stored.dim_count = 2;
    const runtime::LayerDecoder dense_only[] = {runtime::expand_dense_blob};
    d.stored.decoders = dense_only;
    d.stored.decoder_count = 1;
    auto m = create(d);
    const auto* packed = static_cast<const float*>(m->packed_weights());
    CHECK(packed[0] == test::kFakeScale);
    for (int y = 0; y < 4; ++y)
        for (int x = 0; x < 4; ++x) CHECK(packed[16 + y * 4 + x] == values[x * 4 + y]);
    const std::vector<float> in = input_values();
    std::vector<float> out;
    REQUIRE(run(*m, in, out) == Status::Ok);
    CHECK(correct(in, out));

    // A blob that does not decode (its count no longer matches the tensor).
    stored[64 + 4] = 15;
    std::unique_ptr<Model> refused;
    CHECK(Model::create(d, {}, refused) == Status::Weights);
    CHECK_FALSE(refused);
}
