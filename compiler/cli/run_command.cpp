// `sqzc run`: runs a model on a raw float32 input, on images (files or folders), or (with neither)
// on a built-in test pattern, with the chosen engine; prints each input's best classes with names
// and probabilities (class_report.h), and optionally writes the outputs.
#include "compiler/cli/command.h"
#include "codegen/engine.h"
#include "compiler/cli/class_report.h"
#include "compiler/cli/model_options.h"
#include "compiler/file_io.h"
#include "compiler/image_input.h"
#include "compiler/labels.h"
#include "ir/test_pattern.h"
#include "ir/error.h"
#include "ir/resize.h"

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

// One run of the engine: its input and what each of its samples is called in the output.
struct RunInput {
    ir::Tensor tensor;
    std::vector<std::string> sample_names;  // one per printed sample (fewer than the batch when padded)
};

// Images fill the batch's samples in order; a last, partial batch repeats its last image.
std::vector<RunInput> image_runs(const std::vector<std::string>& images, const ir::Graph& graph,
                                 const ir::Preprocess& pre, compiler::ResizeMode mode) {
    const ir::Graph one = graph.batch == 1 ? graph : ir::with_batch(graph, 1);
    const auto batch = static_cast<size_t>(graph.batch);
    std::vector<RunInput> runs;
    for (size_t first = 0; first < images.size(); first += batch) {
        RunInput run;
        run.tensor.dims = graph.type_of(graph.inputs.at(0).name).dims;
        for (size_t i = first; i < first + batch; ++i) {
            const size_t image = std::min(i, images.size() - 1);
            if (i == image) {
                ir::Tensor t = compiler::load_image_input(images[image], one, pre, mode);
                run.tensor.data.insert(run.tensor.data.end(), t.data.begin(), t.data.end());
                run.sample_names.push_back(images[image]);
            } else {  // padding: a copy of the last image's sample
                const size_t n = run.tensor.data.size() / (i - first);
                run.tensor.data.insert(run.tensor.data.end(), run.tensor.data.end() - static_cast<std::ptrdiff_t>(n),
                                       run.tensor.data.end());
            }
        }
        runs.push_back(std::move(run));
    }
    return runs;
}

}  // namespace

int run_command(const Args& argv) {
    ModelArgs model;
    std::string input_path, output_path, labels_path, engine_name = "reference";
    std::vector<std::string> image_paths;
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
        ("image", po::value(&image_paths)->multitoken(),
         "PNG, JPEG or PPM images, or folders of them: each is resized, preprocessed and classified")
        ("output,o", po::value(&output_path), "write the output as raw float32 (with several images: one after another)")
        ("top", po::value(&top)->default_value(5), "print the N best classes")
        ("labels", po::value(&labels_path),
         "class names, one a line (default: the built-in ImageNet names for a 1000-class model)")
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
    if (!parse_args("run", "MODEL [--weights FILE] [--input X.f32 | --image FILE|FOLDER...] [--output Y.f32] "
                           "[--top N] [--labels FILE] [--engine NAME]",
                    argv, options, positional, vm))
        return 0;
    if (!input_path.empty() && !image_paths.empty()) user_error("give --input or --image, not both");
    if (vm.count("image") && image_paths.empty()) user_error("--image: give at least one image or folder");
    if (resize != "crop" && resize != "stretch") user_error("--resize {}: choose crop or stretch", resize);
    if (top < 0) user_error("--top {}: must not be negative", top);
    if (threads < 0) user_error("--threads {}: must not be negative", threads);

    const ir::Graph graph = compiler::load_model(model.to_options());
    const std::vector<std::string> images =
        compiler::expand_folders(image_paths, compiler::image_extensions(), "PNG, JPEG or PPM images");

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

    // Every input is read and checked before anything is compiled or run.
    const ir::TensorType in_type = graph.type_of(graph.inputs.at(0).name);
    std::vector<RunInput> runs;
    if (!input_path.empty()) {
        runs.push_back({{in_type.dims, compiler::read_f32_file(input_path, static_cast<size_t>(in_type.numel()))}, {}});
    } else if (!images.empty()) {
        runs = image_runs(images, graph, pre,
                          resize == "crop" ? compiler::ResizeMode::CenterCrop : compiler::ResizeMode::Stretch);
    } else {
        fmt::print("no --input or --image given: running on sqzc's built-in test pattern\n");
        runs.push_back({ir::test_pattern(in_type), {}});
    }

    codegen::EngineOptions engine_options;
    engine_options.threads = threads;
    engine_options.schedule = schedule;
    engine_options.target = target;
    engine_options.optimize = model.optimize_goal();
    // The reference runs the graph as loaded; compiling engines run it after the passes.
    const compiler::CompileOptions compile = model.compile_options();
    const auto ready_start = std::chrono::steady_clock::now();
    const ir::Graph compiled = engine_name == "reference" && compile.precision == compiler::Precision::Float32
                                   ? graph
                                   : compiler::prepare(graph, compile);
    auto engine = codegen::make_engine(engine_name, compiled, engine_options);
    const double ready_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - ready_start).count();

    // What the class lists show, once for all runs: the names for the output's class count, and
    // whether the model's outputs are already probabilities.
    const ir::TensorType out_type = compiled.type_of(compiled.outputs.at(0));
    const bool model_softmax = ends_in_softmax(compiled);
    const ClassNames names = class_names(labels_path, out_type.numel() / out_type.dims.at(0));

    std::vector<float> written;
    bool header_printed = false;
    for (const RunInput& run : runs) {
        const auto start = std::chrono::steady_clock::now();
        std::vector<ir::Tensor> outputs = engine->run({run.tensor});
        const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
        const ir::Tensor& out = outputs.at(0);
        const int64_t batch = out.dims.at(0);
        if (!header_printed) {
            fmt::print("model {}: output {} ({} engine, ready in {:.1f} s)\n", graph.name, ir::dims_to_string(out.dims),
                       engine_name, ready_s);
            if (top > 0) fmt::print("{}\n", class_report_header(names, model_softmax));
            header_printed = true;
        }
        const int64_t shown = run.sample_names.empty() ? batch : static_cast<int64_t>(run.sample_names.size());
        if (run.sample_names.empty() && batch == 1) fmt::print("{:.1f} ms:\n", ms);
        else if (batch == 1) fmt::print("{} ({:.1f} ms):\n", run.sample_names[0], ms);
        else fmt::print("batch of {} in {:.1f} ms:\n", batch, ms);
        for (int64_t n = 0; n < shown; ++n) {
            if (batch > 1)
                fmt::print("{}:\n", run.sample_names.empty() ? fmt::format("sample {}", n)
                                                              : run.sample_names[static_cast<size_t>(n)]);
            if (top > 0) fmt::print("{}", class_report(out, n, top, names, model_softmax));
        }
        const size_t per_sample = out.data.size() / static_cast<size_t>(batch);
        written.insert(written.end(), out.data.begin(),
                       out.data.begin() + static_cast<std::ptrdiff_t>(static_cast<size_t>(shown) * per_sample));
    }
    if (!output_path.empty()) {
        compiler::write_f32_file(output_path, written);
        fmt::print("wrote {} values to {}\n", written.size(), output_path);
    }
    return 0;
}

}  // namespace sqz::cli
