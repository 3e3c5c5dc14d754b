// `sqzc bench --sweep KEY=V1,V2,...`: the paper's design-space study, with latency. Each value of
// one .sqz metaparameter gives a model that is compiled and timed; the table (parameters, size,
// MACs, latency) is printed and written as JSON, and plotted to PNG with gnuplot.
#include "compiler/cli/bench.h"

#include "compiler/file_io.h"
#include "ir/error.h"
#include "ir/shell.h"

#include <fmt/format.h>

#include <filesystem>
#include <iostream>
#include <sstream>

namespace sqz::cli {
namespace {

struct SweepSpec {
    std::string key;
    std::vector<std::string> values;
};

SweepSpec parse_sweep(const std::string& text) {
    const auto eq = text.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == text.size())
        user_error("--sweep {}: expected KEY=V1,V2,... (e.g. SR=0.125,0.25,0.5)", text);
    SweepSpec spec{text.substr(0, eq), {}};
    std::istringstream in(text.substr(eq + 1));
    for (std::string v; std::getline(in, v, ',');) {
        if (v.empty()) user_error("--sweep {}: empty value", text);
        spec.values.push_back(v);
    }
    if (spec.values.size() > 64) user_error("--sweep {}: at most 64 values", text);
    return spec;
}

// Two panels against the swept value: model size (the paper's trade-off) and latency.
void plot(const std::string& key, const std::vector<BenchResult>& results, const std::vector<std::string>& values,
          const std::string& png) {
    std::string data;
    for (size_t i = 0; i < results.size(); ++i)
        data += fmt::format("{} {} {} {}\n", values[i], static_cast<double>(results[i].params) * 4 / 1e6,
                            results[i].median_ms, 2e-9 * static_cast<double>(results[i].macs));
    const std::string script = fmt::format(
        "set terminal pngcairo size 1000,420 font ',10'\n"
        "set output '{png}'\n"
        "set multiplot layout 1,2 title 'sqzc sweep over {key}'\n"
        "set grid\nset xlabel '{key}'\n"
        "set ylabel 'model size (MB, float32)'\n"
        "plot '-' using 1:2 with linespoints lw 2 pt 7 title 'size'\n{data}e\n"
        "set ylabel 'median latency (ms)'\nset y2label 'GFLOP per run'\nset y2tics\n"
        "plot '-' using 1:3 with linespoints lw 2 pt 7 title 'latency', "
        "'-' using 1:4 axes x1y2 with linespoints lw 1 pt 5 title 'GFLOP'\n{data}e\n{data}e\n"
        "unset multiplot\n",
        fmt::arg("png", png), fmt::arg("key", key), fmt::arg("data", data));
    // gnuplot reads the script, inline data and all, on its stdin.
    const std::string script_path = png + ".sqzc-tmp.gp";
    compiler::write_file(script_path, script);
    ShellOptions merged;
    merged.merge_output = true;
    const ShellResult r = run_shell("gnuplot < " + shell_quote(script_path), merged);
    std::error_code ignored;
    std::filesystem::remove(script_path, ignored);
    if (!r.ok() || !std::filesystem::exists(png))
        user_error("gnuplot failed to draw {} (is gnuplot-nox installed? exit status {}){}{}", png, r.exit_code,
                   r.out.empty() ? "" : ": ", r.out.substr(0, r.out.find('\n')));
}

}  // namespace

int run_sweep(const ModelArgs& model, const BenchOptions& options, const std::string& sweep,
              const std::string& output_prefix, bool json) {
    const SweepSpec spec = parse_sweep(sweep);
    std::vector<BenchResult> results;
    bool all_passed = true;
    for (const std::string& value : spec.values) {
        compiler::ModelOptions m = model.to_options();
        m.overrides.push_back(spec.key + "=" + value);
        if (!json) fmt::print(stderr, "{}={}\n", spec.key, value);
        results.push_back(run_bench(m, options, !json));
        all_passed = all_passed && results.back().check_passed;
    }

    nlohmann::ordered_json out;
    out["key"] = spec.key;
    out["engine"] = options.engine;
    auto rows = nlohmann::ordered_json::array();
    for (size_t i = 0; i < results.size(); ++i) {
        nlohmann::ordered_json row = bench_json(results[i]);
        row["value"] = spec.values[i];
        row["model_bytes"] = results[i].params * 4;
        rows.push_back(row);
    }
    out["results"] = rows;
    compiler::write_file(output_prefix + ".json", out.dump(2) + "\n");
    plot(spec.key, results, spec.values, output_prefix + ".png");

    if (json) {
        std::cout << out.dump(2) << "\n";
    } else {
        fmt::print("\n{:>10}  {:>12}  {:>10}  {:>14}  {:>10}  {:>9}  {:>9}\n", spec.key, "params", "size MB", "MACs",
                   "median ms", "GFLOP/s", "max err");
        for (size_t i = 0; i < results.size(); ++i) {
            const BenchResult& r = results[i];
            fmt::print("{:>10}  {:>12}  {:>10.3f}  {:>14}  {:>10.3f}  {:>9.1f}  {:>9.1e}\n", spec.values[i], r.params,
                       static_cast<double>(r.params) * 4 / 1e6, r.macs, r.median_ms, r.gflops, r.max_rel_err);
        }
        fmt::print("\nwrote {0}.json and {0}.png\n", output_prefix);
    }
    return all_passed ? 0 : 1;
}

}  // namespace sqz::cli
