// ONNX writer (see onnx_export.h): one ONNX node per IR node (two for a Conv with fused ReLU), the
// constants as initializers, a symbolic batch dimension "N", and the preprocessing in metadata;
// int8 graphs in QDQ form (onnx_export_qdq.h).
#include "compiler/exporters/onnx_export.h"

#include "compiler/exporters/onnx_export_qdq.h"
#include "compiler/exporters/onnx_writer.h"
#include "compiler/frontends/onnx_common.h"
#include "ir/error.h"
#include "ir/shape_inference.h"
#include "ir/verifier.h"

#include <climits>
#include <unordered_set>

namespace sqz::compiler {
namespace {

class Exporter {
public:
    Exporter(const ir::Graph& graph, const OnnxExportOptions& options)
        : graph_(graph), options_(options), writer_(model_, options.raw_data),
          qdq_(writer_, graph, [this](const ir::Node& n, const std::string& output) { export_node(n, output); }) {}

    std::string run() {
        if (options_.opset < kOnnxMinOpset || options_.opset > kOnnxMaxOpset)
            user_error("cannot export graph '{}' at opset {}: sqzc writes ONNX opsets {} to {}", graph_.name,
                       options_.opset, kOnnxMinOpset, kOnnxMaxOpset);
        ir::verify(graph_);
        if (!graph_.activation_quant.empty())
            user_error("cannot export graph '{}': it still rounds activations as an imported quantized model does; "
                       "export it with --precision int8 (its int8 form) or float32", graph_.name);
        if (qdq_.int8() && options_.opset < 13)
            user_error("cannot export int8 graph '{}' at opset {}: its per-channel DequantizeLinear needs opset 13 or "
                       "later", graph_.name, options_.opset);
        for (const ir::Constant& c : graph_.constants)
            if (!c.bound())
                user_error("cannot export graph '{}': constant '{}' has no values (weights must be bound)",
                           graph_.name, c.name);
        for (const ir::GraphInput& in : graph_.inputs) writer_.reserve(in.name);
        for (const ir::Constant& c : graph_.constants) writer_.reserve(c.name);
        for (const ir::Node& n : graph_.nodes) writer_.reserve(n.name);

        model_.set_ir_version(onnx_ir_version_for_opset(options_.opset));
        model_.set_producer_name("sqzc");
        model_.set_producer_version("0.1");
        onnx::OperatorSetIdProto* opset = model_.add_opset_import();
        opset->set_domain("");
        opset->set_version(options_.opset);
        write_onnx_preprocess(model_, graph_.preprocess);
        onnx::GraphProto* g = model_.mutable_graph();
        g->set_name(graph_.name);
        g->set_doc_string(qdq_.int8() ? "written by sqzc: int8 in QDQ form" : "written by sqzc");

        for (const ir::GraphInput& in : graph_.inputs) set_type(g->add_input(), in.name, in.type.dims);
        for (const ir::Constant& c : graph_.constants)
            if (qdq_.float_constant(c.name)) writer_.add_floats(c.name, c.type.dims, c.data());
        for (const ir::Node& n : graph_.nodes)
            if (!qdq_.write(n)) export_node(n, n.name);
        for (const std::string& out : graph_.outputs) {
            ir::Dims dims = graph_.type_of(out).dims;
            set_type(g->add_output(), out, ir::Dims(dims.begin() + 1, dims.end()));
        }
        // Before IR version 4, every initializer must also be declared as a graph input.
        if (model_.ir_version() < 4)
            for (const onnx::TensorProto& t : g->initializer()) {
                onnx::ValueInfoProto* in = g->add_input();
                in->set_name(t.name());
                onnx::TypeProto_Tensor* tt = in->mutable_type()->mutable_tensor_type();
                tt->set_elem_type(t.data_type());
                for (int64_t d : t.dims()) tt->mutable_shape()->add_dim()->set_dim_value(d);
            }

        if (model_.ByteSizeLong() > static_cast<size_t>(INT_MAX))
            user_error("cannot export graph '{}': the model exceeds protobuf's 2 GiB limit", graph_.name);
        return model_.SerializeAsString();
    }

private:
    template <typename... Args>
    [[noreturn]] void fail(const ir::Node& node, fmt::format_string<Args...> format, Args&&... args) const {
        user_error("cannot export node '{}' ({}) of graph '{}': {}", node.name, ir::op_name(node.op), graph_.name,
                   fmt::format(format, std::forward<Args>(args)...));
    }

