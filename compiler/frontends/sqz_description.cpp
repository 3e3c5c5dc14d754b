// The .sqz frontend's entry points (see sqz_description.h): reads the document, then hands the
// metaparameter form to sqz_metaparams and the explicit form to sqz_explicit, and both to the
// network generator in sqz_network.
#include "compiler/frontends/sqz_description.h"

#include "compiler/file_io.h"
#include "compiler/frontends/sqz_metaparams.h"
#include "compiler/frontends/sqz_network.h"
#include "compiler/frontends/sqz_syntax.h"
#include "ir/error.h"

namespace sqz::compiler {
namespace {

// A description is a few kilobytes; anything far larger is not one.
constexpr uint64_t kMaxSqzBytes = uint64_t{16} << 20;

// The explicit form: `name` and `input` before `layers`, then one layer a line.
SqzNetwork explicit_network(const SqzDocument& doc) {
    SqzNetwork net;
    net.name = "squeezenet";
    net.input = {3, 227, 227};
    net.input_where = {"", doc.file, false};
    const SqzStatement* seen_name = nullptr;
    const SqzStatement* seen_input = nullptr;
    for (const SqzStatement& s : doc.header) {
        const bool is_name = s.keyword.text == "name";
        if (!is_name && s.keyword.text != "input")
            sqz_fail(s.keyword, fmt::format("'{}' cannot be used in the explicit form (layers start at {}); before "
                                            "'layers' only name and input may be given",
                                            s.keyword.text, doc.layers_keyword.where));
        const SqzStatement*& seen = is_name ? seen_name : seen_input;
        if (seen) sqz_fail(s.keyword, fmt::format("'{}' is given twice (first at {})", s.keyword.text, seen->keyword.where));
        seen = &s;
        if (s.positional.size() != 1 || !s.fields.empty())
            sqz_fail(s.keyword, fmt::format("'{}' takes one value, as in '{}'", s.keyword.text,
                                            is_name ? "name squeezenet_v1.0" : "input 3x227x227"));
        if (is_name) {
            net.name = s.positional[0].text;
            if (net.name.empty() || net.name.size() > 200)
                sqz_fail(s.positional[0], "name must have between 1 and 200 characters");
        } else {
            net.input = sqz_input_dims(s.positional[0]);
            net.input_where = s.keyword;
        }
    }
    if (doc.layers.empty()) sqz_fail(doc.layers_keyword, "'layers' is followed by no layers");
    net.layers = parse_sqz_layers(doc.layers);
    return net;
}

}  // namespace

ir::Graph parse_sqz(std::string_view text, const std::string& file, const std::vector<std::string>& overrides) {
    SqzDocument doc = parse_sqz_document(text, file);
    if (!doc.explicit_form) return build_sqz_network(sqz_metaparameter_network(doc, overrides));
    if (!overrides.empty())
        user_error("--set {}: {} is in the explicit form (it lists layers from {}); --set applies only to "
                   "metaparameter descriptions",
                   overrides.front(), file, doc.layers_keyword.where);
    return build_sqz_network(explicit_network(doc));
}

ir::Graph load_sqz(const std::string& path, const std::vector<std::string>& overrides) {
    return parse_sqz(read_file(path, kMaxSqzBytes), path, overrides);
}

}  // namespace sqz::compiler
