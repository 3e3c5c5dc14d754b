// Calibration: the histogram of |value| (its doubling range keeps counts), the three ways to choose a
// range (max, percentile, least squared error) on distributions whose answers are known, and the
// inputs it reads (files and folders).
#include "compiler/calibration.h"
#include "compiler/file_io.h"
#include "ir/builder.h"
#include "ir/error.h"
#include "tests/support.h"

#include <cmath>
#include <filesystem>
#include <fstream>

using namespace sqz;
using compiler::CalibrationMethod;
using compiler::ValueHistogram;

namespace {

// 10000 values spread evenly over [0, 1) and one outlier at 100.
ValueHistogram uniform_with_outlier() {
    ValueHistogram h;
    for (int i = 0; i < 10000; ++i) h.add((i + 0.5) / 10000.0);
    h.add(-100.0);
    return h;
}

double range_of(const ValueHistogram& h, CalibrationMethod method, double percentile = 99.99) {
    compiler::CalibrationOptions o;
    o.method = method;
    o.percentile = percentile;
    return compiler::clip_range(h, o);
}

}  // namespace

TEST_CASE("calibration histograms keep every count as their range doubles", "[compiler][calibration]") {
    ValueHistogram h;
    h.add(0.0);
    h.add(0.3);
    CHECK(h.range == 0.5);
    h.add(-3.0);  // the range doubles three times; the earlier values merge into the first bins
    CHECK(h.range == 4.0);
    h.add(1000.0);
    CHECK(h.range == 1024.0);
    CHECK(h.max == 1000.0);
    CHECK(h.zeros == 1);
    CHECK(h.count() == 4);
    CHECK(range_of(h, CalibrationMethod::Max) == 1000.0);
}

TEST_CASE("calibration methods: max keeps everything, percentile clips outliers, mse weighs both errors", "[compiler][calibration]") {
    const ValueHistogram h = uniform_with_outlier();
    CHECK(range_of(h, CalibrationMethod::Max) == 100.0);
    // The 99.99th percentile of 10001 values is the uniform part's top, within one bin (128 / 2048).
    CHECK(range_of(h, CalibrationMethod::Percentile) == Approx(1.0).margin(128.0 / 2048));
    CHECK(range_of(h, CalibrationMethod::Percentile, 50) == Approx(0.5).margin(128.0 / 2048));
    CHECK(range_of(h, CalibrationMethod::Percentile, 100) == 100.0);
    // Least squared error: clipping the outlier at 1 would cost 99^2, more than steps 100 times
    // too coarse cost the other 10000 values (10000 x (100/255)^2 / 12): it stays nearly whole.
    CHECK(range_of(h, CalibrationMethod::Mse) > 90.0);
    compiler::CalibrationOptions bad;
    bad.method = CalibrationMethod::Percentile;
    bad.percentile = 0;
    CHECK_THROWS_WITH(compiler::clip_range(h, bad), "--percentile 0: must lie in (0, 100]");
    CHECK(compiler::parse_calibration_method("mse") == CalibrationMethod::Mse);
    CHECK_THROWS_WITH(compiler::parse_calibration_method("entropy"),
                      "--calibration-method entropy: choose max, percentile or mse");

    // A long tail (exponential values): mse clips its end (near 10.3 of 10.6: with 255 steps the
    // rounding error is small), at less squared error than max, counted here on the values.
    std::vector<double> tail;
    ValueHistogram exp_h;
    for (int i = 0; i < 20000; ++i) {
        tail.push_back(-std::log((i + 0.5) / 20000.0));
        exp_h.add(tail.back());
    }
    auto squared_error = [&](double range) {
        double e = 0;
        for (double v : tail) e += std::pow(std::min(std::nearbyint(v / (range / 255)), 255.0) * (range / 255) - v, 2);
        return e;
    };
    const double mse = range_of(exp_h, CalibrationMethod::Mse), max = range_of(exp_h, CalibrationMethod::Max);
    CHECK(mse < max);
    CHECK(squared_error(mse) < squared_error(max));

    // A distribution without outliers keeps (nearly) its whole range with every method.
    ValueHistogram even;
    for (int i = 0; i < 4096; ++i) even.add(i / 4096.0);
    CHECK(range_of(even, CalibrationMethod::Mse) >= 0.99);
    CHECK(range_of(even, CalibrationMethod::Percentile) >= 0.99);
}

TEST_CASE("calibrate gives each node its range by the chosen method", "[compiler][calibration]") {
    ir::GraphBuilder b("cal");
    auto x = b.input("x", {ir::DType::F32, {1, 100, 1}});
    b.output(b.relu("r", x));
    const ir::Graph g = b.finish();
    ir::Tensor input{{1, 1, 100, 1}, {}};
    for (int i = 0; i < 100; ++i) input.data.push_back(i == 50 ? 500.0f : static_cast<float>(i % 10));
    compiler::CalibrationOptions o;
    CHECK(compiler::calibrate(g, {input}, o).at("r") == 500.0);
    o.method = CalibrationMethod::Percentile;
    o.percentile = 98;
    CHECK(compiler::calibrate(g, {input}, o).at("r") <= 10.0);
    o.method = CalibrationMethod::Mse;
    CHECK(compiler::calibrate(g, {input}, o).at("r") < 500.0);
}

TEST_CASE("calibration inputs: files, and folders of them in name order", "[compiler][calibration]") {
    ir::GraphBuilder b("cal");
    auto x = b.input("x", {ir::DType::F32, {3, 2, 2}});
    b.output(b.relu("r", x));
    const ir::Graph g = b.finish();
    const auto dir = test::scratch_dir() / "calibration_inputs";
    std::filesystem::create_directories(dir / "empty");
    compiler::write_f32_file((dir / "b.f32").string(), std::vector<float>(12, 2.0f));
    compiler::write_f32_file((dir / "a.f32").string(), std::vector<float>(12, 1.0f));
    // A 2x2 PPM image (P6), preprocessed with Caffe's means.
    std::ofstream(dir / "c.ppm", std::ios::binary) << "P6\n2 2\n255\n" << std::string(12, '\x7f');
    std::ofstream(dir / "readme.txt") << "skipped\n";
    const std::vector<ir::Tensor> inputs = compiler::calibration_inputs(g, {dir.string(), (dir / "a.f32").string()});
    REQUIRE(inputs.size() == 4);
    CHECK(inputs[0].data[0] == 1.0f);
    CHECK(inputs[1].data[0] == 2.0f);
    CHECK(inputs[2].data[0] == Approx(127.0f - 104.0f));  // blue first, minus its mean
    CHECK(inputs[3].data[0] == 1.0f);
    CHECK(compiler::calibration_inputs(g, {}).size() == 1);  // the test pattern
    CHECK_THROWS_WITH(compiler::calibration_inputs(g, {(dir / "empty").string()}),
                      (dir / "empty").string() + ": the folder has no .f32, PNG, JPEG or PPM files to calibrate on");
}
