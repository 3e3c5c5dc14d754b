// Agreement of a changed model with its original (see accuracy.h).
#include "compiler/cli/accuracy.h"

#include "compiler/calibration.h"
#include "compiler/driver.h"
#include "compiler/file_io.h"
#include "compiler/image_input.h"
#include "compiler/image_variants.h"
#include "compiler/labels.h"
#include "ir/error.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <random>

namespace sqz::cli {

namespace fs = std::filesystem;

namespace {

// max |a - b| / max |ref|
double relative_error(const std::vector<float>& a, const std::vector<float>& ref) {
    double diff = 0, scale = 0;
    for (size_t i = 0; i < ref.size(); ++i) {
        diff = std::max(diff, std::fabs(static_cast<double>(a[i]) - ref[i]));
        scale = std::max(scale, std::fabs(static_cast<double>(ref[i])));
    }
    return scale > 0 ? diff / scale : diff;
}

std::vector<std::vector<float>> run_all(const ir::Graph& graph, const std::vector<InputSet>& sets,
                                        const std::string& engine_name, const codegen::EngineOptions& options,
                                        bool compiled_already) {
    const ir::Graph compiled = engine_name == "reference" || compiled_already ? graph : compiler::prepare(graph, {});
    auto engine = codegen::make_engine(engine_name, compiled, options);
    std::vector<std::vector<float>> out;
    for (const InputSet& set : sets)
        for (const ir::Tensor& input : set.inputs) out.push_back(engine->run({input}).at(0).data);
    return out;
}

bool same_file(const fs::path& a, const fs::path& b) {
    std::error_code ec;
    if (fs::equivalent(a, b, ec)) return true;
    if (fs::file_size(a, ec) != fs::file_size(b, ec) || ec) return false;
    return compiler::read_file(a.string()) == compiler::read_file(b.string());
}

}  // namespace

std::vector<InputSet> accuracy_inputs(const ir::Graph& graph, const std::string& photo_dir, int random, uint64_t seed,
                                      const std::vector<std::string>& calibration) {
    if (random < 0 || random > 100000) user_error("--random {}: must lie in [0, 100000]", random);
    std::vector<InputSet> sets;
    if (!photo_dir.empty()) {
        std::error_code ec;
        if (!fs::is_directory(photo_dir, ec)) user_error("{}: not a folder of photographs", photo_dir);
        const std::vector<std::string> files =
            compiler::expand_folders({photo_dir}, compiler::image_extensions(), "PNG, JPEG or PPM files");
        InputSet photos, variants;
        const std::vector<std::string> calibrated = compiler::calibration_files(calibration);
        for (const fs::path f : files) {
            if (std::any_of(calibrated.begin(), calibrated.end(), [&](const std::string& c) { return same_file(f, c); })) {
                photos.excluded.push_back(f.filename().string());
                continue;
            }
            photos.inputs.push_back(
                compiler::load_image_input(f.string(), graph, graph.preprocess, compiler::ResizeMode::CenterCrop));
            photos.labels.push_back(f.stem().string());
            for (auto& [name, input] : compiler::image_variants(photos.inputs.back())) {
                variants.inputs.push_back(std::move(input));
                variants.labels.push_back(f.stem().string() + " (" + name + ")");
            }
        }
        if (photos.inputs.empty()) user_error("{}: every photograph is among the calibration images", photo_dir);
        photos.name = fmt::format("{} photographs", photos.inputs.size());
        variants.name = fmt::format("{} crops/flips of them", variants.inputs.size());
        sets.push_back(std::move(photos));
        sets.push_back(std::move(variants));
    }
    if (random > 0) {
        InputSet noise;
        noise.name = fmt::format("{} random images", random);
        const ir::TensorType type = graph.type_of(graph.inputs.at(0).name);
        const ir::Preprocess& pre = graph.preprocess;
        std::mt19937_64 rng(seed);
        std::uniform_int_distribution<int> pixel(0, 255);
        const int64_t channels = type.dims.size() == 4 ? type.dims[1] : 1;
        const int64_t plane = type.numel() / (type.dims.at(0) * channels);
        for (int r = 0; r < random; ++r) {
            ir::Tensor t{type.dims, std::vector<float>(static_cast<size_t>(type.numel()))};
            for (size_t i = 0; i < t.data.size(); ++i) {
                const int c = static_cast<int>((static_cast<int64_t>(i) / plane) % channels) % 3;
                t.data[i] = static_cast<float>((pixel(rng) * pre.pixel_scale - pre.mean[c]) / pre.std[c]);
            }
            noise.inputs.push_back(std::move(t));
        }
        sets.push_back(std::move(noise));
    }
    if (sets.empty()) user_error("no inputs: give --photos DIR or --random N");
    return sets;
}

std::vector<AgreementRow> compare_models(const ir::Graph& reference,
                                         const std::vector<std::pair<std::string, ir::Graph>>& candidates,
                                         const std::vector<InputSet>& sets, const std::string& engine,
                                         const codegen::EngineOptions& options, bool candidates_compiled) {
    const std::vector<std::vector<float>> want = run_all(reference, sets, engine, options, false);
    std::vector<AgreementRow> rows;
    for (const auto& [name, graph] : candidates) {
        const std::vector<std::vector<float>> got = run_all(graph, sets, engine, options, candidates_compiled);
        size_t k = 0;
        for (const InputSet& set : sets) {
            AgreementRow row;
            row.model = name;
            row.inputs = set.name;
            for (size_t i = 0; i < set.inputs.size(); ++i, ++k) {
                if (got[k].size() != want[k].size())
                    user_error("model '{}' gives {} outputs, the original {}", name, got[k].size(), want[k].size());
                const size_t best = compiler::top_n(want[k], 1).at(0).first;
                const auto top5 = compiler::top_n(got[k], 5);
                row.top1 += top5.at(0).first == best;
                if (top5.at(0).first != best && i < set.labels.size()) row.changed.push_back(set.labels[i]);
                row.top5 += std::any_of(top5.begin(), top5.end(), [&](const auto& e) { return e.first == best; });
                const double error = relative_error(got[k], want[k]);
                row.max_error = std::max(row.max_error, error);
                row.mean_error += error;
                ++row.count;
            }
            if (row.count > 0) row.mean_error /= row.count;
            rows.push_back(std::move(row));
        }
    }
    return rows;
}

std::string format_agreement(const std::vector<AgreementRow>& rows) {
    size_t model_width = 5, inputs_width = 6;
    for (const AgreementRow& r : rows) {
        model_width = std::max(model_width, r.model.size());
        inputs_width = std::max(inputs_width, r.inputs.size());
    }
    std::string out = fmt::format("{:<{}}  {:<{}}  {:>11}  {:>11}  {:>10}  {:>10}\n", "model", model_width, "inputs",
                                  inputs_width, "top-1 agree", "top-5 agree", "max error", "mean error");
    for (const AgreementRow& r : rows)
        out += fmt::format("{:<{}}  {:<{}}  {:>5}/{:<5}  {:>5}/{:<5}  {:>10.4f}  {:>10.4f}\n", r.model, model_width,
                           r.inputs, inputs_width, r.top1, r.count, r.top5, r.count, r.max_error, r.mean_error);
    for (const AgreementRow& r : rows)
        if (!r.changed.empty() && r.changed.size() <= 10)
            out += fmt::format("{}, {}: the top class changed on {}\n", r.model, r.inputs, fmt::join(r.changed, ", "));
    out += "top-1: the same best class as the original; top-5: the original's best class among the five best;\n"
           "error: max |a - b| / max |original| over the output, per input\n";
    return out;
}

std::string describe_compression(const compiler::CompressionOptions& o) {
    std::string text;
    if (o.prune > 0.0) text = fmt::format("pruned {:g}%", o.prune * 100.0);
    if (o.codebook_bits)
        text += fmt::format("{}{}-bit codebook{}", text.empty() ? "" : ", ", *o.codebook_bits,
                            o.cluster_init == compiler::ClusterInit::Optimal ? " (optimal k-means)" : "");
    if (o.refine_codebooks) text += ", refined";
    return text.empty() ? "as loaded" : text;
}

}  // namespace sqz::cli
