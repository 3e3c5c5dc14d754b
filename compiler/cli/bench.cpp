// Benchmark measurement and reporting (see bench.h).
#include "compiler/cli/bench.h"

#include "compiler/cli/progress.h"
#include "ir/test_pattern.h"
#include "ir/error.h"
#include "ir/interpreter.h"
#include "ir/stats.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

namespace sqz::cli {
namespace {

double percentile(std::vector<double> sorted, double p) {
    std::sort(sorted.begin(), sorted.end());
    const double pos = p * static_cast<double>(sorted.size() - 1);
    const size_t lo = static_cast<size_t>(pos);
    const size_t hi = std::min(lo + 1, sorted.size() - 1);
    return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - static_cast<double>(lo));
}

}  // namespace

BenchResult run_bench(const compiler::ModelOptions& model_options, const BenchOptions& options, bool progress) {
    const ir::Graph graph = compiler::load_model(model_options);
    const ir::GraphStats stats = ir::graph_stats(graph);
    BenchResult r;
    r.model = graph.name;
    r.engine = options.engine;
    r.schedule = options.engine == "reference" ? "" : options.engine_options.schedule;
    r.precision = options.compile.precision == compiler::Precision::Int8 ? "int8" : "float32";
    r.batch = static_cast<int>(graph.batch);
    r.iterations = options.iterations;
    r.warmup = options.warmup;
    r.params = stats.params;
    r.macs = stats.macs;

    // Later compilations of the same model print no warnings: the first one has.
    compiler::CompileOptions quiet = options.compile;
    quiet.warn = nullptr;
    std::unique_ptr<codegen::Engine> engine;
    ir::Graph compiled;
    {
        std::unique_ptr<Progress> ticker;
        if (progress) ticker = std::make_unique<Progress>(fmt::format("compiling {} ({} engine)", graph.name, options.engine));
        auto start = std::chrono::steady_clock::now();
        compiled = options.engine == "reference" && options.compile.precision == compiler::Precision::Float32
                       ? graph
                       : compiler::prepare(graph, options.compile);
        engine = codegen::make_engine(options.engine, compiled, options.engine_options);
        r.compile_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    }
    r.threads = engine->threads();

    // A fixed, image-like input (sqzc's test pattern), the same for every run.
    std::vector<ir::Tensor> inputs;
    for (const ir::GraphInput& in : graph.inputs) inputs.push_back(ir::test_pattern(graph.type_of(in.name)));
    engine->set_inputs(inputs);
    for (int i = 0; i < options.warmup; ++i) engine->run_in_place();
    std::vector<double> times;
    times.reserve(static_cast<size_t>(options.iterations));
    for (int i = 0; i < options.iterations; ++i) {
        auto start = std::chrono::steady_clock::now();
        engine->run_in_place();
        times.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    }
    r.median_ms = percentile(times, 0.5);
    r.p10_ms = percentile(times, 0.1);
    r.p90_ms = percentile(times, 0.9);
    r.min_ms = *std::min_element(times.begin(), times.end());
    r.gflops = 2.0 * static_cast<double>(stats.macs) / (r.median_ms * 1e6);

    if (!options.skip_check && options.engine != "reference") {
        const std::vector<ir::Tensor> got = engine->outputs();
        // float32: against the float64 reference. int8: against the reference's int8 evaluation of
        // the same quantised graph (the check), and against float (the accuracy cost, reported).
        const bool int8 = options.compile.precision == compiler::Precision::Int8;
        const std::vector<ir::TensorF64> want = ir::interpret(int8 ? compiled : graph, inputs);
        r.checked = true;
        for (size_t i = 0; i < want.size(); ++i)
            r.max_rel_err = std::max(r.max_rel_err, ir::max_relative_error(got.at(i).data, want[i].data));
        r.check_passed = r.max_rel_err <= (int8 ? kInt8BenchTolerance : kBenchTolerance);
        if (int8) {
            ir::Graph float_model = graph;  // a quantized model's float form: without its roundings
            float_model.activation_quant.clear();
            const std::vector<ir::TensorF64> exact = ir::interpret(float_model, inputs);
            for (size_t i = 0; i < exact.size(); ++i)
                r.int8_vs_float_err = std::max(r.int8_vs_float_err, ir::max_relative_error(got.at(i).data, exact[i].data));
        }
    }

    // int8: the same engine in float32, timed in the same sitting (alternating blocks of runs, so
    // machine noise hits both), so that the output says whether int8 pays on this engine.
    if (options.compile.precision == compiler::Precision::Int8 && options.engine != "reference") {
        // The float32 variant of the same model: no calibration (it has none to use).
        compiler::CompileOptions float_options = quiet;
        float_options.precision = compiler::Precision::Float32;
        float_options.calibration.clear();
        float_options.calibration_method = {};
        std::unique_ptr<codegen::Engine> f;
        {
            std::unique_ptr<Progress> ticker;
            if (progress) ticker = std::make_unique<Progress>("compiling the float32 variant for comparison");
            f = codegen::make_engine(options.engine, compiler::prepare(graph, float_options), options.engine_options);
        }
        f->set_inputs(inputs);
        for (int i = 0; i < options.warmup; ++i) f->run_in_place();
        std::vector<double> int8_times, float_times;
        const int block = 5, rounds = std::max(2, options.iterations / block);
        for (int round = 0; round < rounds; ++round)
            for (codegen::Engine* e : {engine.get(), f.get()})
                for (int i = 0; i < block; ++i) {
                    auto start = std::chrono::steady_clock::now();
                    e->run_in_place();
                    (e == f.get() ? float_times : int8_times)
                        .push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
                }
        r.float32_median_ms = percentile(float_times, 0.5);
        r.int8_speedup = r.float32_median_ms / percentile(int8_times, 0.5);
    }

    if (options.profile) {
        if (options.engine == "reference") user_error("--profile needs the jit or source engine");
        codegen::EngineOptions profiled = options.engine_options;
        profiled.profile = true;
        std::unique_ptr<codegen::Engine> p;
        ir::Graph prepared;
        {
            std::unique_ptr<Progress> ticker;
            if (progress) ticker = std::make_unique<Progress>("compiling the profiled variant");
            prepared = compiler::prepare(graph, quiet);
            p = codegen::make_engine(options.engine, prepared, profiled);
        }
        p->set_inputs(inputs);
        for (int i = 0; i < options.warmup; ++i) p->run_in_place();
        p->take_profile();  // drop the warm-up samples
        for (int i = 0; i < std::max(options.iterations, 20); ++i) p->run_in_place();
        for (const codegen::LayerTime& t : p->take_profile()) {
            // A fused kernel is named "a + b + ...": count the MACs of all its nodes.
            int64_t macs = 0;
            const std::string names = " + " + t.node + " + ";
            for (const ir::NodeStats& s : stats.nodes)
                if (names.find(" + " + s.node->name + " + ") != std::string::npos) macs += s.macs;
            std::string algorithm;
            for (const ir::Node& n : prepared.nodes)
                if (n.op == ir::OpKind::Conv && names.find(" + " + n.name + " + ") != std::string::npos)
                    algorithm = ir::conv_algorithm_name(n.conv().algorithm);
            LayerProfile l{t.node, algorithm, t.ms_per_run, t.share,
                           t.ms_per_run > 0 ? 2.0 * static_cast<double>(macs) / (t.ms_per_run * 1e6) : 0};
            r.layers.push_back(l);
        }
        std::sort(r.layers.begin(), r.layers.end(), [](const auto& a, const auto& b) { return a.ms > b.ms; });
    }
    return r;
}

