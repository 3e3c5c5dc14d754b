// The measurement behind `sqzc bench`: compile, warm up, time, check against the reference.
// Shared by the single-model benchmark and the metaparameter sweep.
#pragma once

#include "codegen/engine.h"
#include "compiler/cli/model_options.h"
#include "compiler/driver.h"
#include "compiler/model_loader.h"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace sqz::cli {

// Largest accepted max |a - ref| / max |ref| of an engine against the reference interpreter.
constexpr double kBenchTolerance = 1e-4;
// For int8, against the reference's int8 evaluation of the same graph: integer kernels agree
// exactly; the float input conv's rounding to u8 may differ by one step where float32 and float64
// round differently, which the layers after it spread a little.
constexpr double kInt8BenchTolerance = 1e-2;

struct BenchOptions {
    std::string engine = "jit";
    codegen::EngineOptions engine_options;
    int iterations = 50;
    int warmup = 5;
    bool profile = false;
    bool skip_check = false;
    compiler::CompileOptions compile;  // passes and precision (the reference engine runs float32 unoptimised)
};

struct LayerProfile {
    std::string node;
    std::string algorithm;  // of its convolution ("direct", "winograd-f4"); empty without one
    double ms = 0;
    double share = 0;
    double gflops = 0;  // of this node's direct-convolution MACs in its time (0 when it has none)
};

struct BenchResult {
    std::string model;
    std::string engine;
    std::string schedule;
    std::string precision;
    int threads = 0;
    int batch = 1;
    int iterations = 0;
    int warmup = 0;
    int64_t params = 0;
    int64_t macs = 0;
    double compile_ms = 0;
    double median_ms = 0, p10_ms = 0, p90_ms = 0, min_ms = 0;
    double gflops = 0;         // 2 x MACs / median
    bool checked = false;
    double max_rel_err = 0;
    double int8_vs_float_err = 0;
    double float32_median_ms = 0;  // int8: the same engine in float32, timed alternately (0: not measured)
    double int8_speedup = 0;       // float32 median / int8 median in those alternating runs
    bool check_passed = true;
    std::vector<LayerProfile> layers;
};

// `progress`: print a progress indication while compiling.
BenchResult run_bench(const compiler::ModelOptions& model, const BenchOptions& options, bool progress);
nlohmann::ordered_json bench_json(const BenchResult& result);
void print_bench(const BenchResult& result);

// --ablation: every pass, each pass off in turn, no passes; at 1 and 2 threads (or the given
// thread count). Prints a Markdown table (or JSON). Returns the exit code.
int run_ablation(const ModelArgs& model, const BenchOptions& options, bool json);

// --sweep KEY=V1,V2,...: one benchmark per value of a .sqz metaparameter; prints a table and
// writes PREFIX.json and PREFIX.png. Returns the exit code.
int run_sweep(const ModelArgs& model, const BenchOptions& options, const std::string& sweep,
              const std::string& output_prefix, bool json);

}  // namespace sqz::cli
