// The metaparameter form of .sqz descriptions (see sqz_metaparams.h): a table of keys, the
// merging of --set overrides into the file's settings, the range checks, and the expansion by the
// SqueezeNet paper's rules.
#include "compiler/frontends/sqz_metaparams.h"

#include "ir/error.h"
#include "ir/lexer.h"

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <map>
#include <set>

namespace sqz::compiler {
namespace {

constexpr int64_t kMaxDim = ir::Limits::max_dim;
constexpr int64_t kMaxFireModules = 100;

struct KeySpec {
    std::string_view key;                  // canonical spelling (keys match case-insensitively)
    std::vector<std::string_view> fields;  // empty: a key with one value
    std::string_view example;
};

const std::vector<KeySpec>& key_specs() {
    static const std::vector<KeySpec> specs = {
        {"name", {}, "name squeezenet_v1.0"},
        {"input", {}, "input 3x227x227"},
        {"classes", {}, "classes 1000"},
        {"conv1", {"filters", "kernel", "stride", "pad"}, "conv1 filters=96 kernel=7 stride=2 pad=0"},
        {"maxpool", {"kernel", "stride", "pad", "after"}, "maxpool kernel=3 stride=2 after=conv1,fire4,fire8"},
        {"fire_modules", {}, "fire_modules 8"},
        {"base_e", {}, "base_e 128"},
        {"incr_e", {}, "incr_e 128"},
        {"freq", {}, "freq 2"},
        {"pct3x3", {}, "pct3x3 0.5"},
        {"SR", {}, "SR 0.125"},
        {"bypass", {}, "bypass none"},
        {"dropout", {}, "dropout 0.5"},
        {"final_conv_pad", {}, "final_conv_pad 1"},
        {"softmax", {}, "softmax on"},
    };
    return specs;
}

const KeySpec* find_key(std::string_view key) {
    for (const KeySpec& s : key_specs())
        if (equals_ignore_case(s.key, key)) return &s;
    return nullptr;
}

std::string known_keys() {
    std::string out;
    for (const KeySpec& s : key_specs()) {
        if (!out.empty()) out += ", ";
        out += s.key;
        if (!s.fields.empty()) {
            out += ".{";
            for (size_t i = 0; i < s.fields.size(); ++i) out += fmt::format("{}{}", i ? "," : "", s.fields[i]);
            out += "}";
        }
    }
    return out;
}

std::string field_list(const KeySpec& spec) {
    std::string out;
    for (std::string_view f : spec.fields) out += fmt::format("{}{}", out.empty() ? "" : ", ", f);
    return out;
}

// Round to the nearest integer, halves up; the tolerance keeps 0.15 * 10 at 2 despite binary fractions.
int64_t round_half_up(double x) { return static_cast<int64_t>(std::floor(x + 0.5 + 1e-9)); }

// The file's settings with the overrides merged in: one statement per key.
class Settings {
public:
    explicit Settings(const std::string& file) : default_where_{"", file, false} {}

    void add_statement(const SqzStatement& s) {
        const KeySpec* spec = find_key(s.keyword.text);
        if (!spec) {
            static const std::set<std::string> layer_words = {"conv", "relu", "avgpool", "global_avgpool",
                                                              "fire", "concat", "add", "flatten"};
            sqz_fail(s.keyword, fmt::format("unknown key '{}'{} (keys: {})", s.keyword.text,
                                            layer_words.count(s.keyword.text)
                                                ? "; a list of layers starts with a 'layers' line"
                                                : "",
                                            known_keys()));
        }
        auto [it, fresh] = settings_.emplace(std::string(spec->key), s);
        if (!fresh)
            sqz_fail(s.keyword, fmt::format("'{}' is given twice (first at {})", spec->key, it->second.keyword.where));
        if (spec->fields.empty() && (s.positional.size() != 1 || !s.fields.empty()))
            sqz_fail(s.keyword, fmt::format("'{}' takes one value, as in '{}'", spec->key, spec->example));
        if (!spec->fields.empty()) {
            if (!s.positional.empty())
                sqz_fail(s.positional[0], fmt::format("'{}' takes name=value fields, as in '{}'", spec->key,
                                                      spec->example));
            for (const SqzField& f : s.fields) check_field(*spec, f);
        }
    }

