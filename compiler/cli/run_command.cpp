// `sqzc run`: runs a model on a raw float32 input, an image, or (with neither) a built-in test
// pattern, with the chosen engine; prints the top classes and optionally writes the output.
#include "compiler/cli/command.h"
#include "codegen/engine.h"
#include "compiler/cli/model_options.h"
#include "compiler/file_io.h"
#include "compiler/image_input.h"
#include "compiler/labels.h"
#include "ir/test_pattern.h"
#include "ir/error.h"

#include <fmt/format.h>

#include <chrono>
#include <sstream>

namespace sqz::cli {
namespace {

// "104,117,123" into three numbers.
void parse_triple(const std::string& option, const std::string& text, double out[3]) {
    std::istringstream in(text);
    for (int c = 0; c < 3; ++c) {
        std::string part;
        if (!std::getline(in, part, ',')) user_error("--{} {}: expected three comma-separated numbers", option, text);
        try {
            size_t used = 0;
            out[c] = std::stod(part, &used);
            if (used != part.size()) throw std::invalid_argument(part);
        } catch (const std::exception&) {
            user_error("--{} {}: '{}' is not a number", option, text, part);
        }
    }
    std::string rest;
    if (std::getline(in, rest)) user_error("--{} {}: expected exactly three numbers", option, text);
}

}  // namespace

int run_command(const Args& argv) {
    ModelArgs model;
    std::string input_path, image_path, output_path, labels_path, engine_name = "reference";
    std::string channel_order, mean, stddev, resize = "crop", schedule = "manual", target;
    double pixel_scale = 0;
    int top = 5, threads = 0;
    po::options_description options("sqzc run options");
    po::positional_options_description positional;
    add_model_options(options, positional, model);
    add_pass_options(options, model);
    add_compression_options(options, model);
    options.add_options()
        ("input,i", po::value(&input_path), "raw little-endian float32 input, NCHW, already preprocessed")
        ("image", po::value(&image_path), "PNG, JPEG or PPM image, resized and preprocessed for the model")
        ("output,o", po::value(&output_path), "write the output as raw float32")
        ("top", po::value(&top)->default_value(5), "print the N best classes")
        ("labels", po::value(&labels_path), "class names, one a line (e.g. imagenet_labels.txt)")
        ("engine", po::value(&engine_name)->default_value("reference"), ("engine: " + codegen::engine_names()).c_str())
        ("threads", po::value(&threads)->default_value(0), "worker threads (0: all cores)")
        ("target", po::value(&target), "JIT: Halide target string for this machine, e.g. x86-64-linux-avx2-fma")
        ("schedule", po::value(&schedule)->default_value("manual"),
         "JIT schedule: manual, adams2019, mullapudi2016 or li2018")
        ("channel-order", po::value(&channel_order), "image preprocessing: rgb or bgr (default: the model's)")
        ("mean", po::value(&mean), "image preprocessing: per-channel means, e.g. 104,117,123")
        ("std", po::value(&stddev), "image preprocessing: per-channel standard deviations")
        ("pixel-scale", po::value(&pixel_scale), "image preprocessing: factor applied to 0-255 pixels first")
        ("resize", po::value(&resize)->default_value("crop"), "image resizing: crop (centre crop) or stretch");
    po::variables_map vm;
    if (!parse_args("run", "MODEL [--weights FILE] (--input X.f32 | --image FILE) [--output Y.f32] [--top N] "
                           "[--labels FILE] [--engine NAME]",
                    argv, options, positional, vm))
        return 0;
    if (!input_path.empty() && !image_path.empty()) user_error("give --input or --image, not both");
    if (resize != "crop" && resize != "stretch") user_error("--resize {}: choose crop or stretch", resize);
    if (top < 0) user_error("--top {}: must not be negative", top);
    if (threads < 0) user_error("--threads {}: must not be negative", threads);

    const ir::Graph graph = compiler::load_model(model.to_options());
    std::vector<std::string> labels;
    if (!labels_path.empty()) labels = compiler::load_labels(labels_path);

    ir::Preprocess pre = graph.preprocess;
    if (!channel_order.empty()) {
        if (channel_order != "rgb" && channel_order != "bgr")
            user_error("--channel-order {}: choose rgb or bgr", channel_order);
        pre.channel_order = channel_order == "rgb" ? ir::Preprocess::Order::RGB : ir::Preprocess::Order::BGR;
    }
    if (!mean.empty()) parse_triple("mean", mean, pre.mean);
    if (!stddev.empty()) {
        parse_triple("std", stddev, pre.std);
        for (double s : pre.std)
            if (s == 0) user_error("--std {}: standard deviations must not be zero", stddev);
    }
    if (vm.count("pixel-scale")) pre.pixel_scale = pixel_scale;

    const ir::TensorType in_type = graph.type_of(graph.inputs.at(0).name);
    ir::Tensor input;
    if (!input_path.empty()) {
        input = {in_type.dims, compiler::read_f32_file(input_path, static_cast<size_t>(in_type.numel()))};
    } else if (!image_path.empty()) {
        input = compiler::load_image_input(image_path, graph, pre,
                                           resize == "crop" ? compiler::ResizeMode::CenterCrop
                                                            : compiler::ResizeMode::Stretch);
    } else {
        fmt::print("no --input or --image given: running on sqzc's built-in test pattern\n");
        input = ir::test_pattern(in_type);
    }

    codegen::EngineOptions engine_options;
    engine_options.threads = threads;
    engine_options.schedule = schedule;
    engine_options.target = target;
    // The reference runs the graph as loaded; compiling engines run it after the passes.
    const compiler::CompileOptions compile = model.compile_options();
    const ir::Graph compiled = engine_name == "reference" && compile.precision == compiler::Precision::Float32
                                   ? graph
                                   : compiler::prepare(graph, compile);
    auto engine = codegen::make_engine(engine_name, compiled, engine_options);
    auto start = std::chrono::steady_clock::now();
    std::vector<ir::Tensor> outputs = engine->run({input});
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();

    const ir::Tensor& out = outputs.at(0);
    fmt::print("model {}: output {} ({} engine, {:.1f} ms)\n", graph.name, ir::dims_to_string(out.dims), engine_name, ms);
    const int64_t batch = out.dims.at(0);
    const size_t per_sample = out.data.size() / static_cast<size_t>(batch);
    for (int64_t n = 0; n < batch && top > 0; ++n) {
        std::vector<float> scores(out.data.begin() + static_cast<std::ptrdiff_t>(n * per_sample),
                                  out.data.begin() + static_cast<std::ptrdiff_t>((n + 1) * per_sample));
        if (batch > 1) fmt::print("sample {}:\n", n);
        for (auto [index, score] : compiler::top_n(scores, static_cast<size_t>(top))) {
            std::string label = index < labels.size() ? labels[index] : "";
            fmt::print("  {:>5}  {:>12.6g}  {}\n", index, score, label);
        }
    }
    if (!output_path.empty()) {
        compiler::write_f32_file(output_path, out.data);
        fmt::print("wrote {} values to {}\n", out.data.size(), output_path);
    }
    return 0;
}

}  // namespace sqz::cli
