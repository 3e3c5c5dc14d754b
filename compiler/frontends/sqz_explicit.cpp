// The explicit form of .sqz descriptions: one layer a line after `layers`, read into SqzLayers
// (see sqz_network.h). Every kind of layer lists its fields in one table.
#include "compiler/frontends/sqz_network.h"

#include "ir/error.h"
#include "ir/tensor_type.h"

#include <algorithm>

namespace sqz::compiler {
namespace {

using Kind = SqzLayer::Kind;

struct LayerKind {
    std::string_view word;
    Kind kind;
    std::vector<std::string_view> required;
    std::vector<std::string_view> optional;  // `from` is optional for every kind but concat and add
    bool relu_flag = false;                  // conv accepts a bare `relu`
};

const std::vector<LayerKind>& layer_kinds() {
    static const std::vector<LayerKind> kinds = {
        {"conv", Kind::Conv, {"filters", "kernel"}, {"stride", "pad", "from"}, true},
        {"relu", Kind::Relu, {}, {"from"}},
        {"maxpool", Kind::MaxPool, {"kernel"}, {"stride", "pad", "rounding", "from"}},
        {"avgpool", Kind::AvgPool, {"kernel"}, {"stride", "pad", "rounding", "from"}},
        {"global_avgpool", Kind::GlobalAvgPool, {}, {"from"}},
        {"fire", Kind::Fire, {"squeeze", "expand1x1", "expand3x3"}, {"bypass", "from"}},
        {"concat", Kind::Concat, {"from"}, {}},
        {"add", Kind::Add, {"from"}, {}},
        {"dropout", Kind::Dropout, {}, {"ratio", "from"}},
        {"softmax", Kind::Softmax, {}, {"from"}},
        {"flatten", Kind::Flatten, {}, {"from"}},
    };
    return kinds;
}

std::string join(const std::vector<std::string_view>& words) {
    std::string out;
    for (std::string_view w : words) out += fmt::format("{}{}", out.empty() ? "" : ", ", w);
    return out;
}

const LayerKind& find_kind(const SqzValue& word) {
    for (const LayerKind& k : layer_kinds())
        if (word.text == k.word) return k;
    std::vector<std::string_view> words;
    for (const LayerKind& k : layer_kinds()) words.push_back(k.word);
    sqz_fail(word, fmt::format("unknown layer kind '{}' (kinds: {})", word.text, join(words)));
}

SqzLayer parse_layer(const SqzStatement& s) {
    const LayerKind& kind = find_kind(s.keyword);
    SqzLayer l;
    l.kind = kind.kind;
    l.where = s.keyword;
    if (s.positional.empty())
        sqz_fail(s.keyword, fmt::format("a {} layer needs a name: {} NAME ...", kind.word, kind.word));
    l.name = s.positional[0].text;
    const std::string label = fmt::format("layer '{}'", l.name);
    for (size_t i = 1; i < s.positional.size(); ++i) {
        const SqzValue& p = s.positional[i];
        if (kind.relu_flag && p.text == "relu" && !l.relu) l.relu = true;
        else sqz_fail(p, fmt::format("{}: unexpected '{}' (fields are written name=value)", label, p.text));
    }

    auto allowed = [&](std::string_view name) {
        return std::count(kind.required.begin(), kind.required.end(), name) +
               std::count(kind.optional.begin(), kind.optional.end(), name);
    };
    for (const SqzField& f : s.fields) {
        if (!allowed(f.name.text)) {
            std::vector<std::string_view> all = kind.required;
            all.insert(all.end(), kind.optional.begin(), kind.optional.end());
            sqz_fail(f.name, fmt::format("{}: a {} layer has no field '{}' (fields: {})", label, kind.word,
                                         f.name.text, all.empty() ? "none" : join(all)));
        }
        if (f.name.text != "from" && f.values.size() != 1)
            sqz_fail(f.values[1], fmt::format("{}: '{}' takes one value", label, f.name.text));
    }
    for (std::string_view name : kind.required)
        if (!s.find(name)) sqz_fail(s.keyword, fmt::format("{} ({}) needs {}=", label, kind.word, name));

    constexpr int64_t max = ir::Limits::max_dim;
    auto int_field = [&](std::string_view name, int64_t lo, int64_t fallback) {
        const SqzField* f = s.find(name);
        return f ? sqz_int(f->values[0], fmt::format("{}: {}", label, name), lo, max) : fallback;
    };
    l.filters = int_field("filters", 1, 0);
    l.kernel = int_field("kernel", 1, 1);
    l.stride = int_field("stride", 1, 1);
    l.pad = int_field("pad", 0, 0);
    l.squeeze = int_field("squeeze", 1, 0);
    l.expand1x1 = int_field("expand1x1", 1, 0);
    l.expand3x3 = int_field("expand3x3", 1, 0);
    if (const SqzField* f = s.find("rounding"))
        l.rounding = sqz_choice(f->values[0], label + ": rounding", {"ceil", "floor"}) == 0 ? ir::Rounding::Ceil
                                                                                            : ir::Rounding::Floor;
    if (const SqzField* f = s.find("bypass")) {
        l.bypass = static_cast<SqzBypass>(sqz_choice(f->values[0], label + ": bypass", {"none", "simple", "complex"}));
        l.bypass_where = f->values[0];
    }
    if (const SqzField* f = s.find("ratio")) sqz_number(f->values[0], label + ": ratio", 0, false, 1, true);
    if (const SqzField* f = s.find("from")) {
        for (const SqzValue& v : f->values) l.from.push_back(v.text);
        size_t n = l.from.size();
        if (l.kind == Kind::Concat && n < 2)
            sqz_fail(f->name, fmt::format("{}: concat needs at least two inputs, from=A,B,...", label));
        if (l.kind == Kind::Add && n != 2)
            sqz_fail(f->name, fmt::format("{}: add needs exactly two inputs, from=A,B; found {}", label, n));
        if (l.kind != Kind::Concat && l.kind != Kind::Add && n != 1)
            sqz_fail(f->name, fmt::format("{}: a {} layer reads one input; found {}", label, kind.word, n));
    }
    return l;
}

}  // namespace

std::vector<SqzLayer> parse_sqz_layers(const std::vector<SqzStatement>& statements) {
    std::vector<SqzLayer> layers;
    size_t nodes = 0;
    for (const SqzStatement& s : statements) {
        layers.push_back(parse_layer(s));
        nodes += sqz_layer_node_count(layers.back());
        if (nodes > kMaxSqzNodes)
            sqz_fail(s.keyword, fmt::format("too many layers: the description would generate more than {} nodes",
                                            kMaxSqzNodes));
    }
    return layers;
}

}  // namespace sqz::compiler
