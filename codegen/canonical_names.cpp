// Renumbering Halide's counters per kernel source (see canonical_names.h).
#include "codegen/canonical_names.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <string_view>

namespace sqz::codegen {
namespace {

// The end of the comment or literal that starts at `at`, or npos if none starts there.
size_t end_of_non_code(const std::string& s, size_t at) {
    if (s.compare(at, 2, "//") == 0) {
        const size_t end = s.find('\n', at);
        return end == std::string::npos ? s.size() : end;
    }
    if (s.compare(at, 2, "/*") == 0) {
        const size_t end = s.find("*/", at + 2);
        return end == std::string::npos ? s.size() : end + 2;
    }
    if (s[at] == '"' || s[at] == '\'') {
        size_t i = at + 1;
        while (i < s.size() && s[i] != s[at]) i += s[i] == '\\' ? 2 : 1;
        return std::min(i + 1, s.size());
    }
    return std::string::npos;
}

bool is_word_char(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'; }
bool all_digits(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// How a whole word is renamed, or "" if it is not one of Halide's counter-numbered names:
// `_123` (a temporary), `s12` (a closure struct), `_closure_arg[__12]` and its kin, `name__12`.
enum class Kind { None, Temporary, Struct, Closure, Suffixed };

Kind kind_of(std::string_view w, std::string_view& stem) {
    if (w.size() > 1 && w[0] == '_' && all_digits(w.substr(1))) return Kind::Temporary;
    if (w.size() > 1 && w[0] == 's' && all_digits(w.substr(1))) return Kind::Struct;
    for (std::string_view closure : {"_closure_prototype", "_closure_arg", "_parallel_closure"})
        if (w.substr(0, closure.size()) == closure &&
            (w.size() == closure.size() ||
             (w.substr(closure.size(), 2) == "__" && all_digits(w.substr(closure.size() + 2))))) {
            stem = closure;
            return Kind::Closure;
        }
    // name__123: the digits run to the word's end, "__" before them, a name (not starting with a
    // digit) before that.
    size_t digits = w.size();
    while (digits > 0 && w[digits - 1] >= '0' && w[digits - 1] <= '9') --digits;
    if (digits < w.size() && digits >= 3 && w.substr(digits - 2, 2) == "__" && !(w[0] >= '0' && w[0] <= '9')) {
        stem = w.substr(0, digits - 2);
        return Kind::Suffixed;
    }
    return Kind::None;
}

}  // namespace

std::string canonicalize_names(const std::string& source) {
    std::map<std::string, std::string, std::less<>> renamed;
    // Renames the words of `text` (code; in comments only temporaries) onto `out`.
    auto rename = [&](std::string_view text, bool comment, std::string& out) {
        size_t i = 0;
        while (i < text.size()) {
            if (!is_word_char(text[i])) {
                out += text[i++];
                continue;
            }
            size_t j = i;
            while (j < text.size() && is_word_char(text[j])) ++j;
            const std::string_view word = text.substr(i, j - i);
            std::string_view stem;
            const Kind kind = kind_of(word, stem);
            if (kind == Kind::None || (comment && kind != Kind::Temporary)) {
                out += word;
            } else {
                auto found = renamed.find(word);
                if (found == renamed.end()) {
                    const size_t k = renamed.size();
                    std::string fresh;
                    if (kind == Kind::Temporary) fresh = fmt::format("_t{}", k);
                    else if (kind == Kind::Struct) fresh = fmt::format("s_{}", k);
                    else fresh = fmt::format("{}__n{}", stem, k);
                    found = renamed.emplace(std::string(word), fresh).first;
                }
                out += found->second;
            }
            i = j;
        }
    };
    std::string out;
    out.reserve(source.size());
    const std::string_view text(source);
    size_t code_start = 0;
    for (size_t i = 0; i < source.size(); ++i) {
        const char c = source[i];
        if (c != '/' && c != '"' && c != '\'') continue;
        const size_t end = end_of_non_code(source, i);
        if (end == std::string::npos) continue;
        rename(text.substr(code_start, i - code_start), false, out);
        if (c == '/') rename(text.substr(i, end - i), true, out);
        else out.append(source, i, end - i);
        code_start = end;
        i = end - 1;
    }
    rename(text.substr(code_start), false, out);
    return out;
}

}  // namespace sqz::codegen
