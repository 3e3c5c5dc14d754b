// Calibration (see calibration.h).
#include "compiler/calibration.h"

#include "compiler/file_io.h"
#include "compiler/image_input.h"
#include "ir/error.h"
#include "ir/interpreter.h"
#include "ir/resize.h"
#include "ir/test_pattern.h"

#include <algorithm>
#include <cmath>

namespace sqz::compiler {
namespace {

// The P-th percentile of |value|, interpolated within its bin.
double percentile_range(const ValueHistogram& h, double percentile) {
    const double total = static_cast<double>(h.count());
    const double target = percentile / 100.0 * total;
    double below = static_cast<double>(h.zeros);
    if (below >= target || h.range == 0) return 0;
    const double width = h.range / ValueHistogram::kBins;
    for (int i = 0; i < ValueHistogram::kBins; ++i) {
        const double n = static_cast<double>(h.bins[static_cast<size_t>(i)]);
        if (n > 0 && below + n >= target) return std::min(h.max, (i + (target - below) / n) * width);
        below += n;
    }
    return h.max;
}

// The bin edge (or the maximum) that minimises the expected squared error of quantising the
// histogram's values with step range / 255: step^2 / 12 for each non-zero value inside the range,
// (value - range)^2 for each above it (values at their bin's centre). Prefix sums make it linear.
double mse_range(const ValueHistogram& h) {
    if (h.range == 0) return 0;
    const int bins = ValueHistogram::kBins;
    const double width = h.range / bins;
    // Suffix sums over bins [i, bins): count, sum of x, sum of x^2.
    std::vector<double> n(bins + 1, 0), sx(bins + 1, 0), sxx(bins + 1, 0);
    for (int i = bins - 1; i >= 0; --i) {
        const double c = static_cast<double>(h.bins[static_cast<size_t>(i)]), x = (i + 0.5) * width;
        n[i] = n[i + 1] + c, sx[i] = sx[i + 1] + c * x, sxx[i] = sxx[i + 1] + c * x * x;
    }
    double best = h.max, best_error = n[0] * std::pow(h.max / 255.0, 2) / 12.0;
    const int last = std::min(bins, static_cast<int>(std::ceil(h.max / width)));
    for (int i = 1; i < last; ++i) {
        const double t = i * width, step = t / 255.0;
        const double inside = n[0] - n[i];
        const double clipped = sxx[i] - 2 * t * sx[i] + t * t * n[i];
        const double error = inside * step * step / 12.0 + clipped;
        if (error < best_error) best = t, best_error = error;
    }
    return best;
}

}  // namespace

CalibrationMethod parse_calibration_method(const std::string& name) {
    if (name == "max") return CalibrationMethod::Max;
    if (name == "percentile") return CalibrationMethod::Percentile;
    if (name == "mse") return CalibrationMethod::Mse;
    user_error("--calibration-method {}: choose max, percentile or mse", name);
}

std::string calibration_method_name(CalibrationMethod method) {
    switch (method) {
    case CalibrationMethod::Max: return "max";
    case CalibrationMethod::Percentile: return "percentile";
    case CalibrationMethod::Mse: return "mse";
    }
    SQZ_ASSERT(false, "unknown calibration method");
}

void ValueHistogram::add(double v) {
    v = std::fabs(v);
    max = std::max(max, v);
    if (v == 0) {
        ++zeros;
        return;
    }
    if (bins.empty()) bins.assign(kBins, 0);
    if (range == 0) range = std::ldexp(1.0, std::ilogb(v) + 1);  // the power of two above v
    while (v >= range) {
        // Double the range: bins 2i and 2i+1 become bin i.
        for (int i = 0; i < kBins / 2; ++i) bins[static_cast<size_t>(i)] = bins[2 * static_cast<size_t>(i)] + bins[2 * static_cast<size_t>(i) + 1];
        std::fill(bins.begin() + kBins / 2, bins.end(), 0);
        range *= 2;
    }
    const int bin = std::min(kBins - 1, static_cast<int>(v / range * kBins));
    ++bins[static_cast<size_t>(bin)];
}

uint64_t ValueHistogram::count() const {
    uint64_t total = zeros;
    for (uint64_t c : bins) total += c;
    return total;
}

double clip_range(const ValueHistogram& h, const CalibrationOptions& options) {
    switch (options.method) {
    case CalibrationMethod::Max: return h.max;
    case CalibrationMethod::Percentile:
        if (!(options.percentile > 0 && options.percentile <= 100))
            user_error("--percentile {}: must lie in (0, 100]", options.percentile);
        return percentile_range(h, options.percentile);
    case CalibrationMethod::Mse: return mse_range(h);
    }
    SQZ_ASSERT(false, "unknown calibration method");
}

std::map<std::string, ValueHistogram> value_histograms(const ir::Graph& graph, const std::vector<ir::Tensor>& inputs) {
    std::map<std::string, ValueHistogram> histograms;
    const ir::Graph one = graph.batch == 1 ? graph : ir::with_batch(graph, 1);
    for (const ir::Tensor& input : inputs)
        ir::interpret(one, {input}, [&](const ir::Node& node, const ir::TensorF64& value) {
            ValueHistogram& h = histograms[node.name];
            for (double v : value.data) h.add(v);
        });
    return histograms;
}

ValueRanges ranges_from(const std::map<std::string, ValueHistogram>& histograms, const CalibrationOptions& options) {
    ValueRanges ranges;
    for (const auto& [name, h] : histograms) ranges[name] = clip_range(h, options);
    return ranges;
}

ValueRanges calibrate(const ir::Graph& graph, const std::vector<ir::Tensor>& inputs, const CalibrationOptions& options) {
    if (options.method == CalibrationMethod::Max) {
        // The largest value needs no histogram.
        ValueRanges ranges;
        const ir::Graph one = graph.batch == 1 ? graph : ir::with_batch(graph, 1);
        for (const ir::Tensor& input : inputs)
            ir::interpret(one, {input}, [&](const ir::Node& node, const ir::TensorF64& value) {
                double m = 0;
                for (double v : value.data) m = std::max(m, std::fabs(v));
                double& slot = ranges[node.name];
                slot = std::max(slot, m);
            });
        return ranges;
    }
    return ranges_from(value_histograms(graph, inputs), options);
}

std::map<std::string, ir::ActivationQuant> input_grids(const ir::Graph& graph, const std::vector<ir::Tensor>& inputs) {
    SQZ_ASSERT(graph.inputs.size() == 1, "calibration inputs feed graphs of one input ('{}' has {})", graph.name,
               graph.inputs.size());
    double lo = 0, hi = 0;
    for (const ir::Tensor& input : inputs)
        for (float v : input.data) {
            lo = std::min(lo, static_cast<double>(v));
            hi = std::max(hi, static_cast<double>(v));
        }
    ir::ActivationQuant grid;
    grid.scale = static_cast<double>(static_cast<float>(std::max(hi - lo, 1e-6) / 255.0));
    grid.zero_point = static_cast<int32_t>(std::clamp(std::nearbyint(-lo / grid.scale), 0.0, 255.0));
    return {{graph.inputs[0].name, grid}};
}

std::vector<std::string> calibration_files(const std::vector<std::string>& paths) {
    std::vector<std::string_view> extensions = image_extensions();
    extensions.push_back(".f32");
    return expand_folders(paths, extensions, ".f32, PNG, JPEG or PPM files to calibrate on");
}

std::vector<ir::Tensor> calibration_inputs(const ir::Graph& graph, const std::vector<std::string>& paths) {
    const ir::Graph one = graph.batch == 1 ? graph : ir::with_batch(graph, 1);
    const ir::TensorType type = one.type_of(one.inputs.at(0).name);
    std::vector<ir::Tensor> out;
    if (paths.empty()) {
        out.push_back(ir::test_pattern(type));
        return out;
    }
    for (const std::string& file : calibration_files(paths)) {
        if (lower_extension(file) == ".f32") {
            out.push_back({type.dims, read_f32_file(file, static_cast<size_t>(type.numel()))});
        } else {
            out.push_back(load_image_input(file, one, one.preprocess, ResizeMode::CenterCrop));
        }
    }
    return out;
}

}  // namespace sqz::compiler
