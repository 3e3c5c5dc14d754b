// The accuracy of a changed model (compressed weights, or int8) against the model it came from, as
// in `sqzc info --accuracy`: on real photographs and on random images, how often the top-1 class
// agrees, how often the original's top class is among the changed model's five best, and the
// output error max |a - b| / max |ref| per input.
#pragma once

#include "codegen/engine.h"
#include "compiler/compression/weight_coding.h"
#include "ir/graph.h"
#include "ir/host_tensor.h"

#include <string>
#include <vector>

namespace sqz::cli {

// One set of inputs.
struct InputSet {
    std::string name;                  // "15 photographs", "20 random images"
    std::vector<ir::Tensor> inputs;
    std::vector<std::string> labels;   // one per input if known (the photograph's file name)
    std::vector<std::string> excluded; // photographs left out because the model was calibrated on them
};

// Every image file in `photo_dir` (sorted by name; none if empty), preprocessed for `graph` with a
// centre crop, then (a set of its own) the four image_variants of each (mirror and crops), and
// `random` images of uniform random pixels (0-255, seeded) preprocessed likewise. Photographs that
// are among `calibration` (files or folders of them; the same file or the same bytes) are left out
// and listed in `excluded`, so a model calibrated on some images is judged on others.
std::vector<InputSet> accuracy_inputs(const ir::Graph& graph, const std::string& photo_dir, int random, uint64_t seed,
                                      const std::vector<std::string>& calibration = {});

struct AgreementRow {
    std::string model;                 // e.g. "6-bit codebook"
    std::string inputs;                // the input set's name
    int count = 0;
    int top1 = 0;                      // inputs whose top class is the reference's
    int top5 = 0;                      // inputs whose five best classes include the reference's top class
    double max_error = 0;              // largest max |a-b| / max |ref| over the inputs
    double mean_error = 0;             // its mean over the inputs
    std::vector<std::string> changed;  // labelled inputs whose top class is not the reference's
};

// Runs `reference` and every candidate (named) with the engine on every input set; one row per
// candidate and set. The graphs must take the same input and give outputs of one size. Candidates
// are compiled (compiler::prepare, float32) unless `candidates_compiled` (int8 graphs, say).
std::vector<AgreementRow> compare_models(const ir::Graph& reference,
                                         const std::vector<std::pair<std::string, ir::Graph>>& candidates,
                                         const std::vector<InputSet>& sets, const std::string& engine,
                                         const codegen::EngineOptions& options, bool candidates_compiled = false);

std::string format_agreement(const std::vector<AgreementRow>& rows);

// "pruned 50%, 6-bit codebook (optimal k-means)".
std::string describe_compression(const compiler::CompressionOptions& options);

}  // namespace sqz::cli
