// Codebook refinement from calibration images (see refine_codebooks.h). The two models are stepped
// through node by node, side by side, one CalibrationStepper per image and model, so each layer's
// input in the compressed model already reflects the refined layers before it.
#include "compiler/compression/refine_codebooks.h"

#include "compiler/compression/calibration_stepper.h"
#include "compiler/compression/codebook_form.h"
#include "compiler/compression/codebook_least_squares.h"
#include "compiler/compression/error_feedback_assignment.h"
#include "compiler/compression/layer_samples.h"
#include "ir/error.h"
#include "ir/parallel.h"
#include "ir/resize.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <set>

namespace sqz::compiler {
namespace {

// The convolutions to refine: a float conv whose weight is in codebook form (entry 0 = 0) and laid
// out [O, C, kh, kw] over the whole input; a weight shared by several convs counts at its first.
std::vector<size_t> refinable_layers(const ir::Graph& g) {
    std::vector<size_t> out;
    std::set<std::string> seen;
    for (size_t i = 0; i < g.nodes.size(); ++i) {
        const ir::Node& n = g.nodes[i];
        if (n.op != ir::OpKind::Conv || n.inputs.size() < 2 || n.conv().quant.int8_input) continue;
        const ir::Constant* w = g.find_constant(n.inputs[1]);
        if (!w || !w->codebook || w->codebook->codebook.empty() || w->codebook->codebook[0] != 0.0f) continue;
        const ir::Dims& in = g.type_of(n.inputs[0]).dims;
        const ir::Window& win = n.conv().window;
        if (w->type.dims.size() != 4 || in.size() != 4 ||
            w->type.numel() != n.type.dims[1] * in[1] * win.kernel_h * win.kernel_w)
            continue;
        if (seen.insert(n.inputs[1]).second) out.push_back(i);
    }
    return out;
}

double relative(double error, double spread) { return spread > 0 ? std::sqrt(std::max(0.0, error) / spread) : 0.0; }

// Layer `node`'s samples over the calibration inputs: at most `max_positions`, spread evenly over
// the inputs.
LayerSamples sample_inputs(const ir::Node& node, const std::vector<CalibrationStepper>& target_values,
                           const std::vector<CalibrationStepper>& values, const std::vector<float>& target_weights,
                           const std::vector<float>& target_bias, int64_t max_positions, int threads) {
    const size_t images = values.size();
    const int64_t per_image = (max_positions + static_cast<int64_t>(images) - 1) / static_cast<int64_t>(images);
    std::vector<LayerSamples> partial;
    for (size_t i = 0; i < images; ++i) partial.emplace_back(0, 0);
    parallel_for_each(images, threads, [&](size_t i) {
        partial[i] = sample_layer(node, values[i].value(node.inputs[0]), target_values[i].value(node.inputs[0]),
                                  target_weights, target_bias, per_image, static_cast<uint32_t>(i));
    });
    return LayerSamples::concatenate(partial);
}

// One round of re-assignment: coordinate descent from `codes`, and with error feedback, per
// channel the better of that and error-feedback assignment polished by coordinate descent.
std::vector<uint8_t> reassigned(const LayerQuadratic& fit, const std::vector<uint8_t>& codes,
                                const std::vector<double>& codebook, const RefineOptions& options, int threads) {
    std::vector<uint8_t> out = codes;
    reassign_codes(fit, out, codebook, threads);
    if (!options.error_feedback) return out;
    std::vector<uint8_t> fed = assign_with_error_feedback(fit, codes, codebook, options.damping, threads);
    reassign_codes(fit, fed, codebook, threads);
    const auto f = static_cast<size_t>(fit.fan_in());
    for (size_t o = 0; o < static_cast<size_t>(fit.out_channels()); ++o)
        if (fit.channel_error(o, fed, codebook) < fit.channel_error(o, out, codebook))
            std::copy_n(&fed[o * f], f, &out[o * f]);
    return out;
}

// The fit: solve for the centroids, then re-assign the codes and solve again while that lowers
// the error by more than 0.1%. Updates `codes` and returns the codebook.
std::vector<double> fit_codebook(const LayerQuadratic& fit, std::vector<uint8_t>& codes,
                                 const std::vector<double>& start, const RefineOptions& options, int threads) {
    std::vector<double> codebook = solve_centroids(fit, codes, start, options.ridge, threads);
    double error = fit.error_with_best_bias(codes, codebook);
    for (int round = 0; round < options.rounds; ++round) {
        std::vector<uint8_t> next_codes = reassigned(fit, codes, codebook, options, threads);
        if (next_codes == codes) break;
        std::vector<double> next = solve_centroids(fit, next_codes, codebook, options.ridge, threads);
        const double next_error = fit.error_with_best_bias(next_codes, next);
        if (!(next_error < error)) break;
        const bool small_gain = next_error > error * (1 - 1e-3);
        codes = std::move(next_codes);
        codebook = std::move(next);
        error = next_error;
        if (small_gain) break;
    }
    return codebook;
}

// Refines one layer of `graph` in place from both models' inputs to it.
LayerRefinement refine_layer(const ir::Graph& original, ir::Graph& graph, const ir::Node& node,
                             const std::vector<CalibrationStepper>& target_values,
                             const std::vector<CalibrationStepper>& values,
                             const RefineOptions& options, int threads) {
    const auto start = std::chrono::steady_clock::now();
    ir::Constant& weight = *graph.find_constant(node.inputs[1]);
    const std::vector<float>& target_weights = original.find_constant(node.inputs[1])->data();
    const bool has_bias = node.has_bias();
    const std::vector<float> no_bias;
    const std::vector<float>& target_bias = has_bias ? original.find_constant(node.inputs[2])->data() : no_bias;

    const ir::CodebookWeights& form = *weight.codebook;
    CodebookLayer kmeans;
    kmeans.out_channels = node.type.dims[1];
    kmeans.fan_in = static_cast<int64_t>(target_weights.size()) / kmeans.out_channels;
    kmeans.codes = positional_codes(form, weight.type.numel());
    kmeans.codebook.assign(form.codebook.begin(), form.codebook.end());
    if (has_bias) {
        const std::vector<float>& b = graph.find_constant(node.inputs[2])->data();
        kmeans.bias.assign(b.begin(), b.end());
    }
    int64_t positions = 0;
    const LayerQuadratic quadratic = [&] {
        const LayerSamples samples =
            sample_inputs(node, target_values, values, target_weights, target_bias, options.max_positions, threads);
        positions = samples.positions;
        return LayerQuadratic(samples, kmeans.codes, has_bias, threads);
    }();
    const double kmeans_error = quadratic.error(kmeans);
    std::vector<uint8_t> codes = kmeans.codes;
    const std::vector<double> codebook = fit_codebook(quadratic.shrunk_towards(target_weights, options.shrinkage), codes,
                                                      kmeans.codebook, options, threads);

    // As stored: float32 centroids and biases.
    CodebookLayer refined;
    refined.out_channels = kmeans.out_channels;
    refined.fan_in = kmeans.fan_in;
    refined.codes = std::move(codes);
    std::vector<float> stored{0.0f};
    for (size_t k = 1; k < codebook.size(); ++k) stored.push_back(static_cast<float>(codebook[k]));
    refined.codebook.assign(stored.begin(), stored.end());
    std::vector<float> bias;
    for (double b : quadratic.best_bias(refined.codes, refined.codebook)) bias.push_back(static_cast<float>(b));
    refined.bias.assign(bias.begin(), bias.end());
    const double refined_error = quadratic.error(refined);

    LayerRefinement report;
    report.layer = node.name;
    report.positions = positions;
    report.kmeans_error = relative(kmeans_error, quadratic.spread());
    if (refined_error < kmeans_error) {
        report.refined_error = relative(refined_error, quadratic.spread());
        for (size_t i = 0; i < refined.codes.size(); ++i) report.moved += refined.codes[i] != kmeans.codes[i];
        auto refined_form = std::make_shared<ir::CodebookWeights>(
            sparse_codebook_weights(std::move(stored), refined.codes, form.bits, form.gap_bits));
        weight.bind(refined_form->decode(weight.type.numel()));
        weight.codebook = std::move(refined_form);
        if (has_bias) graph.find_constant(node.inputs[2])->bind(std::move(bias));
    } else {
        report.refined_error = report.kmeans_error;
        report.kept_kmeans = true;
    }
    report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return report;
}

}  // namespace

ir::Graph refine_codebooks(const ir::Graph& original, ir::Graph compressed, const std::vector<ir::Tensor>& inputs,
                           const RefineOptions& options) {
    if (inputs.empty()) user_error("codebook refinement needs at least one calibration input");
    const ir::Graph target = original.batch == 1 ? original : ir::with_batch(original, 1);
    ir::Graph graph = compressed.batch == 1 ? compressed : ir::with_batch(compressed, 1);
    SQZ_ASSERT(target.nodes.size() == graph.nodes.size() && target.inputs.size() == 1 && graph.inputs.size() == 1,
               "refinement needs the original model and its compressed form, one input each");
    const ir::TensorType type = graph.type_of(graph.inputs[0].name);
    const size_t images = inputs.size();
    std::vector<CalibrationStepper> target_steps, steps;
    for (size_t i = 0; i < images; ++i) {
        if (inputs[i].dims != type.dims)
            user_error("calibration input {} has shape {}, the model takes {}", i + 1, ir::dims_to_string(inputs[i].dims),
                       ir::dims_to_string(type.dims));
        ir::TensorF64 x{inputs[i].dims, std::vector<double>(inputs[i].data.begin(), inputs[i].data.end())};
        target_steps.emplace_back(target, x);
        steps.emplace_back(graph, std::move(x));
    }

    const int threads = options.threads > 0 ? options.threads : hardware_threads();
    const std::vector<size_t> layers = refinable_layers(graph);
    std::set<std::string> changed;
    size_t done = 0;
    for (size_t index = 0; index < graph.nodes.size() && done < layers.size(); ++index) {
        const ir::Node& node = graph.nodes[index];
        SQZ_ASSERT(target.nodes[index].name == node.name, "the models differ at node {}", index);
        if (layers[done] == index) {
            LayerRefinement report = refine_layer(target, graph, node, target_steps, steps, options, threads);
            report.index = ++done;
            report.count = layers.size();
            if (!report.kept_kmeans) {
                changed.insert(node.inputs[1]);
                if (node.has_bias()) changed.insert(node.inputs[2]);
            }
            if (options.on_layer) options.on_layer(report);
            if (done == layers.size()) break;  // nothing after the last refined layer is needed
        }
        // Both models, every image, one node further.
        parallel_for_each(2 * images, threads, [&](size_t job) {
            (job % 2 == 0 ? target_steps : steps)[job / 2].step(index);
        });
    }
    for (const std::string& name : changed) *compressed.find_constant(name) = *graph.find_constant(name);
    return compressed;
}

std::string format_layer_refinement(const LayerRefinement& r) {
    if (r.kept_kmeans)
        return fmt::format("refine-codebooks {}/{} {}: output error {:.4f}, kept the k-means codebook ({:.1f} s)", r.index,
                           r.count, r.layer, r.kmeans_error, r.seconds);
    return fmt::format("refine-codebooks {}/{} {}: output error {:.4f} -> {:.4f} (k-means -> refined), {} positions, "
                       "{} weights moved, {:.1f} s",
                       r.index, r.count, r.layer, r.kmeans_error, r.refined_error, r.positions, r.moved, r.seconds);
}

}  // namespace sqz::compiler
