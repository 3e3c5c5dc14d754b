// `sqzc info`: a model's layers (name, op, output shape, parameters, MACs) and its totals, as a
// table or as one JSON object.
#include "compiler/cli/command.h"
#include "compiler/cli/model_options.h"
#include "ir/stats.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <iostream>

namespace sqz::cli {
namespace {

std::string with_commas(int64_t v) {
    std::string digits = std::to_string(v), out;
    for (size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
        out.push_back(digits[i]);
    }
    return out;
}

}  // namespace

int info_command(const Args& argv) {
    ModelArgs model;
    bool json = false;
    po::options_description options("sqzc info options");
    po::positional_options_description positional;
    add_model_options(options, positional, model);
    options.add_options()("json", po::bool_switch(&json), "print one JSON object instead of a table");
    po::variables_map vm;
    if (!parse_args("info", "MODEL [--weights FILE] [--set K=V ...] [--json]", argv, options, positional, vm)) return 0;

    compiler::ModelOptions opts = model.to_options();
    const ir::Graph graph = compiler::load_model(opts);
    const ir::GraphStats stats = ir::graph_stats(graph);

    if (json) {
        nlohmann::ordered_json out;
        out["model"] = graph.name;
        out["batch"] = graph.batch;
        out["input"] = ir::to_string(graph.type_of(graph.inputs.at(0).name));
        out["output"] = ir::to_string(graph.type_of(graph.outputs.at(0)));
        out["params"] = stats.params;
        out["macs"] = stats.macs;
        out["weight_bytes"] = stats.weight_bytes;
        nlohmann::ordered_json layers = nlohmann::ordered_json::array();
        for (const ir::NodeStats& s : stats.nodes)
            layers.push_back({{"name", s.node->name},
                              {"op", std::string(ir::op_name(s.node->op))},
                              {"shape", s.node->type.dims},
                              {"params", s.params},
                              {"macs", s.macs}});
        out["layers"] = std::move(layers);
        std::cout << out.dump(2) << "\n";
        return 0;
    }

    size_t width = 5;
    for (const ir::NodeStats& s : stats.nodes) width = std::max(width, s.node->name.size());
    fmt::print("model {}  batch {}  input {}\n\n", graph.name, graph.batch,
               ir::to_string(graph.type_of(graph.inputs.at(0).name)));
    fmt::print("{:<{}}  {:<14}  {:<20}  {:>11}  {:>15}\n", "layer", width, "op", "output", "params", "MACs");
    for (const ir::NodeStats& s : stats.nodes)
        fmt::print("{:<{}}  {:<14}  {:<20}  {:>11}  {:>15}\n", s.node->name, width, ir::op_name(s.node->op),
                   ir::dims_to_string(s.node->type.dims), s.params ? with_commas(s.params) : "",
                   s.macs ? with_commas(s.macs) : "");
    fmt::print("\ntotal: {} parameters, {} MACs ({:.3f} GFLOP), {} weight bytes ({:.2f} MB as float32)\n",
               with_commas(stats.params), with_commas(stats.macs), 2e-9 * static_cast<double>(stats.macs),
               with_commas(stats.weight_bytes), static_cast<double>(stats.weight_bytes) / 1e6);
    return 0;
}

}  // namespace sqz::cli
