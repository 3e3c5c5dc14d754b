// `sqzc export`: writes any model sqzc reads as a standard ONNX file, so that other tools (ONNX
// Runtime, for comparisons) can run Caffe, Deep Compression and .sqz models too; with
// --precision int8, its int8 form as a QDQ model with sqzc's own scales.
#include "compiler/cli/command.h"
#include "compiler/cli/model_options.h"
#include "compiler/driver.h"
#include "compiler/file_io.h"
#include "compiler/exporters/onnx_export.h"
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
    add_pass_options(options, model);
    options.add_options()
        ("output,o", po::value(&output)->required(), "the ONNX file to write")
        ("opset", po::value(&onnx.opset)->default_value(13), "ONNX opset version (7 to 17)");
    po::variables_map vm;
    if (!parse_args("export", "MODEL [--weights FILE] -o MODEL.onnx [--opset N] [--precision int8 [--calibrate INPUTS]]",
                    argv, options, positional, vm))
        return 0;
    const compiler::CompileOptions compile = model.compile_options();
    const bool int8 = compile.precision == compiler::Precision::Int8;
    if (!int8 && (!model.disable_pass.empty() || !model.print_after.empty()))
        user_error("--disable-pass and --print-after apply to --precision int8 only (a float32 export writes the model "
                   "as loaded)");
    const ir::Graph loaded = compiler::load_model(model.to_options());
    // Before the int8 form is made (and its warnings printed): the exporter would refuse it.
    if (int8 && onnx.opset < 13)
        user_error("cannot export int8 graph '{}' at opset {}: its per-channel DequantizeLinear needs opset 13 or later",
                   loaded.name, onnx.opset);
    // float32: the model as loaded; int8: its int8 form after the passes, in QDQ form.
    const ir::Graph graph = int8 ? compiler::prepare(loaded, compile) : loaded;
    const std::string bytes = compiler::export_onnx(graph, onnx);
    compiler::write_file(output, bytes);
    fmt::print("wrote {} ({} bytes, opset {}{})\n", output, bytes.size(), onnx.opset, int8 ? ", int8 in QDQ form" : "");
    return 0;
}

}  // namespace sqz::cli