    // "KEY=VALUE" or "GROUP.FIELD=VALUE" from the command line.
    void add_override(const std::string& text) {
        const std::string where = "--set " + text;
        size_t eq = text.find('=');
        if (eq == std::string::npos || eq == 0) user_error("{}: expected KEY=VALUE", where);
        std::string key = text.substr(0, eq);
        std::vector<SqzValue> values = lex_override_values(std::string_view(text).substr(eq + 1), where);
        size_t dot = key.find('.');
        const KeySpec* spec = find_key(key.substr(0, dot));
        if (!spec) user_error("{}: unknown metaparameter '{}' (keys: {})", where, key, known_keys());
        SqzValue keyword{std::string(spec->key), where, true};
        if (dot == std::string::npos) {
            if (!spec->fields.empty())
                user_error("{}: '{}' has fields ({}); set one at a time, as in --set {}.{}=...", where, spec->key,
                           field_list(*spec), spec->key, spec->fields[0]);
            if (values.size() != 1) user_error("{}: '{}' takes one value", where, spec->key);
            settings_[std::string(spec->key)] = SqzStatement{keyword, values, {}};
            return;
        }
        if (spec->fields.empty()) user_error("{}: '{}' has no fields; write --set {}=VALUE", where, spec->key, spec->key);
        SqzField field{{key.substr(dot + 1), where, true}, values};
        check_field(*spec, field);
        SqzStatement& s = settings_.emplace(std::string(spec->key), SqzStatement{keyword, {}, {}}).first->second;
        if (SqzField* old = s.find(field.name.text)) *old = field;
        else s.fields.push_back(field);
    }

    const SqzValue* value(std::string_view key) const {
        auto it = settings_.find(std::string(key));
        return it == settings_.end() ? nullptr : &it->second.positional[0];
    }
    const SqzField* field(std::string_view key, std::string_view name) const {
        auto it = settings_.find(std::string(key));
        return it == settings_.end() ? nullptr : it->second.find(name);
    }
    // Where the first of `keys` that is given is written, or the file itself when all are defaults.
    const SqzValue& where(std::initializer_list<std::string_view> keys) const {
        for (std::string_view key : keys) {
            auto it = settings_.find(std::string(key));
            if (it != settings_.end()) return it->second.keyword;
        }
        return default_where_;
    }

private:
    static void check_field(const KeySpec& spec, const SqzField& f) {
        if (std::none_of(spec.fields.begin(), spec.fields.end(),
                         [&](std::string_view n) { return equals_ignore_case(n, f.name.text); }))
            sqz_fail(f.name, fmt::format("'{}' has no field '{}' (fields: {})", spec.key, f.name.text, field_list(spec)));
        if (f.values.size() != 1 && !equals_ignore_case(f.name.text, "after"))
            sqz_fail(f.values[1], fmt::format("'{}.{}' takes one value", spec.key, f.name.text));
    }

