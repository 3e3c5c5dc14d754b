// A program built into the package 'mini' by tests/codegen/package_sanitize_test.cpp (not a test
// executable of its own): the package's C API driven the way users drive it, under ASan+UBSan or
// ThreadSanitizer. Its stored self-test input and expected output come from mini_selftest_data.cpp.
//
//   driver files THREADS IN OUT [IN OUT...]   runs each raw float32 input file, writes the output
//   driver threads                            the concurrency scenarios below; prints "threads: ok"
#include "mini.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

extern const uint32_t mini_selftest_input0[];
extern const uint32_t mini_selftest_expected0[];

namespace {

std::atomic<int> failures{0};

void fail(const std::string& what) {
    std::fprintf(stderr, "driver: %s\n", what.c_str());
    failures.fetch_add(1);
}

const float* stored_input() { return reinterpret_cast<const float*>(mini_selftest_input0); }
const float* expected_output() { return reinterpret_cast<const float*>(mini_selftest_expected0); }

// The self-test's criterion: max |a - b| / max |b| <= 1e-4 against the float64 reference.
bool matches_expected(const std::vector<float>& out) {
    double diff = 0, ref = 0;
    for (size_t i = 0; i < MINI_OUTPUT0_SIZE; ++i) {
        const double d = std::fabs(double(out[i]) - expected_output()[i]);
        if (!(d == d)) return false;
        diff = std::max(diff, d);
        ref = std::max(ref, std::fabs(double(expected_output()[i])));
    }
    return diff <= 1e-4 * (ref > 0 ? ref : 1);
}

mini_model* create(int threads) {
    mini_options options{};
    options.threads = threads;
    mini_model* model = nullptr;
    const int status = mini_create(&options, &model);
    if (status != MINI_OK) fail(std::string("create: ") + mini_status_string(status));
    return model;
}

// Runs the stored input `runs` times on `model`; every output must equal `reference` bit for bit
// (when given) and match the expected output.
void run_stored(mini_model* model, int runs, const std::vector<float>* reference, const char* who) {
    std::vector<float> out(MINI_OUTPUT0_SIZE);
    for (int r = 0; r < runs; ++r) {
        const int status = mini_run(model, stored_input(), out.data());
        if (status != MINI_OK) return fail(std::string(who) + ": run: " + mini_status_string(status));
        if (!matches_expected(out)) return fail(std::string(who) + ": output differs from the expected one");
        if (reference && std::memcmp(out.data(), reference->data(), out.size() * sizeof(float)) != 0)
            return fail(std::string(who) + ": output differs from the single-threaded run's bits");
    }
}

int threads_scenarios() {
    // The reference bits: one model, one thread.
    std::vector<float> reference(MINI_OUTPUT0_SIZE);
    mini_model* solo = create(1);
    if (!solo || mini_run(solo, stored_input(), reference.data()) != MINI_OK) return 1;
    mini_destroy(solo);

    // 1. Eight threads, each creating, running and destroying its own model.
    {
        std::vector<std::thread> pool;
        for (int t = 0; t < 8; ++t)
            pool.emplace_back([&] {
                mini_model* m = create(1);
                if (!m) return;
                run_stored(m, 5, &reference, "own model");
                mini_destroy(m);
            });
        for (std::thread& t : pool) t.join();
    }
    // 2. One model called from four threads at once: mini.h says concurrent calls on one model are
    //    serialised by the model itself.
    {
        mini_model* shared = create(1);
        std::vector<std::thread> pool;
        for (int t = 0; t < 4; ++t) pool.emplace_back([&] { run_stored(shared, 5, &reference, "shared model"); });
        for (std::thread& t : pool) t.join();
        mini_destroy(shared);
    }
    // 3. One model shared through the caller's own mutex (the conservative use).
    {
        mini_model* shared = create(1);
        std::mutex lock;
        std::vector<std::thread> pool;
        for (int t = 0; t < 4; ++t)
            pool.emplace_back([&] {
                for (int r = 0; r < 3; ++r) {
                    std::lock_guard<std::mutex> guard(lock);
                    run_stored(shared, 1, &reference, "mutex-shared model");
                }
            });
        for (std::thread& t : pool) t.join();
        mini_destroy(shared);
    }
    // 4. One model with an internal thread pool of 2, from one caller and then from two at once.
    {
        mini_model* pooled = create(2);
        if (pooled && mini_threads(pooled) != 2) fail("a model created with threads=2 reports " +
                                                      std::to_string(mini_threads(pooled)));
        run_stored(pooled, 5, &reference, "2-thread model");
        std::thread a([&] { run_stored(pooled, 3, &reference, "2-thread model, caller a"); });
        std::thread b([&] { run_stored(pooled, 3, &reference, "2-thread model, caller b"); });
        a.join();
        b.join();
        mini_destroy(pooled);
    }
    if (failures.load() != 0) return 1;
    std::printf("threads: ok\n");
    return 0;
}

bool read_floats(const char* path, std::vector<float>& v) {
    FILE* f = std::fopen(path, "rb");
    if (!f) return false;
    const size_t n = std::fread(v.data(), sizeof(float), v.size(), f);
    std::fclose(f);
    return n == v.size();
}

int run_files(int threads, int argc, char** argv) {
    mini_model* model = create(threads);
    if (!model) return 1;
    std::vector<float> in(MINI_INPUT0_SIZE), out(MINI_OUTPUT0_SIZE);
    for (int i = 0; i + 1 < argc; i += 2) {
        if (!read_floats(argv[i], in)) fail(std::string("cannot read ") + argv[i]);
        else if (mini_run(model, in.data(), out.data()) != MINI_OK) fail(std::string("run failed on ") + argv[i]);
        FILE* f = std::fopen(argv[i + 1], "wb");
        if (!f || std::fwrite(out.data(), sizeof(float), out.size(), f) != out.size()) fail("cannot write output");
        if (f) std::fclose(f);
    }
    mini_destroy(model);
    return failures.load() == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc >= 2 && !std::strcmp(argv[1], "threads")) return threads_scenarios();
    if (argc >= 3 && !std::strcmp(argv[1], "files")) return run_files(std::atoi(argv[2]), argc - 3, argv + 3);
    std::fprintf(stderr, "usage: driver threads | driver files THREADS IN OUT [IN OUT...]\n");
    return 2;
}
