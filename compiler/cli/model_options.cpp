// Shared model options (see model_options.h).
#include "compiler/cli/model_options.h"

#include "compiler/passes/choose_conv_algorithm.h"

#include "ir/error.h"

#include <fmt/format.h>

#include <iostream>

namespace sqz::cli {

compiler::ModelOptions ModelArgs::to_options() const {
    compiler::ModelOptions o;
    o.model_path = model;
    o.weights_path = weights;
    o.overrides = set;
    o.seed = seed;
    o.batch = batch;
    if (input_size != 0) o.input_size = input_size;
    if (limits.max_file_bytes == 0 || limits.max_parameters < 1 || limits.max_tensor_elements < 1)
        user_error("--max-file-bytes, --max-params and --max-tensor-elements must be positive");
    o.limits = limits;
    o.compression.prune = prune;
    if (codebook_bits != kNotGiven) o.compression.codebook_bits = codebook_bits;
    if (cluster_init != "linear" && cluster_init != "optimal")
        user_error("--cluster-init {}: choose linear or optimal", cluster_init);
    o.compression.cluster_init =
        cluster_init == "optimal" ? compiler::ClusterInit::Optimal : compiler::ClusterInit::Linear;
    o.compression.refine_codebooks = refine_codebooks;
    if (refine_codebooks) {
        o.compression.calibration = calibrate;
        o.compression.progress = [](const std::string& line) {
            fmt::print(stderr, "{}\n", line);
            std::fflush(stderr);
        };
    }
    compiler::check_compression_options(o.compression);
    o.keep_quantization = compiler::parse_precision(precision) == compiler::Precision::Int8;
    return o;
}

compiler::PassOptions ModelArgs::pass_options() const {
    compiler::PassOptions o;
    o.disabled.insert(disable_pass.begin(), disable_pass.end());
    o.print_after = print_after;
    // Checked here, so that a command that runs no pass (run on the reference engine, export)
    // refuses a bad value too instead of ignoring it.
    compiler::check_conv_algorithm_mode(conv_algorithm);
    o.conv_algorithm = conv_algorithm == "auto" && optimize_goal() == codegen::Optimize::Size ? "direct" : conv_algorithm;
    return o;
}

codegen::Optimize ModelArgs::optimize_goal() const { return codegen::parse_optimize(optimize); }

compiler::CompileOptions ModelArgs::compile_options() const {
    compiler::CompileOptions o;
    o.passes = pass_options();
    o.precision = compiler::parse_precision(precision);
    if (o.precision == compiler::Precision::Int8) o.calibration = calibrate;  // float32: --refine-codebooks's
    o.calibration_method.method = compiler::parse_calibration_method(calibration_method);
    o.calibration_method.percentile = percentile;
    if (!(percentile > 0 && percentile <= 100)) user_error("--percentile {}: must lie in (0, 100]", percentile);
    if (o.precision != compiler::Precision::Int8 && !calibrate.empty() && !refine_codebooks)
        user_error("--calibrate applies to --precision int8 and --refine-codebooks only");
    if (o.precision != compiler::Precision::Int8 && calibration_method != "max")
        user_error("--calibration-method applies to --precision int8 only");
    o.warn = [path = model](const std::string& message) { fmt::print(stderr, "sqzc: warning: {}: {}\n", path, message); };
    return o;
}

void add_pass_options(po::options_description& options, ModelArgs& args) {
    options.add_options()
        ("precision", po::value(&args.precision)->default_value("float32"), "float32 or int8")
        ("calibrate", po::value(&args.calibrate)->multitoken()->composing(),
         "calibration inputs for int8 ranges (default: the built-in test pattern) and for --refine-codebooks: raw "
         ".f32 files, images or folders of them")
        ("calibration-method", po::value(&args.calibration_method)->default_value("max"),
         "int8 ranges: max (largest value), percentile (clip at --percentile) or mse (least squared error)")
        ("percentile", po::value(&args.percentile)->default_value(99.99, "99.99"),
         "with --calibration-method percentile: the percentile of |value| to clip at, in (0, 100]")
        ("disable-pass", po::value(&args.disable_pass)->composing(),
         ("switch off an optimisation pass (repeatable; 'all' for every pass): " + compiler::pass_names()).c_str())
        ("print-after", po::value(&args.print_after), "print the IR text after a pass (a pass name, or 'all')")
        ("conv-algorithm", po::value(&args.conv_algorithm)->default_value("auto"),
         ("how 3x3 stride-1 convolutions are computed: " + compiler::conv_algorithm_modes() +
          " (auto: per layer, by the cost model; direct with --optimize size)").c_str())
        ("optimize", po::value(&args.optimize)->default_value("speed"),
         "speed (unrolled kernels specialised to each layer) or size (small kernels, one per layer form, direct "
         "convolutions: the smallest package, slower)");
}

void add_compression_options(po::options_description& options, ModelArgs& args) {
    options.add_options()
        ("prune", po::value(&args.prune)->default_value(0.0),
         "prune this fraction of each convolution's weights, smallest magnitudes first, in [0, 1)")
        ("codebook-bits", po::value(&args.codebook_bits),
         "share weights: k-means per convolution to at most 2^B values (B in 2..8; zeros stay zero)")
        ("cluster-init", po::value(&args.cluster_init)->default_value("linear"),
         "k-means start for --codebook-bits: linear (Deep Compression's) or optimal (least squares)")
        ("refine-codebooks", po::bool_switch(&args.refine_codebooks),
         "with --codebook-bits and --calibrate IMAGES: re-choose each layer's codebook so its outputs match the "
         "original model's on the images (least squares, layer by layer)");
}

void add_model_options(po::options_description& options, po::positional_options_description& positional,
                       ModelArgs& args) {
    options.add_options()
        ("model", po::value(&args.model)->required(),
         ("model file: " + compiler::supported_model_extensions()).c_str())
        ("weights,w", po::value(&args.weights),
         ("weights file: " + compiler::supported_weight_extensions()).c_str())
        ("set", po::value(&args.set)->composing(), "override a .sqz metaparameter, e.g. --set SR=0.25 (repeatable)")
        ("seed", po::value(&args.seed)->default_value(1), "seed for random weights when none are given")
        ("batch,n", po::value(&args.batch)->default_value(1), "batch size N")
        ("input-size", po::value(&args.input_size), "square input resolution (e.g. 224), instead of the model's")
        ("max-file-bytes", po::value(&args.limits.max_file_bytes)->default_value(args.limits.max_file_bytes),
         "refuse model and weights files larger than this")
        ("max-params", po::value(&args.limits.max_parameters)->default_value(args.limits.max_parameters),
         "refuse models with more parameters than this")
        ("max-tensor-elements", po::value(&args.limits.max_tensor_elements)->default_value(args.limits.max_tensor_elements),
         "refuse models with an input or activation of more elements than this (batch included)");
    positional.add("model", 1);
}

bool parse_args(const std::string& command, const std::string& usage, const std::vector<std::string>& args,
                po::options_description& options, const po::positional_options_description& positional,
                po::variables_map& vm) {
    options.add_options()("help,h", "show this help");
    try {
        po::store(po::command_line_parser(args).options(options).positional(positional).run(), vm);
        if (vm.count("help")) {
            std::cout << fmt::format("usage: sqzc {} {}\n\n", command, usage) << options << "\n";
            return false;
        }
        po::notify(vm);
    } catch (const po::error& e) {
        throw Error(fmt::format("{} (see sqzc {} --help)", e.what(), command));
    }
    return true;
}

}  // namespace sqz::cli
