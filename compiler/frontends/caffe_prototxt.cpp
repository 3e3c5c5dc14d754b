// Caffe prototxt frontend (see caffe_prototxt.h): the protobuf text format into a NetParameter,
// keeping every field's location, then the net's inputs and its TEST-phase layers, in file order,
// into a graph. The layer rules live in caffe_layers.cpp, the shared state in caffe_context.cpp.
#include "compiler/frontends/caffe_prototxt.h"

#include "compiler/file_io.h"
#include "compiler/frontends/caffe_context.h"
#include "compiler/frontends/caffe_layers.h"
#include "compiler/frontends/caffe_net.h"

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/text_format.h>

#include <cctype>
#include <climits>
#include <filesystem>
#include <map>

namespace sqz::compiler {
namespace {

using ParseInfoTree = google::protobuf::TextFormat::ParseInfoTree;

// Keeps the first syntax error as "file:line:col: message" (protobuf counts from 0, people from 1).
class SyntaxErrors : public google::protobuf::io::ErrorCollector {
public:
    explicit SyntaxErrors(const std::string& file) : file_(file) {}

    void AddError(int line, google::protobuf::io::ColumnNumber column, const std::string& message) override {
        if (!first_.empty()) return;
        std::string text = message;
        if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
        first_ = line < 0 ? fmt::format("{}: {}", file_, text)
                          : fmt::format("{}:{}:{}: {}", file_, line + 1, column + 1, text);
    }

    const std::string& first() const { return first_; }

private:
    const std::string& file_;
    std::string first_;
};

caffe::NetParameter parse_text(std::string_view text, const std::string& file, ParseInfoTree& tree) {
    if (text.size() > static_cast<size_t>(INT_MAX))
        user_error("{}: {} bytes is more than a prototxt may have ({})", file, text.size(), INT_MAX);
    SyntaxErrors errors(file);
    google::protobuf::TextFormat::Parser parser;
    parser.RecordErrorsTo(&errors);
    parser.WriteLocationsTo(&tree);
    google::protobuf::io::ArrayInputStream stream(text.data(), static_cast<int>(text.size()));
    caffe::NetParameter net;
    if (!parser.Parse(&stream, &net))
        throw Error(errors.first().empty() ? file + ": not a valid Caffe prototxt" : errors.first());
    return net;
}

// The legacy net-level declaration: `input` names with one `input_shape` each, or four
// `input_dim` values each (N, C, H, W).
void declare_net_inputs(const caffe::NetParameter& net, CaffeContext& c) {
    const int n = net.input_size();
    const int shapes = net.input_shape_size();
    const int dims = net.input_dim_size();
    if (n == 0) {
        if (shapes > 0 || dims > 0)
            user_error("{}: {} given without an input name (input: \"...\")",
                       c.where_net(shapes > 0 ? "input_shape" : "input_dim", 0),
                       shapes > 0 ? "input_shape" : "input_dim");
        return;
    }
    if (shapes > 0 && dims > 0) user_error("{}: give input_shape or input_dim, not both", c.where_net("input_dim", 0));
    if (shapes > 0 && shapes != n)
        user_error("{}: {} input_shape entries for {} inputs (one per input)", c.where_net("input_shape", 0), shapes,
                   n);
    if (dims > 0 && dims != 4 * n)
        user_error("{}: {} input_dim values for {} input{} (four per input: N, C, H, W)", c.where_net("input_dim", 0),
                   dims, n, n == 1 ? "" : "s");
    for (int i = 0; i < n; ++i) {
        const std::string& name = net.input(i);
        const std::string where = c.where_net("input", i);
        if (shapes == 0 && dims == 0)
            user_error("{}: input '{}' has no shape (give input_shape or input_dim)", where, name);
        std::vector<int64_t> shape;
        if (shapes > 0)
            shape.assign(net.input_shape(i).dim().begin(), net.input_shape(i).dim().end());
        else
            for (int k = 0; k < 4; ++k) shape.push_back(net.input_dim(4 * i + k));
        const ir::TensorType type = caffe_input_type(shape, fmt::format("{}: input '{}'", where, name));
        try {
            c.builder().input(name, type);
        } catch (const Error& e) {
            user_error("{}: {}", where, e.what());
        }
        c.define_top(name, name);
    }
}

std::string graph_name(const caffe::NetParameter& net, const std::string& file) {
    if (!net.name().empty()) return net.name();
    std::string stem = std::filesystem::path(file).stem().string();
    return stem.empty() ? "model" : stem;
}

}  // namespace

ir::Graph parse_caffe_prototxt(std::string_view text, const std::string& file) {
    ParseInfoTree tree;
    const caffe::NetParameter net = parse_text(text, file, tree);
    CaffeContext c(file, graph_name(net, file), &tree);

    const std::vector<CaffeLayer> layers = caffe_layers(net, file);
    if (layers.empty()) user_error("{}: the net has no layers", file);

    // Inference runs the net in phase TEST; level and stages are the file's own.
    caffe::NetState state = net.state();
    state.set_phase(caffe::TEST);
    std::vector<const CaffeLayer*> included;
    bool has_input_layer = false;
    for (const CaffeLayer& layer : layers) {
        if (layer.param.include_size() > 0 && layer.param.exclude_size() > 0)
            c.fail(layer, {"exclude"}, "give include or exclude rules, not both");
        if (!caffe_layer_included(layer.param, state)) continue;
        included.push_back(&layer);
        has_input_layer = has_input_layer || layer.param.type() == "Input";
    }
    if (included.empty()) user_error("{}: no layer of the net is included in phase TEST", file);
    if (net.input_size() == 0 && net.input_shape_size() == 0 && net.input_dim_size() == 0 && !has_input_layer)
        user_error("{}: the net declares no input (give input with input_shape or input_dim, or an Input layer)", file);

    declare_net_inputs(net, c);
    std::map<std::string, std::string> first_use;  // layer name -> where it was first defined
    for (const CaffeLayer* layer : included) {
        const std::string& name = layer->param.name();
        if (name.empty())
            user_error("{}: a layer of type '{}' has no name; sqzc names nodes after layers", c.where(*layer),
                       layer->param.type());
        auto [it, fresh] = first_use.emplace(name, c.where(*layer));
        if (!fresh) c.fail(*layer, {"name"}, "duplicate layer name (first defined at {})", it->second);
        if (layer->blob_count > 0)
            c.fail(*layer, {{"blobs", 0}}, "the prototxt embeds {} weight blob{}; give weights as a .caffemodel",
                   layer->blob_count, layer->blob_count == 1 ? "" : "s");
        convert_caffe_layer(c, *layer);
    }

    const std::vector<std::string> outputs = c.outputs();
    if (outputs.empty()) user_error("{}: the net computes nothing (no layer's top is left unread)", file);
    for (const std::string& out : outputs) c.builder().output(out);
    try {
        return c.builder().finish();
    } catch (const Error& e) {
        user_error("{}: {}", file, e.what());
    }
}

ir::Graph load_caffe_prototxt(const std::string& path) { return parse_caffe_prototxt(read_file(path), path); }

}  // namespace sqz::compiler
