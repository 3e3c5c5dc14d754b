// ONNX operator converters: one function per operator, each reading the node's attributes as the
// ONNX operator specification defines them (opsets 7 to 17) and appending the equivalent IR nodes.
// The table at the end maps op_type to converter.
#include "compiler/frontends/onnx_import_context.h"
#include "compiler/frontends/onnx_common.h"
#include "ir/shape_inference.h"

#include <algorithm>

namespace sqz::compiler::onnx_import {
namespace {

using ir::Dims;

int64_t product(const Dims& dims, size_t begin, size_t end) {
    int64_t p = 1;
    for (size_t i = begin; i < end && i < dims.size(); ++i) p *= dims[i];
    return p;
}

const ir::TensorType& require_4d(ImportContext& ctx, const onnx::NodeProto& node, const ir::TensorType& t) {
    if (t.rank() != 4) ctx.fail(node, "input '{}' is {}, expected a 4-D NCHW tensor", node.input(0), to_string(t));
    return t;
}

// A 2-D list attribute (strides, dilations, kernel_shape) with every value in [lo, max_dim].
std::vector<int64_t> pair_attr(ImportContext& ctx, const onnx::NodeProto& node, const char* name,
                               std::vector<int64_t> fallback, int64_t lo) {
    std::vector<int64_t> v = ctx.attr_ints(node, name, std::move(fallback));
    if (v.size() != 2) ctx.fail(node, "attribute '{}' has {} values; sqzc supports 2-D windows only", name, v.size());
    for (int64_t x : v)
        if (x < lo || x > ir::Limits::max_dim) ctx.fail(node, "attribute '{}' value {} is out of range", name, x);
    return v;
}

// Strides, pads (explicit or auto_pad) and dilations around a kh x kw kernel on input x (NCHW).
ir::Window read_window(ImportContext& ctx, const onnx::NodeProto& node, const Dims& x, int64_t kh, int64_t kw) {
    std::vector<int64_t> strides = pair_attr(ctx, node, "strides", {1, 1}, 1);
    std::vector<int64_t> dilations = pair_attr(ctx, node, "dilations", {1, 1}, 1);
    if (dilations != std::vector<int64_t>{1, 1})
        ctx.fail(node, "dilations {},{} are unsupported (only 1,1)", dilations[0], dilations[1]);
    ir::Window w{kh, kw, strides[0], strides[1], 0, 0, 0, 0};
    std::string auto_pad = ctx.attr_string(node, "auto_pad", "NOTSET");
    if (auto_pad == "NOTSET") {
        std::vector<int64_t> pads = ctx.attr_ints(node, "pads", {0, 0, 0, 0});
        if (pads.size() != 4) ctx.fail(node, "attribute 'pads' has {} values, expected 4", pads.size());
        for (int64_t p : pads)
            if (p < 0 || p > ir::Limits::max_dim) ctx.fail(node, "pad {} is out of range", p);
        w.pad_top = pads[0], w.pad_left = pads[1], w.pad_bottom = pads[2], w.pad_right = pads[3];
    } else if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
        // Output size ceil(in / stride); the odd pixel of padding goes to the end (UPPER) or the start.
        auto same = [&](int64_t in, int64_t k, int64_t s, int64_t& begin, int64_t& end) {
            int64_t out = (in + s - 1) / s;
            int64_t total = std::max<int64_t>((out - 1) * s + k - in, 0);
            int64_t small = total / 2, big = total - small;
            begin = auto_pad == "SAME_UPPER" ? small : big;
            end = auto_pad == "SAME_UPPER" ? big : small;
        };
        same(x[2], kh, w.stride_h, w.pad_top, w.pad_bottom);
        same(x[3], kw, w.stride_w, w.pad_left, w.pad_right);
    } else if (auto_pad != "VALID") {
        ctx.fail(node, "auto_pad '{}' is not one of NOTSET, VALID, SAME_UPPER, SAME_LOWER", auto_pad);
    }
    return w;
}

// Refuses a ceil-mode pool whose last window would start inside the end padding: PyTorch and
// sqzc drop that window, while the formula of ONNX opsets before 19 keeps it.
void check_ceil_windows(ImportContext& ctx, const onnx::NodeProto& node, const Dims& x, const ir::Window& w) {
    auto check = [&](const char* axis, int64_t in, int64_t k, int64_t s, int64_t pb, int64_t pe) {
        int64_t span = in + pb + pe - k;
        if (span < 0) return;  // shape inference reports the window that does not fit
        int64_t plain = (span + s - 1) / s + 1;
        if (plain != ir::window_output_size(in, k, s, pb, pe, ir::Rounding::Ceil))
            ctx.fail(node, "with ceil_mode the last window along the {} would start inside the end padding; "
                           "runtimes disagree on whether it exists", axis);
    };
    check("height", x[2], w.kernel_h, w.stride_h, w.pad_top, w.pad_bottom);
    check("width", x[3], w.kernel_w, w.stride_w, w.pad_left, w.pad_right);
}

void import_conv(ImportContext& ctx, const onnx::NodeProto& node) {
    ctx.expect_arity(node, 2, 3);
    const std::string& x = ctx.tensor_input(node, 0);
    ir::TensorType xt = require_4d(ctx, node, ctx.type_of(x));
    const onnx::TensorProto* weight = ctx.constant_input(node, 1);
    if (!weight) ctx.fail(node, "weight '{}' is not an initializer; sqzc needs constant weights", node.input(1));
    const std::string what = fmt::format("{}: weight '{}'", ctx.describe(node), node.input(1));
    Dims wd = onnx_tensor_dims(*weight, what);
    if (wd.size() != 4)
        ctx.fail(node, "weight '{}' has shape {}, expected [O,I,kh,kw]", node.input(1), ir::dims_to_string(wd));
    int64_t group = ctx.attr_int(node, "group", 1);
    if (group != 1) ctx.fail(node, "group {} is unsupported (only group 1)", group);
    if (wd[1] != xt.dims[1])
        ctx.fail(node, "weight '{}' of shape {} does not fit the {} channels of input '{}'", node.input(1),
                 ir::dims_to_string(wd), xt.dims[1], x);
    for (int64_t d : wd)
        if (d < 1) ctx.fail(node, "weight '{}' has an empty dimension in {}", node.input(1), ir::dims_to_string(wd));
    std::vector<int64_t> kernel = pair_attr(ctx, node, "kernel_shape", {wd[2], wd[3]}, 1);
    if (kernel[0] != wd[2] || kernel[1] != wd[3])
        ctx.fail(node, "kernel_shape {}x{} differs from the {}x{} kernel of weight '{}'", kernel[0], kernel[1], wd[2],
                 wd[3], node.input(1));
    ir::Window window = read_window(ctx, node, xt.dims, wd[2], wd[3]);

    std::vector<float> bias_values;
    const bool has_bias = ImportContext::has_input(node, 2);
    if (has_bias) {
        const onnx::TensorProto* bias = ctx.constant_input(node, 2);
        if (!bias) ctx.fail(node, "bias '{}' is not an initializer; sqzc needs constant weights", node.input(2));
        const std::string bias_what = fmt::format("{}: bias '{}'", ctx.describe(node), node.input(2));
        Dims bd = onnx_tensor_dims(*bias, bias_what);
        if (bd != Dims{wd[0]})
            ctx.fail(node, "bias '{}' has shape {}, expected [{}]", node.input(2), ir::dims_to_string(bd), wd[0]);
        bias_values = read_onnx_floats(*bias, bias_what);
    }
    std::vector<float> weight_values = read_onnx_floats(*weight, what);
    // Quantized weights (DequantizeLinear of an int8 initializer) keep their int8 form.
    if (const std::string* why = ctx.int8_refusal(node.input(1)))
        ctx.fail(node, "weight '{}' {}; sqzc's int8 weights are symmetric (zero point 0, values in [-127, 127], one "
                       "scale per output channel or tensor)", node.input(1), *why);

    const std::string& out = node.output(0);
    ctx.builder().conv(out, x, wd[0], window, has_bias);
    ctx.define_value(out);
    if (const ir::Int8Weights* q = ctx.int8_weights(node.input(1))) ctx.bind_int8_later(out + ".weight", *q);
    else ctx.bind_later(out + ".weight", std::move(weight_values));
    if (has_bias) ctx.bind_later(out + ".bias", std::move(bias_values));
}

void import_pool(ImportContext& ctx, const onnx::NodeProto& node, bool is_max) {
    ctx.expect_arity(node, 1, 1);
    const std::string& x = ctx.tensor_input(node, 0);
    ir::TensorType xt = require_4d(ctx, node, ctx.type_of(x));
    if (!ctx.attribute(node, "kernel_shape")) ctx.fail(node, "attribute 'kernel_shape' is missing");
    std::vector<int64_t> kernel = pair_attr(ctx, node, "kernel_shape", {}, 1);
    ir::Window window = read_window(ctx, node, xt.dims, kernel[0], kernel[1]);
    int64_t ceil_mode = ctx.attr_int(node, "ceil_mode", 0);
    if (ceil_mode != 0 && ceil_mode != 1) ctx.fail(node, "ceil_mode {} is not 0 or 1", ceil_mode);
    ir::Rounding rounding = ceil_mode ? ir::Rounding::Ceil : ir::Rounding::Floor;
    if (ceil_mode) check_ceil_windows(ctx, node, xt.dims, window);
    const std::string& out = node.output(0);
    if (is_max) {
        int64_t storage_order = ctx.attr_int(node, "storage_order", 0);
        if (storage_order != 0) ctx.fail(node, "storage_order {} is unsupported (only 0)", storage_order);
        ctx.builder().max_pool(out, x, window, rounding);
    } else {
        int64_t include_pad = ctx.attr_int(node, "count_include_pad", 0);
        if (include_pad != 0 && include_pad != 1) ctx.fail(node, "count_include_pad {} is not 0 or 1", include_pad);
        ctx.builder().avg_pool(out, x, window, rounding, include_pad == 1);
    }
    ctx.define_value(out);
}

void import_max_pool(ImportContext& ctx, const onnx::NodeProto& node) { import_pool(ctx, node, true); }
void import_average_pool(ImportContext& ctx, const onnx::NodeProto& node) { import_pool(ctx, node, false); }

void import_global_average_pool(ImportContext& ctx, const onnx::NodeProto& node) {
    ctx.expect_arity(node, 1, 1);
    const std::string& x = ctx.tensor_input(node, 0);
    require_4d(ctx, node, ctx.type_of(x));
    ctx.builder().global_avg_pool(node.output(0), x);
    ctx.define_value(node.output(0));
}

void import_relu(ImportContext& ctx, const onnx::NodeProto& node) {
    ctx.expect_arity(node, 1, 1);
    ctx.builder().relu(node.output(0), ctx.tensor_input(node, 0));
    ctx.define_value(node.output(0));
}

void import_concat(ImportContext& ctx, const onnx::NodeProto& node) {
    ctx.expect_arity(node, 1, -1);
    if (!ctx.attribute(node, "axis")) ctx.fail(node, "attribute 'axis' is missing");
    std::vector<std::string> xs;
    for (int i = 0; i < node.input_size(); ++i) xs.push_back(ctx.tensor_input(node, i));
    const int64_t rank = ctx.type_of(xs[0]).rank();
    int64_t axis = ctx.attr_int(node, "axis", 1);
    if (axis < -rank || axis >= rank) ctx.fail(node, "axis {} is out of range for rank {}", axis, rank);
    if (axis < 0) axis += rank;
    if (axis == 0) ctx.fail(node, "concatenation along the batch axis is unsupported");
    ctx.builder().concat(node.output(0), xs, axis);
    ctx.define_value(node.output(0));
}

void import_add(ImportContext& ctx, const onnx::NodeProto& node) {
    ctx.expect_arity(node, 2, 2);
    const std::string& a = ctx.tensor_input(node, 0);
    const std::string& b = ctx.tensor_input(node, 1);
    ir::TensorType at = ctx.type_of(a), bt = ctx.type_of(b);
    if (at != bt)
        ctx.fail(node, "operands '{}' {} and '{}' {} differ; sqzc supports Add of identical shapes only (no "
                       "broadcasting)", a, to_string(at), b, to_string(bt));
    ctx.builder().add(node.output(0), a, b);
    ctx.define_value(node.output(0));
}

void import_dropout(ImportContext& ctx, const onnx::NodeProto& node) {
    // Opsets 7-11: one input and a `ratio` attribute. From 12: optional ratio and training_mode inputs.
    ctx.expect_arity(node, 1, ctx.opset() >= 12 ? 3 : 1, 2);
    if (node.output_size() > 1 && !node.output(1).empty() && ctx.used(node.output(1)))
        ctx.fail(node, "its mask output '{}' is used; sqzc supports inference-mode Dropout only", node.output(1));
    if (ImportContext::has_input(node, 2)) {
        const onnx::TensorProto* mode = ctx.constant_input(node, 2);
        if (!mode) ctx.fail(node, "training_mode '{}' is not a constant", node.input(2));
        if (read_onnx_bool_scalar(*mode, fmt::format("{}: training_mode '{}'", ctx.describe(node), node.input(2))))
            ctx.fail(node, "training_mode is true; sqzc supports inference-mode Dropout only");
    }
    ctx.builder().dropout(node.output(0), ctx.tensor_input(node, 0));
    ctx.define_value(node.output(0));
}

void import_identity(ImportContext& ctx, const onnx::NodeProto& node) {
    ctx.expect_arity(node, 1, 1);
    if (const onnx::TensorProto* c = ctx.constant_input(node, 0)) {
        ctx.define_constant(node.output(0), c);  // an alias of a constant stays a constant
        return;
    }
    ctx.builder().identity(node.output(0), ctx.tensor_input(node, 0));
    ctx.define_value(node.output(0));
}

void import_constant(ImportContext& ctx, const onnx::NodeProto& node) {
    ctx.expect_arity(node, 0, 0);
    if (node.attribute_size() != 1) ctx.fail(node, "has {} attributes, expected exactly one", node.attribute_size());
    const onnx::AttributeProto& a = node.attribute(0);
    const std::string& out = node.output(0);
    if (a.name() == "value") {
        if (!a.has_t()) ctx.fail(node, "attribute 'value' holds no tensor");
        ctx.define_constant(out, &a.t());
    } else if (a.name() == "value_ints" || a.name() == "value_int") {
        std::vector<int64_t> v = a.name() == "value_int" ? std::vector<int64_t>{ctx.attr_int(node, "value_int", 0)}
                                                         : ctx.attr_ints(node, "value_ints", {});
        onnx::TensorProto& t = ctx.new_constant(out);
        write_onnx_int64s(t, out, v, false);
        if (a.name() == "value_int") t.clear_dims();  // a scalar
    } else {
        ctx.fail(node, "constants given by '{}' are unsupported (only value, value_int, value_ints)", a.name());
    }
}

void import_flatten(ImportContext& ctx, const onnx::NodeProto& node) {
    ctx.expect_arity(node, 1, 1);
    const std::string& x = ctx.tensor_input(node, 0);
    const Dims dims = ctx.type_of(x).dims;
    const int64_t rank = static_cast<int64_t>(dims.size());
    int64_t axis = ctx.attr_int(node, "axis", 1);
    if (axis < -rank || axis > rank) ctx.fail(node, "axis {} is out of range for rank {}", axis, rank);
    if (axis < 0) axis += rank;
    // Flatten(axis) gives [prod(dims[:axis]), prod(dims[axis:])]; that is the IR's Flatten (axis 1)
    // exactly when the dimensions between the batch and `axis` are all 1.
    if (axis == 0 || product(dims, 1, static_cast<size_t>(axis)) != 1)
        ctx.fail(node, "flattening {} at axis {} merges the batch dimension; only axis 1 is supported",
                 ir::dims_to_string(dims), axis);
    ctx.builder().flatten(node.output(0), x);
    ctx.define_value(node.output(0));
}

void import_reshape(ImportContext& ctx, const onnx::NodeProto& node) {
    ctx.expect_arity(node, 2, 2);
    const std::string& x = ctx.tensor_input(node, 0);
    const onnx::TensorProto* shape_tensor = ctx.constant_input(node, 1);
    if (!shape_tensor)
        ctx.fail(node, "shape '{}' is not an initializer or Constant; sqzc needs a constant shape", node.input(1));
    std::vector<int64_t> shape =
        read_onnx_int64s(*shape_tensor, fmt::format("{}: shape '{}'", ctx.describe(node), node.input(1)), 8);
    if (shape_tensor->dims_size() != 1) ctx.fail(node, "shape '{}' is not a 1-D tensor", node.input(1));
    const bool allow_zero = ctx.attr_int(node, "allowzero", 0) != 0;

    // Resolve 0 (copy the input's dimension) and -1 (inferred) against the shape in the file.
    Dims in = ctx.type_of(x).dims;
    in[0] = ctx.file_batch();
    const int64_t total = product(in, 0, in.size());
    Dims out(shape.size());
    int64_t known = 1;
    int inferred = -1;
    for (size_t i = 0; i < shape.size(); ++i) {
        int64_t d = shape[i];
        if (d == 0 && !allow_zero) {
            if (i >= in.size())
                ctx.fail(node, "shape {} copies dimension {}, which the input lacks", ir::dims_to_string(shape), i);
            d = in[i];
        }
        if (d == -1 && inferred < 0) {
            inferred = static_cast<int>(i);
            continue;
        }
        if (d < 1 || d > ir::Limits::max_dim) ctx.fail(node, "shape {} has dimension {}", ir::dims_to_string(shape), d);
        out[i] = d;
        if (d > total / known) {  // the product would exceed the input's size (checked without overflow)
            known = total + 1;
            break;
        }
        known *= d;
    }
    const bool fits = inferred >= 0 ? known <= total && total % known == 0 : known == total;
    if (!fits) ctx.fail(node, "cannot reshape {} to {}", ir::dims_to_string(in), ir::dims_to_string(shape));
    if (inferred >= 0) out[static_cast<size_t>(inferred)] = total / known;
    if (out.empty() || out[0] != ctx.file_batch())
        ctx.fail(node, "reshaping {} to {} does not keep the batch dimension first", ir::dims_to_string(in),
                 ir::dims_to_string(out));
    const std::string& name = node.output(0);
    if (out.size() == 2 && out[1] == product(in, 1, in.size()))
        ctx.builder().flatten(name, x);
    else
        ctx.builder().reshape(name, x, Dims(out.begin() + 1, out.end()));
    ctx.define_value(name);
}

void import_softmax(ImportContext& ctx, const onnx::NodeProto& node) {
    ctx.expect_arity(node, 1, 1);
    const std::string& x = ctx.tensor_input(node, 0);
    const Dims dims = ctx.type_of(x).dims;
    const int64_t rank = static_cast<int64_t>(dims.size());
    int64_t axis = ctx.attr_int(node, "axis", ctx.opset() >= 13 ? -1 : 1);
    if (axis < -rank || axis >= rank) ctx.fail(node, "axis {} is out of range for rank {}", axis, rank);
    if (axis < 0) axis += rank;
    if (axis == 0) ctx.fail(node, "softmax over the batch axis is unsupported");
    // Before opset 13, Softmax normalises over all of dims[axis:] flattened together; that is a
    // softmax over `axis` alone when every later dimension is 1.
    if (ctx.opset() < 13 && product(dims, static_cast<size_t>(axis) + 1, dims.size()) != 1)
        ctx.fail(node, "at opset {} softmax over axis {} of {} normalises several axes together; unsupported",
                 ctx.opset(), axis, ir::dims_to_string(dims));
    ctx.builder().softmax(node.output(0), x, axis);
    ctx.define_value(node.output(0));
}

const std::vector<ConverterEntry>& converters() {
    static const std::vector<ConverterEntry> table = {
        {"Conv", import_conv, {"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"}},
        {"Relu", import_relu, {}},
        {"MaxPool", import_max_pool,
         {"auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "storage_order", "strides"}},
        {"AveragePool", import_average_pool,
         {"auto_pad", "ceil_mode", "count_include_pad", "kernel_shape", "pads", "strides"}},
        {"GlobalAveragePool", import_global_average_pool, {}},
        {"Concat", import_concat, {"axis"}},
        {"Add", import_add, {}},
        {"Dropout", import_dropout, {"ratio", "seed"}},
        {"Flatten", import_flatten, {"axis"}},
        {"Reshape", import_reshape, {"allowzero"}},
        {"Softmax", import_softmax, {"axis"}},
        {"Identity", import_identity, {}},
        {"Constant", import_constant,
         {"value", "value_int", "value_ints", "value_float", "value_floats", "value_string", "value_strings",
          "sparse_value"}},
    };
    return table;
}

}  // namespace

const ConverterEntry* find_converter(std::string_view domain, std::string_view op_type) {
    if (domain == "ai.onnx") domain = "";
    for (const std::vector<ConverterEntry>* table : {&converters(), &qdq_converters()})
        for (const ConverterEntry& e : *table)
            if (e.op_type == op_type && e.domain == domain) return &e;
    return nullptr;
}

void check_attribute_names(const ImportContext& ctx, const onnx::NodeProto& node, const ConverterEntry& entry) {
    for (int i = 0; i < node.attribute_size(); ++i) {
        const std::string& name = node.attribute(i).name();
        if (std::find(entry.attributes.begin(), entry.attributes.end(), name) == entry.attributes.end()) {
            std::string known;
            for (std::string_view a : entry.attributes) known += fmt::format("{}{}", known.empty() ? "" : ", ", a);
            ctx.fail(node, "unknown attribute '{}' ({} has {})", name, node.op_type(),
                     known.empty() ? "no attributes" : known);
        }
        for (int j = 0; j < i; ++j)
            if (node.attribute(j).name() == name) ctx.fail(node, "attribute '{}' is given twice", name);
    }
}

}  // namespace sqz::compiler::onnx_import
