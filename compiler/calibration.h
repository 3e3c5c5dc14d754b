// Calibration for int8: the range each tensor of a graph is quantised over, from the values it
// takes on a set of inputs (the reference interpreter), and the inputs themselves (raw float32
// files, images, or folders of them).
//
// Methods (the u8 scale is then range / 255):
// - max: the largest |value| seen. Nothing is clipped; one outlier stretches the steps of all.
// - percentile P: the P-th percentile of |value| over every element of every input (zeros
//   included, as ReLU outputs have many); the few values above it are clipped.
// - mse: the range that minimises the mean squared error of quantising the values seen, counting
//   the rounding error of values inside it (step^2 / 12, none for exact zeros) and the clipping
//   error of those above.
// Percentile and mse work on a histogram of |value| per tensor (2048 bins over a power-of-two range
// that doubles as larger values arrive), so their ranges lie within one bin width of the exact ones.
#pragma once

#include "ir/graph.h"
#include "ir/host_tensor.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace sqz::compiler {

enum class CalibrationMethod { Max, Percentile, Mse };
CalibrationMethod parse_calibration_method(const std::string& name);  // "max", "percentile" or "mse"
std::string calibration_method_name(CalibrationMethod method);

struct CalibrationOptions {
    CalibrationMethod method = CalibrationMethod::Max;
    double percentile = 99.99;  // for CalibrationMethod::Percentile, in (0, 100]
};

// The distribution of |value| of one tensor over the calibration inputs.
struct ValueHistogram {
    static constexpr int kBins = 2048;
    double max = 0;              // largest |value|
    double range = 0;            // the bins cover [0, range): a power of two, or 0 before any non-zero value
    uint64_t zeros = 0;          // exact zeros (not in the bins)
    std::vector<uint64_t> bins;  // kBins counts of non-zero |value|

    void add(double v);
    uint64_t count() const;
};

// The range a tensor is quantised over, by `options.method`.
double clip_range(const ValueHistogram& histogram, const CalibrationOptions& options);

// Each node's histogram over all inputs (batch 1 each).
std::map<std::string, ValueHistogram> value_histograms(const ir::Graph& graph, const std::vector<ir::Tensor>& inputs);

// The range of each node's output over all inputs.
using ValueRanges = std::map<std::string, double>;
ValueRanges calibrate(const ir::Graph& graph, const std::vector<ir::Tensor>& inputs,
                      const CalibrationOptions& options = {});
ValueRanges ranges_from(const std::map<std::string, ValueHistogram>& histograms, const CalibrationOptions& options);

// The 8-bit grid each graph input is quantised to (the image, which the first int8 conv quantises
// itself): its smallest and largest value over the inputs, 0 included, in 255 steps: scale =
// (max - min) / 255 rounded to float32, zero point = round(-min / scale). Images after mean
// subtraction are signed, hence the zero point; their range is bounded, so nothing is clipped.
std::map<std::string, ir::ActivationQuant> input_grids(const ir::Graph& graph, const std::vector<ir::Tensor>& inputs);

// The files calibration reads from `paths`: files as named, and each folder's `.f32` and image
// files in name order. Throws sqz::Error for a folder with none.
std::vector<std::string> calibration_files(const std::vector<std::string>& paths);

// Reads calibration inputs: `.f32` files (raw NCHW, one sample each, preprocessed), images (PNG,
// JPEG, PPM; centre-cropped and preprocessed as the model expects), and folders, whose `.f32` and
// image files are read in name order (other files are skipped; a folder with none is refused).
// With no paths, the built-in test pattern. Each input has batch 1.
std::vector<ir::Tensor> calibration_inputs(const ir::Graph& graph, const std::vector<std::string>& paths);

}  // namespace sqz::compiler
