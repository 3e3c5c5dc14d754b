// `sqzc info`: a model's layers (name, op, output shape, parameters, MACs, and the algorithm each
// convolution is compiled with) and its totals, as a table or as one JSON object; with --size,
// the model-size table of its compressed forms (and the size of the shared library a package
// builds into); with --accuracy, how compressed weights (or int8, by each calibration method)
// change its answers.
#include "compiler/cli/accuracy.h"
#include "compiler/cli/command.h"
#include "compiler/cli/model_options.h"
#include "compiler/cli/package_library.h"
#include "compiler/compression/size_report.h"
#include "compiler/passes/choose_conv_algorithm.h"
#include "ir/error.h"
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

// The paper's figures (Iandola et al. 2016, table 2), for comparison.
constexpr const char* kPaperSizes =
    "for comparison, the SqueezeNet paper: AlexNet 240 MB (32-bit); SqueezeNet 4.8 MB (32-bit);\n"
    "SqueezeNet with Deep Compression 0.66 MB (8-bit) and 0.47 MB (6-bit)\n";

struct SizeArgs {
    bool size = false;
    bool library = false;
    std::string weights_format;
    std::string compiler = "c++";
    bool accuracy = false;
    std::string photos;
    int random = 20;
    std::string engine = "jit";
};

// --size [--package-library]: the size table of the model (uncompressed as loaded) and of the forms
// `compression` asks for; the library is compiled with `passes` (e.g. --conv-algorithm) and the
// schedules for `optimize`.
int size_info(const ir::Graph& graph, const compiler::CompressionOptions& compression, const SizeArgs& a,
              const compiler::PassOptions& passes, codegen::Optimize optimize) {
    fmt::print("model {}\n{}\n{}", graph.name, compiler::format_size_report(compiler::size_report(graph, compression)),
               kPaperSizes);
    if (!a.library) return 0;
    const ir::Graph compressed = compiler::compress_weights(graph, compression);
    const compiler::WeightsFormat format =
        !a.weights_format.empty() ? compiler::parse_weights_format(a.weights_format)
        : compiler::has_codebook_weights(compressed) ? compiler::WeightsFormat::CodebookRange
                                                     : compiler::WeightsFormat::Dense;
    compiler::CompileOptions compile;
    compile.passes = passes;
    const ir::Graph prepared = compiler::prepare(compressed, compile);
    codegen::PackageOptions p;
    p.name = codegen::default_package_name(graph.name);
    p.source_description = "sqzc info --size --package-library";
    p.optimize = optimize;
    set_weight_blobs(p, prepared, format);
    fmt::print("\nbuilding package '{}' ({}{}{}, optimized for {}) into a shared library (takes a minute)...\n", p.name,
               p.weights_format, compression.any() ? ", " : "", compression.any() ? describe_compression(compression) : "",
               codegen::optimize_name(optimize));
    std::fflush(stdout);
    const LibraryReport report = measure_package_library(prepared, p, a.compiler);
    fmt::print("{}", format_library_report(report));
    for (const LibraryBuild& b : report.builds)
        if (!b.selftest_passed) user_error("the package's self-test failed against the {} library: {}", b.flags, b.selftest);
    return 0;
}