    // A float tensor of shape [N, per_sample...] with a symbolic batch.
    static void set_type(onnx::ValueInfoProto* value, const std::string& name, const ir::Dims& per_sample) {
        value->set_name(name);
        onnx::TypeProto_Tensor* t = value->mutable_type()->mutable_tensor_type();
        t->set_elem_type(onnx::TensorProto_DataType_FLOAT);
        onnx::TensorShapeProto* shape = t->mutable_shape();
        shape->add_dim()->set_dim_param("N");
        for (int64_t d : per_sample) shape->add_dim()->set_dim_value(d);
    }

    onnx::NodeProto& add_node(const char* op_type, const std::vector<std::string>& inputs, const std::string& output) {
        return writer_.add_node(op_type, inputs, output);
    }
    static void add_int(onnx::NodeProto& node, const char* name, int64_t value) { OnnxWriter::add_int(node, name, value); }
    static void add_ints(onnx::NodeProto& node, const char* name, const std::vector<int64_t>& values) {
        OnnxWriter::add_ints(node, name, values);
    }

    // Writes a node as float, its output named `out` (the node's name but where the QDQ form
    // rounds it afterwards).
    void export_node(const ir::Node& n, const std::string& out) {
        switch (n.op) {
        case ir::OpKind::Conv: return export_conv(n, out);
        case ir::OpKind::MaxPool:
        case ir::OpKind::AvgPool: return export_pool(n, out);
        case ir::OpKind::Relu: add_node("Relu", n.inputs, out); return;
        case ir::OpKind::GlobalAvgPool: add_node("GlobalAveragePool", n.inputs, out); return;
        case ir::OpKind::Concat: add_int(add_node("Concat", n.inputs, out), "axis", n.concat().axis); return;
        case ir::OpKind::Add: add_node("Add", n.inputs, out); return;
        case ir::OpKind::Dropout: add_node("Dropout", n.inputs, out); return;  // inference mode by default
        case ir::OpKind::Identity: add_node("Identity", n.inputs, out); return;
        case ir::OpKind::Softmax: return export_softmax(n, out);
        case ir::OpKind::Flatten: add_int(add_node("Flatten", n.inputs, out), "axis", 1); return;
        case ir::OpKind::Reshape: {
            std::vector<int64_t> shape{0};  // 0: keep the batch dimension
            shape.insert(shape.end(), n.reshape().shape.begin(), n.reshape().shape.end());
            std::string shape_name = writer_.fresh_name(n.name + "_shape");
            writer_.add_int64s(shape_name, shape);
            add_node("Reshape", {n.inputs[0], shape_name}, out);
            return;
        }
        case ir::OpKind::Count: break;
        }
        SQZ_ASSERT(false, "no ONNX form for op {}", static_cast<int>(n.op));
    }

    void export_conv(const ir::Node& n, const std::string& out) {
        const ir::ConvAttrs& a = n.conv();
        SQZ_ASSERT(!a.residual, "conv '{}' with a fused residual goes through the QDQ writer", n.name);
        const std::string conv_out = a.relu ? writer_.fresh_name(n.name + "_conv") : out;
        onnx::NodeProto& conv = add_node("Conv", n.inputs, conv_out);
        OnnxWriter::add_window(conv, a.window);
        add_ints(conv, "dilations", {1, 1});
        add_int(conv, "group", 1);
        if (a.relu) add_node("Relu", {conv_out}, out);
    }

