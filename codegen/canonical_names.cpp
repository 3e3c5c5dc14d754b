// Renumbering Halide's counters per kernel source (see canonical_names.h).
#include "codegen/canonical_names.h"

#include <fmt/format.h>

#include <map>
#include <regex>

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

}  // namespace

std::string canonicalize_names(const std::string& source) {
    static const std::regex code_token(
        R"(\b(?:(_\d+)|(s\d+)|(_closure_prototype|_closure_arg|_parallel_closure)(?:__\d+)?|([A-Za-z_]\w*?)__\d+)\b)");
    // In comments only temporaries: Halide names them there ("} // if _123"), while prose such as
    // sqzc's own "u8 and s8 bytes" must stay as written.
    static const std::regex comment_token(R"(\b(_\d+)\b)");
    std::map<std::string, std::string> renamed;
    auto rename = [&](const std::string& code, const std::regex& token, std::string& out) {
        auto last = code.cbegin();
        for (std::sregex_iterator it(code.begin(), code.end(), token), end; it != end; ++it) {
            const std::string name = it->str();
            auto found = renamed.find(name);
            if (found == renamed.end()) {
                const size_t k = renamed.size();
                std::string fresh;
                if ((*it)[1].matched) fresh = fmt::format("_t{}", k);                          // a temporary
                else if ((*it)[2].matched) fresh = fmt::format("s_{}", k);                     // a closure struct
                else if ((*it)[3].matched) fresh = fmt::format("{}__n{}", (*it)[3].str(), k);  // closure names
                else fresh = fmt::format("{}__n{}", (*it)[4].str(), k);                        // a suffixed name
                found = renamed.emplace(name, fresh).first;
            }
            out.append(last, (*it)[0].first);
            out += found->second;
            last = (*it)[0].second;
        }
        out.append(last, code.cend());
    };
    std::string out;
    out.reserve(source.size());
    size_t code_start = 0;
    for (size_t i = 0; i < source.size(); ++i) {
        const char c = source[i];
        if (c != '/' && c != '"' && c != '\'') continue;
        const size_t end = end_of_non_code(source, i);
        if (end == std::string::npos) continue;
        rename(source.substr(code_start, i - code_start), code_token, out);
        if (c == '/') rename(source.substr(i, end - i), comment_token, out);
        else out.append(source, i, end - i);
        code_start = end;
        i = end - 1;
    }
    rename(source.substr(code_start), code_token, out);
    return out;
}

}  // namespace sqz::codegen
