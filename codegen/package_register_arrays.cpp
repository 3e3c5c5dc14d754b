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

// `using float16_ops = NativeVectorOps<float, 16>;` (or CppVectorOps) for each vector type.
std::map<std::string, VectorType> vector_types(const std::string& source) {
    static const std::regex ops(R"(using (\w+)_ops = (?:Native|Cpp)VectorOps<(\w+), (\d+)>;)");
    std::map<std::string, VectorType> out;
    for (std::sregex_iterator it(source.begin(), source.end(), ops), end; it != end; ++it)
        out[(*it)[1]] = {(*it)[2], std::stoi((*it)[3])};
    return out;
}

std::string without_comments(const std::string& source) {
    static const std::regex comment(R"(//[^\n]*)");
    return std::regex_replace(source, comment, "");
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

// `acc_v32` for the vector at offset 32, `acc_e3` for element 3.
std::string variable(const std::string& array, char kind, long at) { return fmt::format("{}_{}{}", array, kind, at); }

}  // namespace

std::string promote_register_arrays(const std::string& source, int* promoted) {
    if (promoted) *promoted = 0;
    const std::map<std::string, VectorType> types = vector_types(source);

    // Local arrays: a line holding only `TYPE NAME[SIZE];`.
    static const std::regex declaration(R"(\n( *)(\w+) (_\w+)\[(\d+)\];(?=\n))");
    std::map<std::string, Array> arrays;
    for (std::sregex_iterator it(source.begin(), source.end(), declaration), end; it != end; ++it) {
        Array& a = arrays[(*it)[3]];
        const long size = std::stol((*it)[4]);
        if (a.declarations++ > 0 && (a.element != (*it)[2].str() || a.size != size)) a.consistent = false;
        a.element = (*it)[2];
        a.size = size;
    }
    if (arrays.empty()) return source;

    const std::string code = without_comments(source);
    std::string out = source;
    for (const auto& [name, array] : arrays) {
        // The new names must be free.
        if (!array.consistent || std::regex_search(code, std::regex("\\b" + name + "_[ve]\\d+\\b"))) continue;
        const std::regex this_declaration("\\n( *)\\w+ " + name + "\\[\\d+\\];(?=\\n)");
        const std::string body = std::regex_replace(code, this_declaration, "\n");  // its uses only
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
            out = std::regex_replace(out, this_declaration,
                                     fmt::format("\n$1{} {};", array.element, fmt::join(names, ", ")));
            out = std::regex_replace(out, element, name + "_e$1");
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
        out = std::regex_replace(out, this_declaration, fmt::format("\n$1{} {};", type, fmt::join(names, ", ")));
        out = std::regex_replace(out, load, name + "_v$2");
        out = std::regex_replace(out, store, name + "_v$3 = $2;");
        if (promoted) ++*promoted;
    }
    return out;
}

}  // namespace sqz::codegen