// --accuracy: the compressed model (or, with no --prune or --codebook-bits, 6-bit codebooks with
// both k-means starts) against the model as loaded; a refined model also without its refinement.
// Photographs it was calibrated on are left out of the evaluation.
int accuracy_info(const ir::Graph& graph, const compiler::CompressionOptions& compression, const SizeArgs& a) {
    std::vector<compiler::CompressionOptions> variants;
    if (compression.any()) {
        if (compression.refine_codebooks) {
            compiler::CompressionOptions plain = compression;
            plain.refine_codebooks = false;
            variants.push_back(plain);
        }
        variants.push_back(compression);
    } else {
        compiler::CompressionOptions six;
        six.codebook_bits = 6;
        variants.push_back(six);
        six.cluster_init = compiler::ClusterInit::Optimal;
        variants.push_back(six);
    }
    std::vector<std::pair<std::string, ir::Graph>> candidates;
    for (const compiler::CompressionOptions& v : variants)
        candidates.emplace_back(describe_compression(v), compiler::compress_weights(graph, v));
    const std::vector<InputSet> sets = accuracy_inputs(graph, a.photos, a.random, 1, compression.calibration);
    codegen::EngineOptions engine;
    const auto rows = compare_models(graph, candidates, sets, a.engine, engine);
    fmt::print("model {}: compressed weights against the weights as loaded ({} engine)\n", graph.name, a.engine);
    if (compression.refine_codebooks) {
        fmt::print("refined on {}; evaluated on other images", fmt::join(compression.calibration, ", "));
        if (!sets.empty() && !sets[0].excluded.empty())
            fmt::print(" (left out, being calibration images: {})", fmt::join(sets[0].excluded, ", "));
        fmt::print("\n");
    }
    fmt::print("{}", format_agreement(rows));
    return 0;
}

// --accuracy --precision int8: the int8 form by each calibration method (or the one asked for)
// against the float32 model.
int int8_accuracy_info(const ir::Graph& graph, const ModelArgs& model, bool method_given, const SizeArgs& a) {
    std::vector<compiler::CalibrationMethod> methods = {compiler::CalibrationMethod::Max,
                                                        compiler::CalibrationMethod::Percentile,
                                                        compiler::CalibrationMethod::Mse};
    const compiler::CompileOptions base = model.compile_options();
    if (method_given) methods = {base.calibration_method.method};
    std::vector<std::pair<std::string, ir::Graph>> candidates;
    for (compiler::CalibrationMethod m : methods) {
        compiler::CompileOptions o = base;
        o.calibration_method.method = m;
        std::string name = "int8, " + compiler::calibration_method_name(m);
        if (m == compiler::CalibrationMethod::Percentile) name += fmt::format(" {:g}%", o.calibration_method.percentile);
        candidates.emplace_back(name, compiler::prepare(graph, o));
    }
    const std::vector<InputSet> sets = accuracy_inputs(graph, a.photos, a.random, 1);
    const auto rows = compare_models(graph, candidates, sets, a.engine, codegen::EngineOptions{}, true);
    fmt::print("model {}: int8 against float32 ({} engine), calibrated on {}\n{}", graph.name, a.engine,
               base.calibration.empty() ? "the test pattern" : fmt::format("{}", fmt::join(base.calibration, ", ")),
               format_agreement(rows));
    return 0;
}

}  // namespace

