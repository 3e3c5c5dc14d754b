// `sqzc compile`: writes a standalone C++ package for a model (see codegen/package.h).
#include "codegen/lowering.h"
#include "codegen/package.h"
#include "compiler/cli/command.h"
#include "compiler/cli/model_options.h"
#include "compiler/cli/package_library.h"
#include "compiler/cli/progress.h"
#include "ir/error.h"

#include <fmt/format.h>

#include <filesystem>

namespace sqz::cli {

int compile_command(const Args& argv) {
    ModelArgs model;
    std::string output, name, target = "host", storage = "embedded", weights_format = "dense";
    bool force = false, list_files = false;
    po::options_description options("sqzc compile options");
    po::positional_options_description positional;
    add_model_options(options, positional, model);
    add_pass_options(options, model);
    add_compression_options(options, model);
    options.add_options()
        ("output,o", po::value(&output), "the package folder to write")
        ("name", po::value(&name), "C identifier for the API's namespace and file prefix (default: from the model)")
        ("target", po::value(&target)->default_value("host"), "Halide target, e.g. x86-64-linux-avx2-fma, arm-64-linux")
        ("weights-storage", po::value(&storage)->default_value("embedded"),
         "embedded (constant data in a source file) or file (NAME.weights, read at set-up)")
        ("weights-format", po::value(&weights_format)->default_value("dense"),
         "dense (packed float32), codebook (Deep Compression's codebooks, codes and gaps), codebook-huffman "
         "(codes and gaps Huffman-coded) or codebook-range (codebook and codes range-coded with context models: "
         "the smallest); the codebook forms are expanded at set-up")
        ("force", po::bool_switch(&force), "replace an existing package folder")
        ("list-files", po::bool_switch(&list_files),
         "print the names of the files the package would hold, one a line, and write nothing (for build systems)");
    po::variables_map vm;
    if (!parse_args("compile", "MODEL [--weights FILE] -o DIR [--name NAME] [--target T] [--weights-storage embedded|file] "
                               "[--weights-format dense|codebook|codebook-huffman|codebook-range] [--optimize speed|size] "
                               "[--prune F] [--codebook-bits B]",
                    argv, options, positional, vm))
        return 0;
    if (output.empty() && !list_files) user_error("the option '--output' is required (see sqzc compile --help)");
    if (storage != "embedded" && storage != "file")
        user_error("--weights-storage {}: choose embedded or file", storage);
    const compiler::WeightsFormat format = compiler::parse_weights_format(weights_format);
    const compiler::CompileOptions compile = model.compile_options();
    check_weights_format(format, compile);

    const ir::Graph graph = compiler::prepare(compiler::load_model(model.to_options()), compile);
    codegen::PackageOptions p;
    p.name = name.empty() ? codegen::default_package_name(graph.name) : name;
    p.target = codegen::parse_target(target, codegen::CodeKind::Package);
    p.weights = storage == "file" ? codegen::WeightsStorage::File : codegen::WeightsStorage::Embedded;
    p.force = force;
    p.optimize = model.optimize_goal();
    set_weight_blobs(p, graph, format);
    p.source_description = std::filesystem::path(model.model).filename().string() +
                           (model.weights.empty() ? "" : " with " + std::filesystem::path(model.weights).filename().string());
    if (list_files) {
        for (const std::string& file : codegen::package_file_names(graph, p)) fmt::print("{}\n", file);
        return 0;
    }
    codegen::PackageSummary summary;
    {
        Progress progress(fmt::format("compiling {} for {}", p.name, p.target.to_string()));
        summary = codegen::emit_package(graph, p, output);
    }
    fmt::print("wrote {}: package '{}' for {}, {} kernels in {} files, {} arena bytes, {} weight bytes\n", summary.dir,
               p.name, p.target.to_string(), summary.kernels, summary.files, summary.arena_bytes, summary.weight_bytes);
    if (format != compiler::WeightsFormat::Dense)
        fmt::print("weights stored as {}: {} of {} weight tensors compressed, {} bytes expanded to {} packed bytes at set-up\n",
                   weights_format, summary.compressed_tensors, p.weight_blobs.size(), summary.weight_bytes,
                   summary.expanded_weight_bytes);
    fmt::print("build and check it: cd {} && c++ -std=c++17 -O2 *.cpp -lpthread -o {}_selftest && ./{}_selftest{}\n",
               summary.dir, p.name, p.name, p.weights == codegen::WeightsStorage::File ? " --weights " + p.name + ".weights" : "");
    return 0;
}

}  // namespace sqz::cli
