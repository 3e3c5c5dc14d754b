// ONNX writer (see onnx_export.h): one ONNX node per IR node (two for a Conv with fused ReLU), the
// constants as initializers, a symbolic batch dimension "N", and the preprocessing in metadata.
#include "compiler/frontends/onnx_export.h"

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
    Exporter(const ir::Graph& graph, const OnnxExportOptions& options) : graph_(graph), options_(options) {}

    std::string run() {
        if (options_.opset < kOnnxMinOpset || options_.opset > kOnnxMaxOpset)
            user_error("cannot export graph '{}' at opset {}: sqzc writes ONNX opsets {} to {}", graph_.name,
                       options_.opset, kOnnxMinOpset, kOnnxMaxOpset);
        ir::verify(graph_);
        for (const ir::Constant& c : graph_.constants)
            if (!c.bound())
                user_error("cannot export graph '{}': constant '{}' has no values (weights must be bound)",
                           graph_.name, c.name);
        for (const ir::GraphInput& in : graph_.inputs) names_.insert(in.name);
        for (const ir::Constant& c : graph_.constants) names_.insert(c.name);
        for (const ir::Node& n : graph_.nodes) names_.insert(n.name);

        model_.set_ir_version(onnx_ir_version_for_opset(options_.opset));
        model_.set_producer_name("sqzc");
        model_.set_producer_version("0.1");
        onnx::OperatorSetIdProto* opset = model_.add_opset_import();
        opset->set_domain("");
        opset->set_version(options_.opset);
        write_onnx_preprocess(model_, graph_.preprocess);
        onnx::GraphProto* g = model_.mutable_graph();
        g->set_name(graph_.name);
        g->set_doc_string("written by sqzc");

        for (const ir::GraphInput& in : graph_.inputs) set_type(g->add_input(), in.name, in.type.dims);
        for (const ir::Constant& c : graph_.constants)
            write_onnx_floats(*g->add_initializer(), c.name, c.type.dims, c.data(), options_.raw_data);
        for (const ir::Node& n : graph_.nodes) export_node(n);
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

    // A tensor name not used yet, based on `base`.
    std::string fresh_name(const std::string& base) {
        std::string name = base;
        for (int i = 1; names_.count(name); ++i) name = fmt::format("{}_{}", base, i);
        names_.insert(name);
        return name;
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
        onnx::NodeProto* node = model_.mutable_graph()->add_node();
        node->set_op_type(op_type);
        node->set_name(output);
        for (const std::string& in : inputs) node->add_input(in);
        node->add_output(output);
        return *node;
    }

    static void add_int(onnx::NodeProto& node, const char* name, int64_t value) {
        onnx::AttributeProto* a = node.add_attribute();
        a->set_name(name);
        a->set_type(onnx::AttributeProto::INT);
        a->set_i(value);
    }

    static void add_ints(onnx::NodeProto& node, const char* name, const std::vector<int64_t>& values) {
        onnx::AttributeProto* a = node.add_attribute();
        a->set_name(name);
        a->set_type(onnx::AttributeProto::INTS);
        for (int64_t v : values) a->add_ints(v);
    }

    static void add_window(onnx::NodeProto& node, const ir::Window& w) {
        add_ints(node, "kernel_shape", {w.kernel_h, w.kernel_w});
        add_ints(node, "strides", {w.stride_h, w.stride_w});
        add_ints(node, "pads", {w.pad_top, w.pad_left, w.pad_bottom, w.pad_right});
    }

    void export_node(const ir::Node& n) {
        switch (n.op) {
        case ir::OpKind::Conv: return export_conv(n);
        case ir::OpKind::MaxPool:
        case ir::OpKind::AvgPool: return export_pool(n);
        case ir::OpKind::Relu: add_node("Relu", n.inputs, n.name); return;
        case ir::OpKind::GlobalAvgPool: add_node("GlobalAveragePool", n.inputs, n.name); return;
        case ir::OpKind::Concat: add_int(add_node("Concat", n.inputs, n.name), "axis", n.concat().axis); return;
        case ir::OpKind::Add: add_node("Add", n.inputs, n.name); return;
        case ir::OpKind::Dropout: add_node("Dropout", n.inputs, n.name); return;  // inference mode by default
        case ir::OpKind::Identity: add_node("Identity", n.inputs, n.name); return;
        case ir::OpKind::Softmax: return export_softmax(n);
        case ir::OpKind::Flatten: add_int(add_node("Flatten", n.inputs, n.name), "axis", 1); return;
        case ir::OpKind::Reshape: {
            std::vector<int64_t> shape{0};  // 0: keep the batch dimension
            shape.insert(shape.end(), n.reshape().shape.begin(), n.reshape().shape.end());
            std::string shape_name = fresh_name(n.name + "_shape");
            write_onnx_int64s(*model_.mutable_graph()->add_initializer(), shape_name, shape, options_.raw_data);
            add_node("Reshape", {n.inputs[0], shape_name}, n.name);
            return;
        }
        case ir::OpKind::Count: break;
        }
        SQZ_ASSERT(false, "no ONNX form for op {}", static_cast<int>(n.op));
    }

    void export_conv(const ir::Node& n) {
        const ir::ConvAttrs& a = n.conv();
        const std::string conv_out = a.relu ? fresh_name(n.name + "_conv") : n.name;
        onnx::NodeProto& conv = add_node("Conv", n.inputs, conv_out);
        add_window(conv, a.window);
        add_ints(conv, "dilations", {1, 1});
        add_int(conv, "group", 1);
        if (a.relu) add_node("Relu", {conv_out}, n.name);
    }

    void export_pool(const ir::Node& n) {
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
        onnx::NodeProto& pool = add_node(is_max ? "MaxPool" : "AveragePool", n.inputs, n.name);
        add_window(pool, w);
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

    void export_softmax(const ir::Node& n) {
        const int64_t axis = n.softmax().axis;
        const ir::Dims& dims = n.type.dims;
        int64_t inner = 1;
        for (size_t i = static_cast<size_t>(axis) + 1; i < dims.size(); ++i) inner *= dims[i];
        if (options_.opset < 13 && inner != 1)
            fail(n, "before opset 13 ONNX's Softmax normalises all axes from {} on together, not axis {} of {} "
                    "alone; export at opset 13 or later", axis, axis, ir::dims_to_string(dims));
        add_int(add_node("Softmax", n.inputs, n.name), "axis", axis);
    }

    const ir::Graph& graph_;
    const OnnxExportOptions& options_;
    onnx::ModelProto model_;
    std::unordered_set<std::string> names_;
};

}  // namespace

std::string export_onnx(const ir::Graph& graph, const OnnxExportOptions& options) {
    return Exporter(graph, options).run();
}

}  // namespace sqz::compiler