int info_command(const Args& argv) {
    ModelArgs model;
    bool json = false;
    SizeArgs size;
    po::options_description options("sqzc info options");
    po::positional_options_description positional;
    add_model_options(options, positional, model);
    add_compression_options(options, model);
    add_pass_options(options, model);
    options.add_options()("json", po::bool_switch(&json), "print one JSON object instead of a table")
        ("size", po::bool_switch(&size.size),
         "print the model-size table: parameters, dense size and each compressed form's bytes")
        ("package-library", po::bool_switch(&size.library),
         "with --size: build a package into a stripped shared library and report its size (slow)")
        ("weights-format", po::value(&size.weights_format),
         "with --package-library: dense, codebook, codebook-huffman or codebook-range (default: the smallest "
         "lossless)")
        ("compiler", po::value(&size.compiler)->default_value("c++"), "with --package-library: the C++ compiler")
        ("accuracy", po::bool_switch(&size.accuracy),
         "compare the compressed model's outputs with the model's as loaded (top-1/top-5 agreement, error); "
         "with --precision int8, the int8 form by each calibration method against float32")
        ("photos", po::value(&size.photos), "with --accuracy: a folder of photographs (e.g. .cache/photos)")
        ("random", po::value(&size.random)->default_value(20), "with --accuracy: this many random images")
        ("engine", po::value(&size.engine)->default_value("jit"), "with --accuracy: the engine (jit or reference)");
    po::variables_map vm;
    if (!parse_args("info", "MODEL [--weights FILE] [--set K=V ...] [--json] [--size [--package-library]] "
                            "[--accuracy [--photos DIR] [--precision int8 [--calibrate INPUTS]]] [--prune F] [--codebook-bits B "
                            "[--refine-codebooks --calibrate IMAGES]]",
                    argv, options, positional, vm))
        return 0;
    if (size.library && !size.size) user_error("--package-library goes with --size");
    const bool int8 = compiler::parse_precision(model.precision) == compiler::Precision::Int8;
    if (int8 && !size.accuracy) user_error("--precision int8 goes with --accuracy in sqzc info");
    if (int8) {
        compiler::ModelOptions opts = model.to_options();
        opts.keep_quantization = false;  // int8 against the float model
        if (opts.compression.any()) user_error("--accuracy --precision int8 compares with the weights as loaded; drop "
                                               "--prune and --codebook-bits");
        return int8_accuracy_info(compiler::load_model(opts), model, !vm["calibration-method"].defaulted(), size);
    }
    if (size.weights_format.size() && !size.library) user_error("--weights-format goes with --size --package-library");

    compiler::ModelOptions opts = model.to_options();
    if (size.size || size.accuracy) {
        // Compression is applied by the report, to the model as loaded.
        const compiler::CompressionOptions compression = opts.compression;
        opts.compression = {};
        const ir::Graph loaded = compiler::load_model(opts);
        if (size.size) size_info(loaded, compression, size, model.pass_options(), model.optimize_goal());
        if (size.accuracy) {
            if (size.size) fmt::print("\n");
            accuracy_info(loaded, compression, size);
        }
        return 0;
    }
    const ir::Graph graph = compiler::load_model(opts);
    const ir::GraphStats stats = ir::graph_stats(graph);
    // How compiling commands would compute each convolution (after the optimisation passes).
    std::map<std::string, std::string> algorithms;
    for (const ir::Node& n : compiler::optimize(graph, model.pass_options()).nodes)
        if (n.op == ir::OpKind::Conv) algorithms[n.name] = ir::conv_algorithm_name(n.conv().algorithm);
    const auto algorithm_of = [&](const ir::Node& n) {
        const auto it = algorithms.find(n.name);
        return it == algorithms.end() ? std::string() : it->second;
    };

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
        for (const ir::NodeStats& s : stats.nodes) {
            nlohmann::ordered_json layer = {{"name", s.node->name},
                                            {"op", std::string(ir::op_name(s.node->op))},
                                            {"shape", s.node->type.dims},
                                            {"params", s.params},
                                            {"macs", s.macs}};
            if (!algorithm_of(*s.node).empty()) layer["algorithm"] = algorithm_of(*s.node);
            layers.push_back(std::move(layer));
        }
        out["layers"] = std::move(layers);
        std::cout << out.dump(2) << "\n";
        return 0;
    }

    size_t width = 5;
    for (const ir::NodeStats& s : stats.nodes) width = std::max(width, s.node->name.size());
    fmt::print("model {}  batch {}  input {}\n\n", graph.name, graph.batch,
               ir::to_string(graph.type_of(graph.inputs.at(0).name)));
    fmt::print("{:<{}}  {:<14}  {:<20}  {:>11}  {:>15}  {}\n", "layer", width, "op", "output", "params", "MACs",
               "algorithm");
    for (const ir::NodeStats& s : stats.nodes)
        fmt::print("{:<{}}  {:<14}  {:<20}  {:>11}  {:>15}  {}\n", s.node->name, width, ir::op_name(s.node->op),
                   ir::dims_to_string(s.node->type.dims), s.params ? with_commas(s.params) : "",
                   s.macs ? with_commas(s.macs) : "", algorithm_of(*s.node));
    fmt::print("\ntotal: {} parameters, {} MACs ({:.3f} GFLOP), {} weight bytes ({:.2f} MB as float32)\n",
               with_commas(stats.params), with_commas(stats.macs), 2e-9 * static_cast<double>(stats.macs),
               with_commas(stats.weight_bytes), static_cast<double>(stats.weight_bytes) / 1e6);
    return 0;
}

}  // namespace sqz::cli