nlohmann::ordered_json bench_json(const BenchResult& r) {
    nlohmann::ordered_json j;
    j["model"] = r.model;
    j["engine"] = r.engine;
    j["schedule"] = r.schedule;
    j["threads"] = r.threads;
    j["batch"] = r.batch;
    j["iterations"] = r.iterations;
    j["warmup"] = r.warmup;
    j["params"] = r.params;
    j["macs"] = r.macs;
    j["compile_ms"] = r.compile_ms;
    j["median_ms"] = r.median_ms;
    j["p10_ms"] = r.p10_ms;
    j["p90_ms"] = r.p90_ms;
    j["min_ms"] = r.min_ms;
    j["gflops"] = r.gflops;
    j["precision"] = r.precision;
    j["max_rel_err"] = r.checked ? nlohmann::ordered_json(r.max_rel_err) : nlohmann::ordered_json(nullptr);
    if (r.precision == "int8") j["int8_vs_float_err"] = r.int8_vs_float_err;
    if (r.float32_median_ms > 0) {
        j["float32_median_ms"] = r.float32_median_ms;
        j["int8_speedup"] = r.int8_speedup;
    }
    j["check_passed"] = r.check_passed;
    if (!r.layers.empty()) {
        auto layers = nlohmann::ordered_json::array();
        for (const LayerProfile& l : r.layers)
            layers.push_back(
                {{"node", l.node}, {"algorithm", l.algorithm}, {"ms", l.ms}, {"share", l.share}, {"gflops", l.gflops}});
        j["layers"] = layers;
    }
    return j;
}