    void export_pool(const ir::Node& n, const std::string& out) {
        const ir::PoolAttrs& a = n.pool();
        const ir::Window& w = a.window;
        const ir::Dims x = graph_.type_of(n.inputs[0]).dims;
        // Per axis: whether rounding down gives the same size, whether ONNX's plain ceil formula
        // (which keeps a last window starting inside the end padding) agrees with the IR's, and
        // whether the last window runs past the padded input.
        bool floor_same = true, ceil_plain = true, clipped = false;
        auto axis = [&](int64_t in, int64_t k, int64_t s, int64_t pb, int64_t pe) {
            int64_t out = ir::window_output_size(in, k, s, pb, pe, a.rounding);
            floor_same &= out == ir::window_output_size(in, k, s, pb, pe, ir::Rounding::Floor);
            ceil_plain &= out == (in + pb + pe - k + s - 1) / s + 1;
            clipped |= (out - 1) * s - pb + k > in + pe;
        };
        axis(x[2], w.kernel_h, w.stride_h, w.pad_top, w.pad_bottom);
        axis(x[3], w.kernel_w, w.stride_w, w.pad_left, w.pad_right);

        int64_t ceil_mode = 0;
        if (a.rounding == ir::Rounding::Ceil) {
            if (options_.opset >= 10 && ceil_plain) ceil_mode = 1;
            else if (!floor_same && options_.opset < 10)
                fail(n, "it rounds its output size up (ceil_mode), which ONNX supports from opset 10 on; asked for "
                        "opset {}", options_.opset);
            else if (!floor_same)
                fail(n, "its last window starts inside the end padding; ONNX runtimes disagree on whether such a "
                        "ceil_mode window exists");
        }
        const bool is_max = n.op == ir::OpKind::MaxPool;
        onnx::NodeProto& pool = add_node(is_max ? "MaxPool" : "AveragePool", n.inputs, out);
        OnnxWriter::add_window(pool, w);
        if (ceil_mode) add_int(pool, "ceil_mode", 1);
        if (is_max) return;
        // The IR divides by the window's extent within the padded input. ONNX's count_include_pad=1
        // divides by the kernel size, which is the same unless a ceil-mode window runs past the
        // padding; with no padding at all, count_include_pad=0 (elements inside the input) is.
        const bool unpadded = w.pad_top == 0 && w.pad_left == 0 && w.pad_bottom == 0 && w.pad_right == 0;
        int64_t include_pad = 0;
        if (a.count_include_pad && !clipped) include_pad = 1;
        else if (a.count_include_pad && !unpadded)
            fail(n, "with count_include_pad, its last window runs past the padded input; ONNX does not define the "
                    "divisor of such a window, so the pool cannot be written exactly");
        add_int(pool, "count_include_pad", include_pad);
    }

    void export_softmax(const ir::Node& n, const std::string& out) {
        const int64_t axis = n.softmax().axis;
        const ir::Dims& dims = n.type.dims;
        int64_t inner = 1;
        for (size_t i = static_cast<size_t>(axis) + 1; i < dims.size(); ++i) inner *= dims[i];
        if (options_.opset < 13 && inner != 1)
            fail(n, "before opset 13 ONNX's Softmax normalises all axes from {} on together, not axis {} of {} "
                    "alone; export at opset 13 or later", axis, axis, ir::dims_to_string(dims));
        add_int(add_node("Softmax", n.inputs, out), "axis", axis);
    }

    const ir::Graph& graph_;
    const OnnxExportOptions& options_;
    onnx::ModelProto model_;
    OnnxWriter writer_;
    QdqExport qdq_;
};

}  // namespace

std::string export_onnx(const ir::Graph& graph, const OnnxExportOptions& options) {
    return Exporter(graph, options).run();
}

}  // namespace sqz::compiler
