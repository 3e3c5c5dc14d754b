// `sqzc export`: writes any model sqzc reads as a standard ONNX file, so that other tools (ONNX
// Runtime, for comparisons) can run Caffe, Deep Compression and .sqz models too.
#include "compiler/cli/command.h"
#include "compiler/cli/model_options.h"
#include "compiler/file_io.h"
#include "compiler/frontends/onnx_export.h"
#include "ir/error.h"

#include <fmt/format.h>

namespace sqz::cli {

int export_command(const Args& argv) {
    ModelArgs model;
    std::string output;
    compiler::OnnxExportOptions onnx;
    po::options_description options("sqzc export options");
    po::positional_options_description positional;
    add_model_options(options, positional, model);
    options.add_options()
        ("output,o", po::value(&output)->required(), "the ONNX file to write")
        ("opset", po::value(&onnx.opset)->default_value(13), "ONNX opset version (7 to 17)");
    po::variables_map vm;
    if (!parse_args("export", "MODEL [--weights FILE] -o MODEL.onnx [--opset N]", argv, options, positional, vm))
        return 0;
    const ir::Graph graph = compiler::load_model(model.to_options());
    const std::string bytes = compiler::export_onnx(graph, onnx);
    compiler::write_file(output, bytes);
    fmt::print("wrote {} ({} bytes, opset {})\n", output, bytes.size(), onnx.opset);
    return 0;
}

}  // namespace sqz::cli
