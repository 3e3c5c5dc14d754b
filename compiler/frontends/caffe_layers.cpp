// Caffe layers to IR nodes (see caffe_layers.h). Each rule checks its parameters as Caffe's
// LayerSetUp does, refuses by field what the IR cannot express, and checks every size against
// ir::Limits before the builder creates anything.
#include "compiler/frontends/caffe_layers.h"

#include "ir/shape_inference.h"

#include <string_view>

namespace sqz::compiler {
namespace {

using ir::GraphBuilder;

// A kernel size, stride or pad from the prototxt, checked to lie in [min, Limits::max_dim].
int64_t checked_size(const CaffeContext& c, const CaffeLayer& l, FieldPath path, const char* what, uint64_t value,
                     uint64_t min) {
    if (value < min) c.fail(l, path, "{} {} is out of range (at least {})", what, value, min);
    if (value > static_cast<uint64_t>(ir::Limits::max_dim))
        c.fail(l, path, "{} {} exceeds the limit {}", what, value, ir::Limits::max_dim);
    return static_cast<int64_t>(value);
}

// A signed axis of an input of rank `rank`, counted from the end when negative (Caffe's CanonicalAxisIndex).
int64_t canonical_axis(const CaffeContext& c, const CaffeLayer& l, FieldPath path, int64_t axis, int64_t rank) {
    const int64_t canonical = axis < 0 ? axis + rank : axis;
    if (canonical < 0 || canonical >= rank) c.fail(l, path, "axis {} is out of range for a {}-D input", axis, rank);
    return canonical;
}

void define_single_top(CaffeContext& c, const CaffeLayer& l, const std::string& value) {
    c.define_top(l.param.top(0), value);
}

void input_layer(CaffeContext& c, const CaffeLayer& l) {
    c.require_bottoms(l, 0, 0);
    const caffe::InputParameter& p = l.param.input_param();
    if (l.param.top_size() == 0) c.fail(l, {}, "an Input layer needs at least one top");
    if (p.shape_size() == 0) c.fail(l, {}, "an Input layer needs a shape (input_param {{ shape {{ dim: ... }} }})");
    if (p.shape_size() != 1 && p.shape_size() != l.param.top_size())
        c.fail(l, {"input_param"}, "{} shapes for {} tops (give one shape, or one per top)", p.shape_size(),
               l.param.top_size());
    for (int t = 0; t < l.param.top_size(); ++t) {
        const int s = p.shape_size() == 1 ? 0 : t;
        const std::vector<int64_t> dims(p.shape(s).dim().begin(), p.shape(s).dim().end());
        const std::string& top = l.param.top(t);
        ir::TensorType type = caffe_input_type(
            dims,
            fmt::format("{}: layer '{}': input '{}'", c.where(l, {"input_param", {"shape", s}}), l.param.name(), top));
        c.define_top(top, c.build(l, [&](GraphBuilder& b) { return b.input(top, type); }));
    }
}

void convolution(CaffeContext& c, const CaffeLayer& l) {
    c.require_bottoms(l, 1, 1);
    c.require_one_top(l);
    const caffe::ConvolutionParameter& p = l.param.convolution_param();
    if (!p.has_num_output()) c.fail(l, {"convolution_param"}, "convolution_param.num_output is missing");
    const int64_t out = checked_size(c, l, {"convolution_param", "num_output"}, "num_output", p.num_output(), 1);
    if (p.group() != 1)
        c.fail(l, {"convolution_param", "group"}, "group {} is not supported (only group 1)", p.group());
    for (int i = 0; i < p.dilation_size(); ++i)
        if (p.dilation(i) != 1)
            c.fail(l, {"convolution_param", {"dilation", i}}, "dilation {} is not supported (only dilation 1)",
                   p.dilation(i));
    if (p.axis() != 1)
        c.fail(l, {"convolution_param", "axis"}, "axis {} is not supported (channels must be axis 1)", p.axis());

    ir::Window w;
    if (p.has_kernel_h() || p.has_kernel_w()) {
        if (p.kernel_size_size() > 0)
            c.fail(l, {"convolution_param", "kernel_h"}, "give kernel_size or kernel_h and kernel_w, not both");
        if (!p.has_kernel_h() || !p.has_kernel_w())
            c.fail(l, {"convolution_param"}, "kernel_h and kernel_w must be given together");
        w.kernel_h = checked_size(c, l, {"convolution_param", "kernel_h"}, "kernel_h", p.kernel_h(), 1);
        w.kernel_w = checked_size(c, l, {"convolution_param", "kernel_w"}, "kernel_w", p.kernel_w(), 1);
    } else {
        const int n = p.kernel_size_size();
        if (n == 0)
            c.fail(l, {"convolution_param"}, "the kernel size is missing (kernel_size, or kernel_h and kernel_w)");
        if (n > 2)
            c.fail(l, {"convolution_param", {"kernel_size", 2}},
                   "{} kernel sizes given; only 2-D convolution is supported (1 or 2 values)", n);
        w.kernel_h = checked_size(c, l, {"convolution_param", {"kernel_size", 0}}, "kernel_size", p.kernel_size(0), 1);
        w.kernel_w =
            checked_size(c, l, {"convolution_param", {"kernel_size", n - 1}}, "kernel_size", p.kernel_size(n - 1), 1);
    }
    if (p.dilation_size() > 2)
        c.fail(l, {"convolution_param", {"dilation", 2}}, "{} dilations given; only 2-D convolution is supported",
               p.dilation_size());

    int64_t pad_h = 0, pad_w = 0;
    if (p.has_pad_h() || p.has_pad_w()) {
        if (p.pad_size() > 0) c.fail(l, {"convolution_param", "pad_h"}, "give pad or pad_h and pad_w, not both");
        pad_h = checked_size(c, l, {"convolution_param", "pad_h"}, "pad_h", p.pad_h(), 0);
        pad_w = checked_size(c, l, {"convolution_param", "pad_w"}, "pad_w", p.pad_w(), 0);
    } else if (p.pad_size() > 0) {
        const int n = p.pad_size();
        if (n > 2) c.fail(l, {"convolution_param", {"pad", 2}}, "{} pads given; only 2-D convolution is supported", n);
        pad_h = checked_size(c, l, {"convolution_param", {"pad", 0}}, "pad", p.pad(0), 0);
        pad_w = checked_size(c, l, {"convolution_param", {"pad", n - 1}}, "pad", p.pad(n - 1), 0);
    }
    w.pad_top = w.pad_bottom = pad_h;
    w.pad_left = w.pad_right = pad_w;

    if (p.has_stride_h() || p.has_stride_w()) {
        if (p.stride_size() > 0)
            c.fail(l, {"convolution_param", "stride_h"}, "give stride or stride_h and stride_w, not both");
        if (!p.has_stride_h() || !p.has_stride_w())
            c.fail(l, {"convolution_param"}, "stride_h and stride_w must be given together");
        w.stride_h = checked_size(c, l, {"convolution_param", "stride_h"}, "stride_h", p.stride_h(), 1);
        w.stride_w = checked_size(c, l, {"convolution_param", "stride_w"}, "stride_w", p.stride_w(), 1);
    } else if (p.stride_size() > 0) {
        const int n = p.stride_size();
        if (n > 2)
            c.fail(l, {"convolution_param", {"stride", 2}}, "{} strides given; only 2-D convolution is supported", n);
        w.stride_h = checked_size(c, l, {"convolution_param", {"stride", 0}}, "stride", p.stride(0), 1);
        w.stride_w = checked_size(c, l, {"convolution_param", {"stride", n - 1}}, "stride", p.stride(n - 1), 1);
    }

    const std::string x = c.bottom(l, 0);
    const bool bias = p.bias_term();
    define_single_top(c, l, c.build(l, [&](GraphBuilder& b) { return b.conv(l.param.name(), x, out, w, bias); }));
}

void relu(CaffeContext& c, const CaffeLayer& l) {
    c.require_bottoms(l, 1, 1);
    c.require_one_top(l);
    const float slope = l.param.relu_param().negative_slope();
    if (slope != 0.0f)
        c.fail(l, {"relu_param", "negative_slope"}, "negative_slope {} is not supported (leaky ReLU); only 0", slope);
    const std::string x = c.bottom(l, 0);
    define_single_top(c, l, c.build(l, [&](GraphBuilder& b) { return b.relu(l.param.name(), x); }));
}

// Pooling window of a non-global Pooling layer, with Caffe's rules for kernel, pad and stride.
ir::Window pooling_window(const CaffeContext& c, const CaffeLayer& l, const caffe::PoolingParameter& p) {
    ir::Window w;
    if (p.has_kernel_size()) {
        if (p.has_kernel_h() || p.has_kernel_w())
            c.fail(l, {"pooling_param", "kernel_h"}, "give kernel_size or kernel_h and kernel_w, not both");
        w.kernel_h = w.kernel_w =
            checked_size(c, l, {"pooling_param", "kernel_size"}, "kernel_size", p.kernel_size(), 1);
    } else if (p.has_kernel_h() && p.has_kernel_w()) {
        w.kernel_h = checked_size(c, l, {"pooling_param", "kernel_h"}, "kernel_h", p.kernel_h(), 1);
        w.kernel_w = checked_size(c, l, {"pooling_param", "kernel_w"}, "kernel_w", p.kernel_w(), 1);
    } else {
        c.fail(l, {"pooling_param"}, "the kernel size is missing (kernel_size, or kernel_h and kernel_w)");
    }
    int64_t pad_h = 0, pad_w = 0;
    if (p.has_pad_h() || p.has_pad_w()) {
        if (p.has_pad() || !p.has_pad_h() || !p.has_pad_w())
            c.fail(l, {"pooling_param", "pad_h"}, "give pad, or both pad_h and pad_w");
        pad_h = checked_size(c, l, {"pooling_param", "pad_h"}, "pad_h", p.pad_h(), 0);
        pad_w = checked_size(c, l, {"pooling_param", "pad_w"}, "pad_w", p.pad_w(), 0);
    } else {
        pad_h = pad_w = checked_size(c, l, {"pooling_param", "pad"}, "pad", p.pad(), 0);
    }
    if ((pad_h > 0 || pad_w > 0) && (pad_h >= w.kernel_h || pad_w >= w.kernel_w))
        c.fail(l, {"pooling_param"}, "padding {}x{} must be smaller than the kernel {}x{}", pad_h, pad_w, w.kernel_h,
               w.kernel_w);
    w.pad_top = w.pad_bottom = pad_h;
    w.pad_left = w.pad_right = pad_w;
    if (p.has_stride_h() || p.has_stride_w()) {
        if (p.has_stride() || !p.has_stride_h() || !p.has_stride_w())
            c.fail(l, {"pooling_param", "stride_h"}, "give stride, or both stride_h and stride_w");
        w.stride_h = checked_size(c, l, {"pooling_param", "stride_h"}, "stride_h", p.stride_h(), 1);
        w.stride_w = checked_size(c, l, {"pooling_param", "stride_w"}, "stride_w", p.stride_w(), 1);
    } else {
        w.stride_h = w.stride_w = checked_size(c, l, {"pooling_param", "stride"}, "stride", p.stride(), 1);
    }
    return w;
}

// Caffe's pooled size along one axis (PoolingLayer::Reshape): it drops a last window that would
// start in the padding only when there is padding.
int64_t caffe_pooled_size(int64_t in, int64_t kernel, int64_t stride, int64_t pad, ir::Rounding rounding) {
    const int64_t span = in + 2 * pad - kernel;
    if (span < 0) return 0;
    int64_t out = (rounding == ir::Rounding::Ceil ? (span + stride - 1) / stride : span / stride) + 1;
    if (pad > 0 && (out - 1) * stride >= in + pad) --out;
    return out;
}

// Refuses the one window the IR's rounding rule treats differently from Caffe: without padding and
// with a stride larger than the kernel, Caffe keeps a last window that lies wholly past the input.
void check_caffe_pooled_size(const CaffeContext& c, const CaffeLayer& l, const ir::TensorType& x, const ir::Window& w,
                             ir::Rounding rounding) {
    if (x.rank() != 4) return;  // the builder reports it
    const struct {
        const char* axis;
        int64_t in, kernel, stride, pad;
    } axes[] = {{"height", x.dims[2], w.kernel_h, w.stride_h, w.pad_top},
                {"width", x.dims[3], w.kernel_w, w.stride_w, w.pad_left}};
    for (const auto& a : axes) {
        const int64_t ours = ir::window_output_size(a.in, a.kernel, a.stride, a.pad, a.pad, rounding);
        const int64_t caffe = caffe_pooled_size(a.in, a.kernel, a.stride, a.pad, rounding);
        if (ours >= 1 && ours != caffe)
            c.fail(l, {"pooling_param"},
                   "Caffe gives this pooling {} windows along the {} ({} input, kernel {}, stride {}), the last of "
                   "them wholly outside the input; sqzc does not reproduce such empty windows",
                   caffe, a.axis, a.in, a.kernel, a.stride);
    }
}

void pooling(CaffeContext& c, const CaffeLayer& l) {
    c.require_bottoms(l, 1, 1);
    c.require_one_top(l);
    const caffe::PoolingParameter& p = l.param.pooling_param();
    if (p.pool() == caffe::PoolingParameter::STOCHASTIC)
        c.fail(l, {"pooling_param", "pool"}, "pooling method STOCHASTIC is not supported (only MAX and AVE)");
    const bool average = p.pool() == caffe::PoolingParameter::AVE;
    const std::string& name = l.param.name();

    if (p.global_pooling()) {
        if (p.has_kernel_size() || p.has_kernel_h() || p.has_kernel_w())
            c.fail(l, {"pooling_param", "global_pooling"}, "global pooling takes no kernel size");
        const bool unit_stride =
            p.stride() == 1 && (!p.has_stride_h() || p.stride_h() == 1) && (!p.has_stride_w() || p.stride_w() == 1);
        if (p.pad() != 0 || p.pad_h() != 0 || p.pad_w() != 0 || !unit_stride)
            c.fail(l, {"pooling_param", "global_pooling"}, "global pooling needs pad 0 and stride 1");
        const std::string x = c.bottom(l, 0);
        if (average) {
            define_single_top(c, l, c.build(l, [&](GraphBuilder& b) { return b.global_avg_pool(name, x); }));
            return;
        }
        const ir::TensorType t = c.builder().type_of(x);
        if (t.rank() != 4) c.fail(l, {}, "global pooling needs a 4-D NCHW input, got {}", ir::to_string(t));
        const ir::Window w{t.dims[2], t.dims[3], 1, 1, 0, 0, 0, 0};
        define_single_top(c, l,
                          c.build(l, [&](GraphBuilder& b) { return b.max_pool(name, x, w, ir::Rounding::Floor); }));
        return;
    }

    const ir::Window w = pooling_window(c, l, p);
    // Caffe rounds the output size up unless told otherwise; average pooling divides by the window
    // clipped to the padded input, so padding counts.
    const ir::Rounding rounding =
        p.round_mode() == caffe::PoolingParameter::FLOOR ? ir::Rounding::Floor : ir::Rounding::Ceil;
    const std::string x = c.bottom(l, 0);
    check_caffe_pooled_size(c, l, c.builder().type_of(x), w, rounding);
    define_single_top(c, l, c.build(l, [&](GraphBuilder& b) {
        return average ? b.avg_pool(name, x, w, rounding, true) : b.max_pool(name, x, w, rounding);
    }));
}

void concat(CaffeContext& c, const CaffeLayer& l) {
    c.require_bottoms(l, 1, -1);
    c.require_one_top(l);
    const caffe::ConcatParameter& p = l.param.concat_param();
    if (p.has_axis() && p.has_concat_dim()) c.fail(l, {"concat_param"}, "give axis or concat_dim, not both");
    std::vector<std::string> xs;
    for (int i = 0; i < l.param.bottom_size(); ++i) xs.push_back(c.bottom(l, i));
    const int64_t rank = c.builder().type_of(xs[0]).rank();
    const int64_t axis = p.has_concat_dim() ? canonical_axis(c, l, {"concat_param", "concat_dim"}, p.concat_dim(), rank)
                                            : canonical_axis(c, l, {"concat_param", "axis"}, p.axis(), rank);
    if (axis == 0) c.fail(l, {"concat_param"}, "concatenation along the batch axis (0) is not supported");
    define_single_top(c, l, c.build(l, [&](GraphBuilder& b) { return b.concat(l.param.name(), xs, axis); }));
}

void dropout(CaffeContext& c, const CaffeLayer& l) {
    c.require_bottoms(l, 1, 1);
    c.require_one_top(l);
    const std::string x = c.bottom(l, 0);
    define_single_top(c, l, c.build(l, [&](GraphBuilder& b) { return b.dropout(l.param.name(), x); }));
}

void softmax(CaffeContext& c, const CaffeLayer& l) {
    c.require_bottoms(l, 1, 1);
    c.require_one_top(l);
    const std::string x = c.bottom(l, 0);
    const int64_t rank = c.builder().type_of(x).rank();
    const int64_t axis = canonical_axis(c, l, {"softmax_param", "axis"}, l.param.softmax_param().axis(), rank);
    if (axis == 0) c.fail(l, {"softmax_param", "axis"}, "softmax over the batch axis (0) is not supported");
    define_single_top(c, l, c.build(l, [&](GraphBuilder& b) { return b.softmax(l.param.name(), x, axis); }));
}

void eltwise(CaffeContext& c, const CaffeLayer& l) {
    c.require_bottoms(l, 2, -1);
    c.require_one_top(l);
    const caffe::EltwiseParameter& p = l.param.eltwise_param();
    if (p.operation() != caffe::EltwiseParameter::SUM)
        c.fail(l, {"eltwise_param", "operation"}, "Eltwise operation {} is not supported (only SUM)",
               caffe::EltwiseParameter::EltwiseOp_Name(p.operation()));
    if (p.coeff_size() != 0 && p.coeff_size() != l.param.bottom_size())
        c.fail(l, {"eltwise_param", "coeff"}, "{} coefficients for {} bottoms (give none or one per bottom)",
               p.coeff_size(), l.param.bottom_size());
    for (int i = 0; i < p.coeff_size(); ++i)
        if (p.coeff(i) != 1.0f)
            c.fail(l, {"eltwise_param", {"coeff", i}}, "Eltwise coefficient {} is not supported (only 1: a plain sum)",
                   p.coeff(i));
    std::vector<std::string> xs;
    for (int i = 0; i < l.param.bottom_size(); ++i) xs.push_back(c.bottom(l, i));
    // A sum of n bottoms is a chain of n-1 adds; the last carries the layer's name.
    std::string sum = xs[0];
    for (size_t i = 1; i < xs.size(); ++i) {
        const std::string name = i + 1 == xs.size() ? l.param.name() : fmt::format("{}/add{}", l.param.name(), i);
        sum = c.build(l, [&](GraphBuilder& b) { return b.add(name, sum, xs[i]); });
    }
    define_single_top(c, l, sum);
}

void flatten(CaffeContext& c, const CaffeLayer& l) {
    c.require_bottoms(l, 1, 1);
    c.require_one_top(l);
    const caffe::FlattenParameter& p = l.param.flatten_param();
    const std::string x = c.bottom(l, 0);
    const int64_t rank = c.builder().type_of(x).rank();
    const int64_t first = canonical_axis(c, l, {"flatten_param", "axis"}, p.axis(), rank);
    const int64_t last = canonical_axis(c, l, {"flatten_param", "end_axis"}, p.end_axis(), rank);
    if (first != 1 || last != rank - 1)
        c.fail(l, {"flatten_param"}, "only flattening axes 1 to {} is supported, this layer flattens axes {} to {}",
               rank - 1, first, last);
    define_single_top(c, l, c.build(l, [&](GraphBuilder& b) { return b.flatten(l.param.name(), x); }));
}

struct LayerRule {
    std::string_view type;
    void (*convert)(CaffeContext&, const CaffeLayer&);
};

constexpr LayerRule kRules[] = {
    {"Input", input_layer},
    {"Convolution", convolution},
    {"ReLU", relu},
    {"Pooling", pooling},
    {"Concat", concat},
    {"Dropout", dropout},
    {"Softmax", softmax},
    {"Eltwise", eltwise},
    {"Flatten", flatten},
};

constexpr std::string_view kDataLayers[] = {"Data",       "ImageData", "HDF5Data",      "MemoryData",
                                            "WindowData", "DummyData", "AnnotatedData", "VideoData"};

bool is_training_layer(std::string_view type) {
    constexpr std::string_view loss = "Loss";
    const bool ends_in_loss = type.size() >= loss.size() && type.substr(type.size() - loss.size()) == loss;
    return ends_in_loss || type == "Accuracy";
}

std::string supported_types() {
    std::string out;
    for (const LayerRule& rule : kRules) out += (out.empty() ? "" : ", ") + std::string(rule.type);
    return out;
}

}  // namespace

ir::TensorType caffe_input_type(const std::vector<int64_t>& dims, const std::string& where) {
    if (dims.size() < 2)
        user_error("{}: shape {} needs a batch dimension and at least one more", where, ir::dims_to_string(dims));
    for (size_t i = 0; i < dims.size(); ++i)
        if (dims[i] < 1 || dims[i] > ir::Limits::max_dim)
            user_error("{}: dimension {} of shape {} is out of range (1 to {})", where, i, ir::dims_to_string(dims),
                       ir::Limits::max_dim);
    // The batch dimension of the file is dropped: the graph's batch is sqzc's to set.
    ir::Dims per_sample(dims.begin() + 1, dims.end());
    if (!ir::checked_numel(per_sample))
        user_error("{}: shape {} has more than {} elements per sample", where, ir::dims_to_string(dims),
                   ir::Limits::max_elements);
    return {ir::DType::F32, per_sample};
}

void convert_caffe_layer(CaffeContext& context, const CaffeLayer& layer) {
    const std::string& type = layer.param.type();
    if (type.empty()) context.fail(layer, {}, "the layer has no type");
    for (const LayerRule& rule : kRules)
        if (rule.type == type) return rule.convert(context, layer);
    for (std::string_view data : kDataLayers)
        if (data == type)
            context.fail(layer, {"type"},
                         "layer type '{}' reads training data; sqzc needs a deploy prototxt that declares its input "
                         "(an Input layer, or input with input_shape or input_dim)",
                         type);
    if (is_training_layer(type))
        context.fail(layer, {"type"}, "layer type '{}' belongs to training (loss or accuracy); use a deploy prototxt",
                     type);
    context.fail(layer, {"type"}, "unsupported layer type '{}' (sqzc reads {})", type, supported_types());
}

}  // namespace sqz::compiler
