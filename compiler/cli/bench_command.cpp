// `sqzc bench`: compiles a model with an engine, times warm-up and measured runs on a fixed input,
// reports median / p10 / p90 latency and GFLOP/s, and checks the output against the reference
// interpreter once. Optional per-layer profile (--profile) and design-space sweep (--sweep).
#include "compiler/cli/bench.h"
#include "compiler/cli/command.h"
#include "codegen/engine.h"
#include "compiler/cli/model_options.h"
#include "ir/error.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <iostream>

namespace sqz::cli {

int bench_command(const Args& argv) {
    ModelArgs model;
    BenchOptions bench;
    std::string sweep, sweep_output = "sweep";
    bool json = false, ablation = false;
    po::options_description options("sqzc bench options");
    po::positional_options_description positional;
    add_model_options(options, positional, model);
    add_pass_options(options, model);
    add_compression_options(options, model);
    options.add_options()
        ("engine", po::value(&bench.engine)->default_value("jit"), ("engine to time: " + codegen::engine_names()).c_str())
        ("threads", po::value(&bench.engine_options.threads)->default_value(0), "worker threads (0: all cores)")
        ("schedule", po::value(&bench.engine_options.schedule)->default_value("manual"),
         "JIT schedule: manual, adams2019, mullapudi2016 or li2018")
        ("target", po::value(&bench.engine_options.target), "JIT: Halide target string for this machine, e.g. x86-64-linux-avx2-fma")
        ("iterations", po::value(&bench.iterations)->default_value(50), "timed runs")
        ("warmup", po::value(&bench.warmup)->default_value(5), "untimed runs first")
        ("json", po::bool_switch(&json), "print one JSON object")
        ("profile", po::bool_switch(&bench.profile), "add a per-layer time table (Halide's profiler)")
        ("no-check", po::bool_switch(&bench.skip_check), "skip the comparison with the reference interpreter")
        ("sweep", po::value(&sweep),
         "time variants of a .sqz metaparameter: KEY=V1,V2,...; writes PREFIX.json and PREFIX.png (--out)")
        ("ablation", po::bool_switch(&ablation), "time the model with all passes, each pass off in turn, and none")
        ("out", po::value(&sweep_output)->default_value("sweep"),
         "with --sweep: the files' PREFIX, a path without extension (default: sweep.json and sweep.png in the "
         "current folder)");
    po::variables_map vm;
    if (!parse_args("bench", "MODEL [--weights FILE] [--engine jit] [--threads N] [--iterations K] [--warmup W] "
                             "[--json] [--profile] [--sweep KEY=V1,V2,... [--out PREFIX]]",
                    argv, options, positional, vm))
        return 0;
    if (bench.iterations < 1 || bench.iterations > 1000000) user_error("--iterations {}: must lie in [1, 1000000]", bench.iterations);
    if (bench.warmup < 0 || bench.warmup > 1000000) user_error("--warmup {}: must lie in [0, 1000000]", bench.warmup);
    if (bench.engine_options.threads < 0) user_error("--threads {}: must not be negative", bench.engine_options.threads);

    if (vm.count("out") && !vm["out"].defaulted() && sweep.empty()) user_error("--out goes with --sweep");
    bench.compile = model.compile_options();
    bench.engine_options.optimize = model.optimize_goal();
    if (ablation) return run_ablation(model, bench, json);
    if (!sweep.empty()) return run_sweep(model, bench, sweep, sweep_output, json);

    BenchResult result = run_bench(model.to_options(), bench, !json);
    if (json) {
        std::cout << bench_json(result).dump(2) << "\n";
    } else {
        print_bench(result);
    }
    if (!result.check_passed) {
        fmt::print(stderr, "sqzc bench: error: output differs from the reference interpreter: max |a-b|/max|ref| = "
                           "{:.3g}, more than the allowed {:.0e}\n",
                   result.max_rel_err, kBenchTolerance);
        return 1;
    }
    return 0;
}

}  // namespace sqz::cli
