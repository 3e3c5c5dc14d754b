// `sqzc bench --ablation`: the latency of a model with every pass, with each pass switched off in
// turn, and with none, at 1 and 2 threads (or the --threads given): what each pass earns.
#include "compiler/cli/bench.h"

#include "compiler/pass_manager.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <iostream>

namespace sqz::cli {

int run_ablation(const ModelArgs& model, const BenchOptions& options, bool json) {
    std::vector<int> thread_counts;
    if (options.engine_options.threads > 0) thread_counts = {options.engine_options.threads};
    else thread_counts = {1, 2};
    struct Config {
        std::string label;
        std::set<std::string> disabled;
    };
    std::vector<Config> configs{{"all passes", {}}};
    for (const compiler::PassInfo& p : compiler::passes()) configs.push_back({"without " + std::string(p.name), {p.name}});
    configs.push_back({"no passes", {"all"}});

    nlohmann::ordered_json rows = nlohmann::ordered_json::array();
    std::vector<std::vector<double>> ms(configs.size(), std::vector<double>(thread_counts.size()));
    std::string model_name;
    bool all_passed = true;
    for (size_t c = 0; c < configs.size(); ++c) {
        for (size_t t = 0; t < thread_counts.size(); ++t) {
            BenchOptions o = options;
            o.engine_options.threads = thread_counts[t];
            o.compile.passes.disabled = configs[c].disabled;
            if (!json) fmt::print(stderr, "{}, {} thread(s)\n", configs[c].label, thread_counts[t]);
            const BenchResult r = run_bench(model.to_options(), o, !json);
            model_name = r.model;
            all_passed = all_passed && r.check_passed;
            ms[c][t] = r.median_ms;
            nlohmann::ordered_json row = bench_json(r);
            row["config"] = configs[c].label;
            rows.push_back(row);
        }
    }
    if (json) {
        std::cout << nlohmann::ordered_json{{"model", model_name}, {"engine", options.engine}, {"results", rows}}.dump(2)
                  << "\n";
        return all_passed ? 0 : 1;
    }
    fmt::print("\n{} ({} engine), median latency in ms; in brackets the slowdown against all passes\n\n", model_name,
               options.engine);
    std::string header = "| passes |", rule = "|---|";
    for (int t : thread_counts) header += fmt::format(" {} thread{} |", t, t == 1 ? "" : "s"), rule += "---:|";
    fmt::print("{}\n{}\n", header, rule);
    for (size_t c = 0; c < configs.size(); ++c) {
        std::string line = "| " + configs[c].label + " |";
        for (size_t t = 0; t < thread_counts.size(); ++t)
            line += c == 0 ? fmt::format(" {:.3f} |", ms[c][t])
                           : fmt::format(" {:.3f} ({:+.0f}%) |", ms[c][t], 100.0 * (ms[c][t] / ms[0][t] - 1));
        fmt::print("{}\n", line);
    }
    return all_passed ? 0 : 1;
}

}  // namespace sqz::cli