void print_bench(const BenchResult& r) {
    fmt::print("model {}  engine {}{}  {}  threads {}  batch {}\n", r.model, r.engine,
               r.schedule.empty() ? "" : " (" + r.schedule + " schedule)", r.precision, r.threads, r.batch);
    fmt::print("compile   {:10.1f} ms\n", r.compile_ms);
    fmt::print("latency   median {:.3f} ms   p10 {:.3f} ms   p90 {:.3f} ms   ({} runs after {} warm-up)\n", r.median_ms,
               r.p10_ms, r.p90_ms, r.iterations, r.warmup);
    fmt::print("throughput {:.1f} GFLOP/s  ({:.3f} GFLOP per run)\n", r.gflops, 2e-9 * static_cast<double>(r.macs));
    if (r.checked)
        fmt::print("check     max |a-b|/max|ref| = {:.2e} against the reference interpreter{} ({})\n", r.max_rel_err,
                   r.precision == "int8" ? " (its int8 evaluation)" : "", r.check_passed ? "ok" : "FAILED");
    if (r.checked && r.precision == "int8")
        fmt::print("int8      max |a-b|/max|ref| = {:.2e} against float32 (the cost of quantisation)\n", r.int8_vs_float_err);
    if (r.float32_median_ms > 0) {
        fmt::print("vs float32 the same engine in float32: median {:.3f} ms, timed alternately with int8: int8 is {:.2f}x {}\n",
                   r.float32_median_ms, r.int8_speedup >= 1 ? r.int8_speedup : 1 / r.int8_speedup,
                   r.int8_speedup >= 1 ? "faster" : "SLOWER");
        if (r.int8_speedup < 1)
            fmt::print("warning   int8 is slower than float32 on the {} engine here; use --precision float32 for speed\n",
                       r.engine);
    }
    if (r.layers.empty()) return;
    size_t width = 10;
    for (const LayerProfile& l : r.layers) width = std::max(width, l.node.size());
    // GFLOP/s count the direct convolution's multiply-adds, so Winograd layers can exceed the peak.
    fmt::print("\n{:<{}}  {:<11}  {:>9}  {:>7}  {:>9}\n", "layer", width, "algorithm", "ms", "share", "GFLOP/s*");
    for (const LayerProfile& l : r.layers)
        fmt::print("{:<{}}  {:<11}  {:>9.3f}  {:>6.1f}%  {:>9}\n", l.node, width, l.algorithm, l.ms, 100 * l.share,
                   l.gflops > 0 ? fmt::format("{:.1f}", l.gflops) : "");
    fmt::print("* direct-equivalent: 2 x the direct convolution's multiply-adds / time\n");
}

}  // namespace sqz::cli
