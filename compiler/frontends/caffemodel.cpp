// caffemodel frontend (see caffemodel.h): a binary NetParameter whose layers carry blobs. Each
// convolution of the graph takes blobs[0] (weights O x I x kh x kw) and blobs[1] (bias O) of the
// layer with its name; every count and shape is checked before a value is bound.
#include "compiler/frontends/caffemodel.h"

#include "compiler/file_io.h"
#include "compiler/frontends/caffe_net.h"
#include "ir/error.h"

#include <google/protobuf/io/coded_stream.h>

#include <climits>
#include <cmath>
#include <map>
#include <optional>

namespace sqz::compiler {
namespace {

// A layer of the weights file, without copying its blobs.
struct WeightsLayer {
    std::string type;
    const google::protobuf::RepeatedPtrField<caffe::BlobProto>* blobs = nullptr;
    int count = 0;  // how many layers of the file have this name
};

std::map<std::string, WeightsLayer> index_layers(const caffe::NetParameter& net, const std::string& file) {
    if (net.layer_size() > 0 && net.layers_size() > 0)
        user_error("{}: the caffemodel has both 'layer' entries and legacy V1 'layers' entries; use one form", file);
    std::map<std::string, WeightsLayer> layers;
    for (const caffe::LayerParameter& l : net.layer()) {
        WeightsLayer& entry = layers[l.name()];
        entry = {l.type(), &l.blobs(), entry.count + 1};
    }
    for (const caffe::V1LayerParameter& l : net.layers()) {
        WeightsLayer& entry = layers[l.name()];
        entry = {caffe_v1_type_name(l.type()), &l.blobs(), entry.count + 1};
    }
    return layers;
}

// The dimensions a blob declares: its `shape`, else the legacy num/channels/height/width, else none.
std::optional<ir::Dims> blob_dims(const caffe::BlobProto& blob) {
    if (blob.has_shape()) return ir::Dims(blob.shape().dim().begin(), blob.shape().dim().end());
    if (blob.has_num() || blob.has_channels() || blob.has_height() || blob.has_width())
        return ir::Dims{blob.num(), blob.channels(), blob.height(), blob.width()};
    return std::nullopt;
}

// Checks one blob against the constant it fills and returns its values as float32. `legacy_ok`
// is the shape Caffe's legacy 4-D form gives the same blob (a bias of O values is 1 x 1 x 1 x O).
std::vector<float> blob_values(const caffe::BlobProto& blob, const ir::Constant& target, const ir::Dims& legacy_ok,
                               const std::string& where, const char* what) {
    const ir::Dims& expected = target.type.dims;
    const int64_t numel = target.type.numel();
    if (blob.data_size() > 0 && blob.double_data_size() > 0)
        user_error("{}: {} blob has both float data ({} values) and double data ({} values)", where, what,
                   blob.data_size(), blob.double_data_size());
    const int64_t count = blob.data_size() > 0 ? blob.data_size() : blob.double_data_size();
    if (count != numel)
        user_error("{}: {} blob has {} values, expected {} (shape {})", where, what, count, numel,
                   ir::dims_to_string(expected));
    const std::optional<ir::Dims> dims = blob_dims(blob);
    if (!dims) user_error("{}: {} blob has no shape, expected {}", where, what, ir::dims_to_string(expected));
    if (*dims != expected && *dims != legacy_ok)
        user_error("{}: {} blob has shape {}, expected {}", where, what, ir::dims_to_string(*dims),
                   ir::dims_to_string(expected));

    std::vector<float> values(static_cast<size_t>(numel));
    for (int i = 0; i < static_cast<int>(numel); ++i)
        values[static_cast<size_t>(i)] = blob.data_size() > 0 ? blob.data(i) : static_cast<float>(blob.double_data(i));
    // Non-finite weights would poison every output that depends on them; refuse them here, where
    // the layer can still be named.
    for (size_t i = 0; i < values.size(); ++i)
        if (!std::isfinite(values[i]))
            user_error("{}: {} value {} is {}{}", where, what, i, values[i],
                       blob.data_size() > 0 ? "" : " in float32 (the file stores doubles)");
    return values;
}

}  // namespace

void bind_caffemodel_bytes(ir::Graph& graph, std::string_view bytes, const std::string& file) {
    if (bytes.empty()) user_error("{}: the file is empty, not a caffemodel", file);
    if (bytes.size() > static_cast<size_t>(INT_MAX))
        user_error("{}: {} bytes exceed protobuf's 2 GiB message limit", file, bytes.size());
    caffe::NetParameter net;
    google::protobuf::io::CodedInputStream stream(reinterpret_cast<const uint8_t*>(bytes.data()),
                                                  static_cast<int>(bytes.size()));
    stream.SetTotalBytesLimit(INT_MAX);
    if (!net.ParseFromCodedStream(&stream) || !stream.ConsumedEntireMessage())
        user_error("{}: not a valid caffemodel (protobuf parse failed)", file);

    const std::map<std::string, WeightsLayer> layers = index_layers(net, file);
    int convs = 0;
    for (const ir::Node& node : graph.nodes) {
        if (node.op != ir::OpKind::Conv) continue;
        ++convs;
        const std::string where = fmt::format("{}: layer '{}'", file, node.name);
        auto it = layers.find(node.name);
        if (it == layers.end())
            user_error("{}: no layer '{}' in the caffemodel to take its weights from", file, node.name);
        const WeightsLayer& layer = it->second;
        if (layer.count > 1) user_error("{} appears {} times in the caffemodel", where, layer.count);
        if (!layer.type.empty() && layer.type != "Convolution")
            user_error("{} has type '{}' in the caffemodel, but is a convolution in the model", where, layer.type);

        ir::Constant* weight = graph.find_constant(node.inputs.at(1));
        ir::Constant* bias = node.inputs.size() > 2 ? graph.find_constant(node.inputs[2]) : nullptr;
        SQZ_ASSERT(weight != nullptr, "conv '{}' has no weight constant", node.name);
        const int expected_blobs = bias ? 2 : 1;
        if (layer.blobs->size() != expected_blobs)
            user_error("{} has {} blob{}, expected {} ({})", where, layer.blobs->size(),
                       layer.blobs->size() == 1 ? "" : "s", expected_blobs,
                       bias ? "weights and bias" : "weights only: the layer has bias_term: false");

        std::vector<float> w = blob_values(layer.blobs->Get(0), *weight, weight->type.dims, where, "weight");
        std::vector<float> b;
        if (bias) {
            const int64_t out = bias->type.dims.at(0);
            b = blob_values(layer.blobs->Get(1), *bias, {1, 1, 1, out}, where, "bias");
        }
        // Bind only after both blobs passed their checks, so a failure leaves the layer untouched.
        weight->bind(std::move(w));
        weight->codebook = nullptr;
        if (bias) {
            bias->bind(std::move(b));
            bias->codebook = nullptr;
        }
    }
    if (convs == 0) user_error("{}: the model has no convolution layers to bind", file);
}

void bind_caffemodel(ir::Graph& graph, const std::string& path) { bind_caffemodel_bytes(graph, read_file(path), path); }

}  // namespace sqz::compiler
