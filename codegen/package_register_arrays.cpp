// Register arrays of Halide's C++ output as named vector variables (see package_register_arrays.h).
#include "codegen/package_register_arrays.h"

#include "ir/c_identifier.h"

#include <fmt/format.h>

#include <map>
#include <regex>
#include <set>
#include <vector>

namespace sqz::codegen {
namespace {

struct VectorType {
    std::string element;
    int lanes = 0;
};

struct Array {
    std::string element;
    long size = 0;
    bool consistent = true;  // every declaration has the same element type and size
    int declarations = 0;
};

struct Access {
    std::string type;  // the vector type, e.g. float16
    long offset = 0;
};

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// The end of the run of characters from `at` for which `pred` holds.
template <typename Pred>
size_t run_end(const std::string& s, size_t at, Pred pred) {
    while (at < s.size() && pred(s[at])) ++at;
    return at;
}

// `using float16_ops = NativeVectorOps<float, 16>;` (or CppVectorOps) for each vector type.
std::map<std::string, VectorType> vector_types(const std::string& source) {
    std::map<std::string, VectorType> out;
    for (size_t at = source.find("using "); at != std::string::npos; at = source.find("using ", at + 1)) {
        const size_t name_end = run_end(source, at + 6, is_c_identifier_char);
        const std::string name = source.substr(at + 6, name_end - (at + 6));
        if (name.size() <= 4 || name.compare(name.size() - 4, 4, "_ops") != 0) continue;
        size_t i = name_end;
        for (const char* prefix : {" = NativeVectorOps<", " = CppVectorOps<"})
            if (source.compare(i, std::char_traits<char>::length(prefix), prefix) == 0) {
                i += std::char_traits<char>::length(prefix);
                break;
            }
        if (i == name_end) continue;
        const size_t element_end = run_end(source, i, is_c_identifier_char);
        if (element_end == i || source.compare(element_end, 2, ", ") != 0) continue;
        const size_t lanes_end = run_end(source, element_end + 2, is_digit);
        if (lanes_end == element_end + 2 || source.compare(lanes_end, 2, ">;") != 0) continue;
        out[name.substr(0, name.size() - 4)] = {source.substr(i, element_end - i),
                                                std::stoi(source.substr(element_end + 2, lanes_end - element_end - 2))};
    }
    return out;
}

// The source with every `//` comment cut off at its line's end.
std::string without_comments(const std::string& source) {
    std::string out;
    out.reserve(source.size());
    size_t from = 0;
    for (size_t at = source.find("//"); at != std::string::npos; at = source.find("//", from)) {
        out.append(source, from, at - from);
        from = source.find('\n', at);
        if (from == std::string::npos) return out;
    }
    out.append(source, from, std::string::npos);
    return out;
}

// Local arrays: a line holding only `TYPE NAME[SIZE];` (NAME starting with '_'), between newlines.
struct Declaration {
    std::string element, name;
    long size = 0;
};

std::vector<Declaration> array_declarations(const std::string& source) {
    std::vector<Declaration> out;
    for (size_t nl = source.find('\n'); nl != std::string::npos; nl = source.find('\n', nl + 1)) {
        const size_t type_begin = run_end(source, nl + 1, [](char c) { return c == ' '; });
        const size_t type_end = run_end(source, type_begin, is_c_identifier_char);
        if (type_end == type_begin || source.compare(type_end, 2, " _") != 0) continue;
        const size_t name_end = run_end(source, type_end + 2, is_c_identifier_char);
        if (name_end == type_end + 2 || source.compare(name_end, 1, "[") != 0) continue;
        const size_t size_end = run_end(source, name_end + 1, is_digit);
        if (size_end == name_end + 1 || source.compare(size_end, 3, "];\n") != 0) continue;
        out.push_back({source.substr(type_begin, type_end - type_begin), source.substr(type_end + 1, name_end - type_end - 1),
                       std::stol(source.substr(name_end + 1, size_end - name_end - 1))});
    }
    return out;
}

size_t count_words(const std::string& text, const std::string& word) {
    size_t n = 0;
    for (size_t at = text.find(word); at != std::string::npos; at = text.find(word, at + 1)) {
        const bool starts = at == 0 || !is_c_identifier_char(text[at - 1]);
        const bool ends = at + word.size() == text.size() || !is_c_identifier_char(text[at + word.size()]);
        n += starts && ends;
    }
    return n;
}

// The lines of `text` that mention `name`: from the newline before its first occurrence to the
// newline after its last (both included, where there are any). Every pattern below that involves
// an array matches within such lines, so running it on this span gives what it gives on the whole
// text, at a fraction of the cost (std::regex is slow, and a kernel source is ~400 KB).
struct Span {
    size_t begin = 0, end = 0;
};

Span lines_with(const std::string& text, const std::string& name) {
    const size_t first = text.find(name);
    if (first == std::string::npos) return {};
    const size_t last = text.rfind(name);
    const size_t before = text.rfind('\n', first);
    const size_t after = text.find('\n', last + name.size());
    return {before == std::string::npos ? 0 : before, after == std::string::npos ? text.size() : after + 1};
}

// regex_replace on the span only.
std::string replace_in(const std::string& text, const Span& span, const std::regex& re, const std::string& format) {
    if (span.end <= span.begin) return text;
    return text.substr(0, span.begin) +
           std::regex_replace(text.substr(span.begin, span.end - span.begin), re, format) + text.substr(span.end);
}

// `acc_v32` for the vector at offset 32, `acc_e3` for element 3.
std::string variable(const std::string& array, char kind, long at) { return fmt::format("{}_{}{}", array, kind, at); }

}  // namespace

std::string promote_register_arrays(const std::string& source, int* promoted) {
    if (promoted) *promoted = 0;
    const std::map<std::string, VectorType> types = vector_types(source);

    std::map<std::string, Array> arrays;
    for (const Declaration& d : array_declarations(source)) {
        Array& a = arrays[d.name];
        if (a.declarations++ > 0 && (a.element != d.element || a.size != d.size)) a.consistent = false;
        a.element = d.element;
        a.size = d.size;
    }
    if (arrays.empty()) return source;

    const std::string code = without_comments(source);
    std::string out = source;
    for (const auto& [name, array] : arrays) {
        // The new names must be free.
        const Span in_code = lines_with(code, name);
        const std::string code_lines = code.substr(in_code.begin, in_code.end - in_code.begin);
        if (!array.consistent || std::regex_search(code_lines, std::regex("\\b" + name + "_[ve]\\d+\\b"))) continue;
        const std::regex this_declaration("\\n( *)\\w+ " + name + "\\[\\d+\\];(?=\\n)");
        const std::string body = std::regex_replace(code_lines, this_declaration, "\n");  // its uses only
        const size_t uses = count_words(body, name);

        // Scalar accumulators (too few channels to vectorise): `acc[3] = _t9;`, `... = acc[3];`.
        const std::regex element("\\b" + name + "\\[(\\d+)\\]");
        std::set<long> indices;
        for (std::sregex_iterator it(body.begin(), body.end(), element), end; it != end; ++it)
            indices.insert(std::stol((*it)[1]));
        if (!indices.empty()) {
            const size_t n = static_cast<size_t>(
                std::distance(std::sregex_iterator(body.begin(), body.end(), element), std::sregex_iterator()));
            if (n != uses || *indices.rbegin() >= array.size) continue;
            std::vector<std::string> names;
            for (long i : indices) names.push_back(variable(name, 'e', i));
            out = replace_in(out, lines_with(out, name), this_declaration,
                             fmt::format("\n$1{} {};", array.element, fmt::join(names, ", ")));
            out = replace_in(out, lines_with(out, name), element, name + "_e$1");
            if (promoted) ++*promoted;
            continue;
        }

        const std::regex load("(\\w+)_ops::load\\(" + name + ", (\\d+)\\)");
        const std::regex store("(\\w+)_ops::store\\((\\w+), " + name + ", (\\d+)\\);");
        std::vector<Access> accesses;
        for (const std::regex* re : {&load, &store})
            for (std::sregex_iterator it(body.begin(), body.end(), *re), end; it != end; ++it)
                accesses.push_back({(*it)[1], std::stol((*it)[re == &load ? 2 : 3])});
        // Every use of the name must be a declaration or one of these accesses.
        if (accesses.empty() || accesses.size() != uses) continue;
        std::set<long> offsets;
        bool ok = true;
        for (const Access& a : accesses) {
            const auto t = types.find(a.type);
            ok = ok && t != types.end() && t->second.element == array.element && a.type == accesses[0].type &&
                 a.offset % t->second.lanes == 0 && a.offset + t->second.lanes <= array.size;
            offsets.insert(a.offset);
        }
        if (!ok) continue;

        const std::string type = accesses[0].type;
        std::vector<std::string> names;
        for (long offset : offsets) names.push_back(variable(name, 'v', offset));
        out = replace_in(out, lines_with(out, name), this_declaration,
                         fmt::format("\n$1{} {};", type, fmt::join(names, ", ")));
        out = replace_in(out, lines_with(out, name), load, name + "_v$2");
        out = replace_in(out, lines_with(out, name), store, name + "_v$3 = $2;");
        if (promoted) ++*promoted;
    }
    return out;
}

}  // namespace sqz::codegen
