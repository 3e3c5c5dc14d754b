// Conversion state of the Caffe prototxt frontend (see caffe_context.h).
#include "compiler/frontends/caffe_context.h"

#include <algorithm>

namespace sqz::compiler {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using ParseInfoTree = google::protobuf::TextFormat::ParseInfoTree;

CaffeContext::CaffeContext(std::string file, std::string graph_name, const ParseInfoTree* tree)
    : file_(std::move(file)), tree_(tree), builder_(std::move(graph_name), 1) {}

int CaffeContext::line_of(const CaffeLayer& layer, FieldPath path) const {
    if (!tree_) return -1;
    const FieldDescriptor* field =
        caffe::NetParameter::descriptor()->FindFieldByName(layer.legacy ? "layers" : "layer");
    int line = tree_->GetLocation(field, layer.index).line;
    const ParseInfoTree* tree = tree_->GetTreeForNested(field, layer.index);
    const Descriptor* message =
        layer.legacy ? caffe::V1LayerParameter::descriptor() : caffe::LayerParameter::descriptor();
    // Walk down as far as the text has the fields; the deepest line found is the most precise.
    for (const FieldRef& step : path) {
        if (!tree || !message) break;
        field = message->FindFieldByName(std::string(step.name));
        if (!field) break;
        const int index = field->is_repeated() ? step.index : -1;
        const int found = tree->GetLocation(field, index).line;
        if (found < 0) break;
        line = found;
        if (field->type() != FieldDescriptor::TYPE_MESSAGE) break;
        tree = tree->GetTreeForNested(field, index);
        message = field->message_type();
    }
    return line;
}

std::string CaffeContext::where(const CaffeLayer& layer, FieldPath path) const {
    const int line = line_of(layer, path);
    return line < 0 ? file_ : fmt::format("{}:{}", file_, line + 1);
}

std::string CaffeContext::where_net(std::string_view field_name, int index) const {
    if (!tree_) return file_;
    const FieldDescriptor* field = caffe::NetParameter::descriptor()->FindFieldByName(std::string(field_name));
    SQZ_ASSERT(field != nullptr, "NetParameter has no field '{}'", field_name);
    const int line = tree_->GetLocation(field, field->is_repeated() ? index : -1).line;
    return line < 0 ? file_ : fmt::format("{}:{}", file_, line + 1);
}

void CaffeContext::require_bottoms(const CaffeLayer& layer, int min, int max) const {
    const int n = layer.param.bottom_size();
    if (n >= min && (max < 0 || n <= max)) return;
    const std::string expected = min == max ? fmt::format("exactly {}", min)
                                 : max < 0  ? fmt::format("at least {}", min)
                                            : fmt::format("{} to {}", min, max);
    fail(layer, {}, "{} layers take {} bottom{}, this one has {}", layer.param.type(), expected, max == 1 ? "" : "s",
         n);
}

void CaffeContext::require_one_top(const CaffeLayer& layer) const {
    if (layer.param.top_size() != 1)
        fail(layer, {}, "{} layers have exactly one top, this one has {}", layer.param.type(), layer.param.top_size());
}

std::string CaffeContext::bottom(const CaffeLayer& layer, int i) {
    const std::string& name = layer.param.bottom(i);
    auto it = tops_.find(name);
    if (it == tops_.end())
        fail(layer, {{"bottom", i}}, "bottom '{}' is not produced by any earlier layer or input", name);
    it->second.available = false;
    return it->second.value;
}

void CaffeContext::define_top(const std::string& top, const std::string& value) {
    tops_[top] = Top{value, true, next_order_++};
}

std::vector<std::string> CaffeContext::outputs() const {
    std::vector<const Top*> open;
    for (const auto& entry : tops_)
        if (entry.second.available && !builder_.graph().find_input(entry.second.value)) open.push_back(&entry.second);
    std::sort(open.begin(), open.end(), [](const Top* a, const Top* b) { return a->order < b->order; });
    std::vector<std::string> values;
    for (const Top* top : open) values.push_back(top->value);
    return values;
}

}  // namespace sqz::compiler
