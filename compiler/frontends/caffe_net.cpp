// Layers of a Caffe net in one form, and Caffe's include/exclude rules (see caffe_net.h).
#include "compiler/frontends/caffe_net.h"

#include "ir/error.h"

#include <algorithm>

namespace sqz::compiler {
namespace {

caffe::LayerParameter upgrade_v1(const caffe::V1LayerParameter& v1) {
    caffe::LayerParameter out;
    out.set_name(v1.name());
    out.set_type(caffe_v1_type_name(v1.type()));
    *out.mutable_bottom() = v1.bottom();
    *out.mutable_top() = v1.top();
    *out.mutable_include() = v1.include();
    *out.mutable_exclude() = v1.exclude();
    // The parameter messages the prototxt frontend reads; other layer types are refused by type.
    if (v1.has_concat_param()) *out.mutable_concat_param() = v1.concat_param();
    if (v1.has_convolution_param()) *out.mutable_convolution_param() = v1.convolution_param();
    if (v1.has_dropout_param()) *out.mutable_dropout_param() = v1.dropout_param();
    if (v1.has_eltwise_param()) *out.mutable_eltwise_param() = v1.eltwise_param();
    if (v1.has_pooling_param()) *out.mutable_pooling_param() = v1.pooling_param();
    if (v1.has_relu_param()) *out.mutable_relu_param() = v1.relu_param();
    if (v1.has_softmax_param()) *out.mutable_softmax_param() = v1.softmax_param();
    return out;
}

bool has_stage(const caffe::NetState& state, const std::string& stage) {
    return std::find(state.stage().begin(), state.stage().end(), stage) != state.stage().end();
}

bool state_meets_rule(const caffe::NetState& state, const caffe::NetStateRule& rule) {
    if (rule.has_phase() && rule.phase() != state.phase()) return false;
    if (rule.has_min_level() && state.level() < rule.min_level()) return false;
    if (rule.has_max_level() && state.level() > rule.max_level()) return false;
    for (const std::string& stage : rule.stage())
        if (!has_stage(state, stage)) return false;
    for (const std::string& stage : rule.not_stage())
        if (has_stage(state, stage)) return false;
    return true;
}

}  // namespace

std::vector<CaffeLayer> caffe_layers(const caffe::NetParameter& net, const std::string& file) {
    if (net.layer_size() > 0 && net.layers_size() > 0)
        user_error("{}: the net has both 'layer' entries and legacy V1 'layers' entries; use one form", file);
    std::vector<CaffeLayer> layers;
    layers.reserve(static_cast<size_t>(net.layer_size() + net.layers_size()));
    for (int i = 0; i < net.layer_size(); ++i) {
        CaffeLayer layer{net.layer(i), i, false, net.layer(i).blobs_size()};
        layer.param.clear_blobs();
        layers.push_back(std::move(layer));
    }
    for (int i = 0; i < net.layers_size(); ++i)
        layers.push_back({upgrade_v1(net.layers(i)), i, true, net.layers(i).blobs_size()});
    return layers;
}

std::string caffe_v1_type_name(caffe::V1LayerParameter::LayerType type) {
    using V1 = caffe::V1LayerParameter;
    switch (type) {
    case V1::NONE: return "";
    case V1::ABSVAL: return "AbsVal";
    case V1::ACCURACY: return "Accuracy";
    case V1::ARGMAX: return "ArgMax";
    case V1::BNLL: return "BNLL";
    case V1::CONCAT: return "Concat";
    case V1::CONTRASTIVE_LOSS: return "ContrastiveLoss";
    case V1::CONVOLUTION: return "Convolution";
    case V1::DATA: return "Data";
    case V1::DECONVOLUTION: return "Deconvolution";
    case V1::DROPOUT: return "Dropout";
    case V1::DUMMY_DATA: return "DummyData";
    case V1::EUCLIDEAN_LOSS: return "EuclideanLoss";
    case V1::ELTWISE: return "Eltwise";
    case V1::EXP: return "Exp";
    case V1::FLATTEN: return "Flatten";
    case V1::HDF5_DATA: return "HDF5Data";
    case V1::HDF5_OUTPUT: return "HDF5Output";
    case V1::HINGE_LOSS: return "HingeLoss";
    case V1::IM2COL: return "Im2col";
    case V1::IMAGE_DATA: return "ImageData";
    case V1::INFOGAIN_LOSS: return "InfogainLoss";
    case V1::INNER_PRODUCT: return "InnerProduct";
    case V1::LRN: return "LRN";
    case V1::MEMORY_DATA: return "MemoryData";
    case V1::MULTINOMIAL_LOGISTIC_LOSS: return "MultinomialLogisticLoss";
    case V1::MVN: return "MVN";
    case V1::POOLING: return "Pooling";
    case V1::POWER: return "Power";
    case V1::RELU: return "ReLU";
    case V1::SIGMOID: return "Sigmoid";
    case V1::SIGMOID_CROSS_ENTROPY_LOSS: return "SigmoidCrossEntropyLoss";
    case V1::SILENCE: return "Silence";
    case V1::SOFTMAX: return "Softmax";
    case V1::SOFTMAX_LOSS: return "SoftmaxWithLoss";
    case V1::SPLIT: return "Split";
    case V1::SLICE: return "Slice";
    case V1::TANH: return "TanH";
    case V1::WINDOW_DATA: return "WindowData";
    case V1::THRESHOLD: return "Threshold";
    }
    return "V1 type " + std::to_string(static_cast<int>(type));
}

bool caffe_layer_included(const caffe::LayerParameter& layer, const caffe::NetState& state) {
    if (layer.include_size() > 0)
        return std::any_of(layer.include().begin(), layer.include().end(),
                           [&](const caffe::NetStateRule& rule) { return state_meets_rule(state, rule); });
    return std::none_of(layer.exclude().begin(), layer.exclude().end(),
                        [&](const caffe::NetStateRule& rule) { return state_meets_rule(state, rule); });
}

}  // namespace sqz::compiler
