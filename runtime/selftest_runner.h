// The self-test of a package (the program NAME_selftest): runs the model through its C API on
// the input stored with the package and compares the outputs with the stored expected ones, which
// sqzc computed with its float64 reference interpreter, to a relative error of 1e-4. Options:
//   --threads N   threads of the model (default: every core)
//   --weights F   the weights file (packages that keep their weights in one)
//   --runs K      run K times and report the median time
// Prints one line; returns the exit status: 0 passed, 1 outputs differ, 2 create or run failed.
//
// Header-only, so that the self-test program is NAME_selftest.cpp (its main and this header) and
// its data: it uses nothing of the package but the C API, and so also links against a stripped
// shared library that exports only the C functions (sqzc info --size --package-library).
#pragma once

#include "model_api.h"
#include "prefix.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace SQZ_PACKAGE::runtime {

struct SelftestData {
    const float* const* inputs;    // one per input of the model
    const float* const* expected;  // one per output
    const size_t* output_sizes;    // floats, one per output
    int output_count;
};

// max |a - b| / max |b|
inline double selftest_error(const float* a, const float* b, size_t n) {
    double diff = 0, ref = 0;
    for (size_t i = 0; i < n; ++i) {
        const double d = std::fabs(static_cast<double>(a[i]) - b[i]);
        if (std::isnan(d)) return INFINITY;
        diff = std::max(diff, d);
        ref = std::max(ref, std::fabs(static_cast<double>(b[i])));
    }
    return ref > 0 ? diff / ref : diff;
}

inline int run_selftest(const SelftestData& data, int argc, char** argv) {
    const char* name = SQZ_PACKAGE_STRING "_selftest";
    SQZ_API(options) options{};
    int runs = 1;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!std::strcmp(argv[i], "--threads")) options.threads = std::atoi(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--weights")) options.weights_path = argv[i + 1];
        else if (!std::strcmp(argv[i], "--runs")) runs = std::max(1, std::atoi(argv[i + 1]));
    }
    SQZ_API(model)* model = nullptr;
    int status = SQZ_API(create)(&options, &model);
    if (status != SQZ_API_CONSTANT(OK)) {
        std::fprintf(stderr, "%s: create failed: %s\n", name, SQZ_API(status_string)(status));
        return 2;
    }
    std::vector<std::vector<float>> outputs;
    std::vector<float*> output_pointers;
    for (int i = 0; i < data.output_count; ++i) outputs.emplace_back(data.output_sizes[i]);
    for (std::vector<float>& out : outputs) output_pointers.push_back(out.data());
    std::vector<double> ms;
    for (int r = 0; r < runs; ++r) {
        const auto start = std::chrono::steady_clock::now();
        status = SQZ_API(run_all)(model, data.inputs, output_pointers.data());
        ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
        if (status != SQZ_API_CONSTANT(OK)) {
            std::fprintf(stderr, "%s: run failed: %s\n", name, SQZ_API(status_string)(status));
            SQZ_API(destroy)(model);
            return 2;
        }
    }
    double worst = 0;
    for (int i = 0; i < data.output_count; ++i)
        worst = std::max(worst, selftest_error(outputs[i].data(), data.expected[i], data.output_sizes[i]));
    std::sort(ms.begin(), ms.end());
    const bool ok = worst <= 1e-4;
    std::printf("%s: %s, max |a-b|/max|ref| = %.3g, %d thread(s), median %.3f ms over %d run(s)\n", name,
                ok ? "passed" : "FAILED", worst, SQZ_API(threads)(model), ms[ms.size() / 2], runs);
    SQZ_API(destroy)(model);
    return ok ? 0 : 1;
}

}  // namespace SQZ_PACKAGE::runtime