    SqzValue default_where_;
    std::map<std::string, SqzStatement> settings_;
};

SqzMetaparams read_metaparams(const Settings& s) {
    SqzMetaparams m;
    auto int_key = [&](std::string_view key, int64_t& out, int64_t lo, int64_t hi) {
        if (const SqzValue* v = s.value(key)) out = sqz_int(*v, key, lo, hi);
    };
    auto number_key = [&](std::string_view key, double& out, double lo, bool lo_open, double hi, bool hi_open) {
        if (const SqzValue* v = s.value(key)) out = sqz_number(*v, key, lo, lo_open, hi, hi_open);
    };
    auto int_field = [&](std::string_view key, std::string_view name, int64_t& out, int64_t lo) {
        if (const SqzField* f = s.field(key, name)) out = sqz_int(f->values[0], fmt::format("{}.{}", key, name), lo, kMaxDim);
    };
    if (const SqzValue* v = s.value("name")) m.name = v->text;
    if (m.name.empty() || m.name.size() > 200)
        sqz_fail(*s.value("name"), "name must have between 1 and 200 characters");
    if (const SqzValue* v = s.value("input")) m.input = sqz_input_dims(*v);
    int_key("classes", m.classes, 1, kMaxDim);
    int_field("conv1", "filters", m.conv1_filters, 1);
    int_field("conv1", "kernel", m.conv1_kernel, 1);
    int_field("conv1", "stride", m.conv1_stride, 1);
    int_field("conv1", "pad", m.conv1_pad, 0);
    int_field("maxpool", "kernel", m.pool_kernel, 1);
    int_field("maxpool", "stride", m.pool_stride, 1);
    int_field("maxpool", "pad", m.pool_pad, 0);
    int_key("fire_modules", m.fire_modules, 1, kMaxFireModules);
    int_key("base_e", m.base_e, 2, kMaxDim);
    int_key("incr_e", m.incr_e, 0, kMaxDim);
    int_key("freq", m.freq, 1, kMaxFireModules);
    number_key("pct3x3", m.pct3x3, 0, true, 1, true);
    number_key("SR", m.sr, 0, true, 1, false);
    if (const SqzValue* v = s.value("bypass"))
        m.bypass = static_cast<SqzBypass>(sqz_choice(*v, "bypass", {"none", "simple", "complex"}));
    number_key("dropout", m.dropout, 0, false, 1, true);
    int_key("final_conv_pad", m.final_conv_pad, 0, kMaxDim);
    if (const SqzValue* v = s.value("softmax")) m.softmax = sqz_choice(*v, "softmax", {"on", "off"}) == 0;

    // maxpool.after: conv1 and Fire module names of this network, or none.
    if (const SqzField* f = s.field("maxpool", "after")) {
        m.pool_after.clear();
        std::set<std::string> seen;
        const std::string last = fmt::format("fire{}", m.fire_modules + 1);
        for (const SqzValue& v : f->values) {
            if (equals_ignore_case(v.text, "none") && f->values.size() == 1) break;
            int64_t k = 0;
            bool fire = v.text.rfind("fire", 0) == 0 && ir::parse_int(v.text.substr(4), k) && k >= 2 &&
                        k <= m.fire_modules + 1 && v.text == fmt::format("fire{}", k);
            if (v.text != "conv1" && !fire)
                sqz_fail_value(v, fmt::format("maxpool.after must list conv1 or Fire modules of this network "
                                              "(fire2..{}), or be none",
                                              last));
            if (!seen.insert(v.text).second) sqz_fail(v, fmt::format("maxpool.after lists '{}' twice", v.text));
            m.pool_after.push_back(v.text);
        }
    } else {
        for (const std::string& name : m.pool_after) {
            int64_t k = 0;
            if (name != "conv1" && ir::parse_int(name.substr(4), k) && k > m.fire_modules + 1)
                sqz_fail(s.where({"fire_modules"}),
                         fmt::format("the default maxpool.after=conv1,fire4,fire8 needs at least 7 Fire modules, "
                                     "but fire_modules is {}; set maxpool after=...",
                                     m.fire_modules));
        }
    }

    // Each Fire module's expand count must stay within Limits (base_e >= 2 keeps it at least 2).
    for (int64_t i = 0; i < m.fire_modules; ++i) {
        int64_t e = m.base_e + m.incr_e * (i / m.freq);
        if (e > kMaxDim)
            sqz_fail(s.where({"incr_e", "base_e"}),
                     fmt::format("fire{} would have {} expand filters (base_e {} + incr_e {} * floor({} / freq {})), "
                                 "more than {}",
                                 i + 2, e, m.base_e, m.incr_e, i, m.freq, kMaxDim));
    }
    return m;
}

SqzLayer make_layer(SqzLayer::Kind kind, std::string name, const SqzValue& where) {
    SqzLayer l;
    l.kind = kind;
    l.name = std::move(name);
    l.where = where;
    return l;
}

SqzNetwork expand(const SqzMetaparams& m, const Settings& s) {
    using Kind = SqzLayer::Kind;
    SqzNetwork net;
    net.name = m.name;
    net.input = m.input;
    net.input_where = s.where({"input"});
    auto pool_after = [&](const std::string& layer) {
        if (std::find(m.pool_after.begin(), m.pool_after.end(), layer) == m.pool_after.end()) return;
        SqzLayer p = make_layer(Kind::MaxPool, "pool" + layer.substr(4), s.where({"maxpool", "input"}));
        p.kernel = m.pool_kernel;
        p.stride = m.pool_stride;
        p.pad = m.pool_pad;
        p.rounding = ir::Rounding::Ceil;
        net.layers.push_back(p);
    };

    SqzLayer conv1 = make_layer(Kind::Conv, "conv1", s.where({"conv1", "input"}));
    conv1.filters = m.conv1_filters;
    conv1.kernel = m.conv1_kernel;
    conv1.stride = m.conv1_stride;
    conv1.pad = m.conv1_pad;
    conv1.relu = true;
    net.layers.push_back(conv1);
    pool_after("conv1");

    int64_t channels = m.conv1_filters;
    const SqzValue& fire_where = s.where({"fire_modules", "base_e", "incr_e", "freq", "SR", "pct3x3"});
    for (int64_t i = 0; i < m.fire_modules; ++i) {
        const std::string name = fmt::format("fire{}", i + 2);
        SqzFireSizes sizes = sqz_fire_sizes(m, i);
        SqzLayer fire = make_layer(Kind::Fire, name, fire_where);
        fire.squeeze = sizes.squeeze;
        fire.expand1x1 = sizes.expand1x1;
        fire.expand3x3 = sizes.expand3x3;
        const int64_t out = sizes.expand1x1 + sizes.expand3x3;
        // Simple: the paper's residual Add around every second module (fire3, fire5, ...).
        // Complex: a bypass around every module, with a 1x1 conv where the channel counts differ.
        if (m.bypass == SqzBypass::Simple && i % 2 == 1) fire.bypass = SqzBypass::Simple;
        if (m.bypass == SqzBypass::Complex) fire.bypass = channels == out ? SqzBypass::Simple : SqzBypass::Complex;
        fire.bypass_where = s.where({"bypass"});
        net.layers.push_back(fire);
        channels = out;
        pool_after(name);
    }

    const SqzValue& tail = s.where({"classes", "final_conv_pad", "input"});
    if (m.dropout > 0)
        net.layers.push_back(make_layer(Kind::Dropout, fmt::format("drop{}", m.fire_modules + 1), s.where({"dropout"})));
    SqzLayer classifier = make_layer(Kind::Conv, fmt::format("conv{}", m.fire_modules + 2), tail);
    classifier.filters = m.classes;
    classifier.kernel = 1;
    classifier.pad = m.final_conv_pad;
    classifier.relu = true;
    net.layers.push_back(classifier);
    net.layers.push_back(make_layer(Kind::GlobalAvgPool, fmt::format("pool{}", m.fire_modules + 2), tail));
    if (m.softmax) net.layers.push_back(make_layer(Kind::Softmax, "prob", s.where({"softmax"})));
    return net;
}

}  // namespace

SqzFireSizes sqz_fire_sizes(const SqzMetaparams& m, int64_t i) {
    const int64_t e = m.base_e + m.incr_e * (i / m.freq);
    SQZ_ASSERT(e >= 2, "fire module {} has {} expand filters", i, e);
    SqzFireSizes out;
    out.expand3x3 = std::clamp<int64_t>(round_half_up(m.pct3x3 * static_cast<double>(e)), 1, e - 1);
    out.expand1x1 = e - out.expand3x3;
    out.squeeze = std::max<int64_t>(1, round_half_up(m.sr * static_cast<double>(e)));
    return out;
}

ir::Dims sqz_input_dims(const SqzValue& value) {
    const std::string requirement = fmt::format("input must be CxHxW with each dimension in [1, {}]", kMaxDim);
    ir::Dims dims;
    size_t start = 0;
    while (dims.size() < 4) {
        size_t x = value.text.find('x', start);
        std::string_view part = std::string_view(value.text).substr(start, x == std::string::npos ? x : x - start);
        int64_t d = 0;
        if (!ir::parse_int(part, d) || d < 1 || d > kMaxDim || part[0] == '+') sqz_fail_value(value, requirement);
        dims.push_back(d);
        if (x == std::string::npos) break;
        start = x + 1;
    }
    if (dims.size() != 3) sqz_fail_value(value, requirement);
    if (!ir::checked_numel(dims))
        sqz_fail_value(value, fmt::format("input must have at most {} elements", ir::Limits::max_elements));
    return dims;
}

SqzNetwork sqz_metaparameter_network(const SqzDocument& doc, const std::vector<std::string>& overrides) {
    Settings settings(doc.file);
    for (const SqzStatement& s : doc.header) settings.add_statement(s);
    for (const std::string& o : overrides) settings.add_override(o);
    SqzMetaparams m = read_metaparams(settings);
    return expand(m, settings);
}

}  // namespace sqz::compiler
