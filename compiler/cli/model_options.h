// Command-line options shared by every sqzc command that reads a model: the model path, weights,
// metaparameter overrides, seed, batch size and input size.
#pragma once

#include "codegen/optimize.h"
#include "compiler/model_loader.h"
#include "compiler/driver.h"
#include "compiler/pass_manager.h"

#include <boost/program_options.hpp>

#include <string>
#include <vector>

namespace sqz::cli {

namespace po = boost::program_options;

struct ModelArgs {
    std::string model;
    std::string weights;
    std::vector<std::string> set;
    uint64_t seed = 1;
    int64_t batch = 1;
    int64_t input_size = 0;
    std::vector<std::string> disable_pass;
    std::string print_after;
    std::string conv_algorithm = "auto";  // --conv-algorithm
    std::string optimize = "speed";       // --optimize
    compiler::ResourceLimits limits;
    std::string precision = "float32";
    std::vector<std::string> calibrate;
    std::string calibration_method = "max";
    double percentile = 99.99;
    double prune = 0.0;            // --prune FRACTION
    int codebook_bits = kNotGiven;  // --codebook-bits B
    static constexpr int kNotGiven = -1000000;
    std::string cluster_init = "linear";  // --cluster-init linear|optimal
    bool refine_codebooks = false;        // --refine-codebooks (on --calibrate's images)

    compiler::ModelOptions to_options() const;
    // The passes; --optimize size makes --conv-algorithm auto mean direct (Winograd's transforms
    // double the code).
    compiler::PassOptions pass_options() const;
    codegen::Optimize optimize_goal() const;  // --optimize; throws sqz::Error for a bad value
    // With a warning sink that prints "sqzc: warning: MODEL: ..." on stderr.
    compiler::CompileOptions compile_options() const;
};

// Adds --disable-pass, --print-after, --conv-algorithm, --optimize, --precision, --calibrate,
// --calibration-method and --percentile (for commands that compile).
void add_pass_options(po::options_description& options, ModelArgs& args);

// Adds --prune, --codebook-bits, --cluster-init and --refine-codebooks (for commands that load a
// model to run, measure or compile it): they change the model's weights (Deep Compression's
// pruning and weight sharing; refinement reads --calibrate, added by add_pass_options).
void add_compression_options(po::options_description& options, ModelArgs& args);

// Adds --weights, --set, --seed, --batch, --input-size, the resource limits (--max-file-bytes,
// --max-params, --max-tensor-elements) and the positional MODEL.
void add_model_options(po::options_description& options, po::positional_options_description& positional,
                       ModelArgs& args);

// Parses `args` against `options`; prints help and returns false for --help. Throws sqz::Error on
// unknown or malformed options.
bool parse_args(const std::string& command, const std::string& usage, const std::vector<std::string>& args,
                po::options_description& options, const po::positional_options_description& positional,
                po::variables_map& vm);

}  // namespace sqz::cli
