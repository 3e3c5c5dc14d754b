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
#include <filesystem>

namespace sqz::compiler {

ValueRanges calibrate(const ir::Graph& graph, const std::vector<ir::Tensor>& inputs) {
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

std::vector<ir::Tensor> calibration_inputs(const ir::Graph& graph, const std::vector<std::string>& paths) {
    const ir::Graph one = graph.batch == 1 ? graph : ir::with_batch(graph, 1);
    const ir::TensorType type = one.type_of(one.inputs.at(0).name);
    std::vector<ir::Tensor> out;
    if (paths.empty()) {
        out.push_back(ir::test_pattern(type));
        return out;
    }
    for (const std::string& path : paths) {
        std::string ext = std::filesystem::path(path).extension().string();
        std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
        if (ext == ".f32") {
            out.push_back({type.dims, read_f32_file(path, static_cast<size_t>(type.numel()))});
        } else {
            out.push_back(load_image_input(path, one, one.preprocess, ResizeMode::CenterCrop));
        }
    }
    return out;
}

}  // namespace sqz::compiler
